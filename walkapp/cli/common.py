"""What every command shares: a domain error becomes a one-line click error."""

import click

from walkapp.domain.errors import DomainError


def fail(exc: DomainError) -> None:
    message = exc.message % exc.params if exc.params else exc.message
    raise click.ClickException(f"{exc.field + ': ' if exc.field else ''}{message}")

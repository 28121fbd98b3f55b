"""Errors the services raise. Messages are English msgids, translated by the web layer."""


def N_(message: str) -> str:
    """Mark *message* for translation without translating it here."""
    return message


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


class ValidationError(DomainError):
    status = 422


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


class UnsupportedMedia(DomainError):
    status = 415

"""flask --app walkapp retention-run [--days N] [--dry-run]: the retention period's work (guests
of long-closed walks anonymised, clean photo originals deleted), for a daily timer."""

import click

from walkapp.cli.common import fail
from walkapp.domain.errors import DomainError
from walkapp.extensions import db
from walkapp.photos.store import FileStore
from walkapp.services.privacy import run_retention


def init_app(app) -> None:
    @app.cli.command("retention-run")
    @click.option("--days", type=int, default=None,
                  help="Retention period in days (default: RETENTION_DAYS)")
    @click.option("--dry-run", is_flag=True, help="Only count what would go; change nothing")
    def retention_run_cmd(days, dry_run):
        """Anonymise guests of walks closed longer ago than the retention period and delete the
        clean originals of their photos (blurred renditions stay). Every run is logged."""
        days = int(app.config["RETENTION_DAYS"]) if days is None else days
        try:
            result = run_retention(db.session, FileStore(app.config["PHOTO_DIR"]), days,
                                   dry_run=dry_run)
        except DomainError as exc:
            fail(exc)
        what = "would anonymise" if dry_run else "anonymised"
        click.echo(f"Walks closed before {result.cutoff}: {len(result.walks)}")
        click.echo(f"{what} {result.participants} guest participations; "
                   f"{'would delete' if dry_run else 'deleted'} {result.originals} photo "
                   f"originals ({len(result.deleted_files)} files)")

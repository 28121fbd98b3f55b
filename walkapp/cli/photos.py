"""flask --app walkapp photos-check [--repair] (files without rows, rows without files) and
photos-blur (deferred face/plate detection of pending photos)."""

import click

from walkapp.extensions import db
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services.photos import blur_pending, check_store


def init_app(app) -> None:
    @app.cli.command("photos-check")
    @click.option("--repair", is_flag=True, help="Delete orphan files, rebuild missing renditions")
    @click.option("--grace-minutes", default=60, show_default=True,
                  help="Leave files younger than this alone (uploads in progress)")
    def photos_check_cmd(repair, grace_minutes):
        """Check the photo store against the database; exit 1 if problems remain."""
        report = check_store(db.session, FileStore(app.config["PHOTO_DIR"]),
                             Settings.from_config(app.config), repair=repair,
                             grace_s=grace_minutes * 60)
        click.echo(f"{report.photos} photo rows, {report.files} files in {app.config['PHOTO_DIR']}")
        for name in report.orphan_files:
            click.echo(f"{'deleted' if repair else 'orphan file'}: {name}")
        for name in report.missing:
            click.echo(f"missing: {name}")
        for name in report.repaired:
            click.echo(f"rebuilt: {name}")
        for photo_id in report.removed_rows:
            click.echo(f"removed photo row {photo_id}: no file of it was left")
        if report.temp_files:
            click.echo(f"{'deleted' if repair else 'stale'} temporary files: {report.temp_files}")
        if not report.problems:
            click.echo("OK: every row has its files and every file has a row.")
        elif not repair:
            raise SystemExit(1)

    @app.cli.command("photos-blur")
    def photos_blur_cmd():
        """Detect faces and number plates in every pending photo and store the blurred copies.

        Meant for a timer (every minute or so); photos still pending are blurred anyway when
        first served to someone who must get them blurred.
        """
        done, failed = blur_pending(db.session, FileStore(app.config["PHOTO_DIR"]),
                                    Settings.from_config(app.config))
        click.echo(f"{done} photos blurred, {failed} failed (still pending)")
        if failed:
            raise SystemExit(1)

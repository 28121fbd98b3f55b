"""flask --app walkapp send-notifications: queue reminders, then deliver the e-mail outbox."""

import click

from walkapp.domain.clock import today
from walkapp.extensions import db
from walkapp.services import notifications


def init_app(app) -> None:
    @app.cli.command("send-notifications")
    @click.option("--digest", is_flag=True, help="Also send the daily digests (run once a day)")
    @click.option("--no-sweep", is_flag=True, help="Do not queue deadline reminders first")
    def send_notifications_cmd(digest, no_sweep):
        """Deliver pending e-mail; safe to run often (from cron or a systemd timer)."""
        cfg = app.config
        if not no_sweep:
            queued = notifications.sweep_deadlines(db.session, today(),
                                                   cfg["REMEDY_REMINDER_DAYS"])
            db.session.commit()
            click.echo(f"queued {queued} reminder(s)")
        report = notifications.send_pending(
            db.session, notifications.SmtpSettings.from_config(cfg), digests=digest)
        click.echo(str(report))
        for err in report.errors:
            click.echo(f"SMTP: {err}", err=True)
        stuck = notifications.stuck(db.session)
        if stuck:
            click.echo(f"{len(stuck)} message(s) were claimed but never confirmed; check them "
                       "by hand (ids " + ", ".join(str(m.id) for m in stuck) + ")", err=True)

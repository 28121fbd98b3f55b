"""E-mail notifications through a transactional outbox.

Services add outbox rows in the same transaction as the change they report, so a change is
never committed without its message, and a message never goes out for a change that was
rolled back. `send_pending()` (run by `flask send-notifications`) delivers them: it claims a
row (pending -> sending) in its own commit before talking to SMTP and marks it sent right
after, so a message is never sent twice. A row left in "sending" by a crash mid-send is not
retried automatically (at most once); `stuck()` reports such rows.
"""

import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import sqlalchemy as sa
from babel.support import NullTranslations, Translations

from walkapp.domain import remedies as rd
from walkapp.domain.errors import N_, ValidationError
from walkapp.models import NotificationPreference, Organisation, OutboxMessage, Remedy, User
from walkapp.models.types import utcnow

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
MODES = ("immediate", "digest")
BASE = "@@BASE@@"  # replaced by the configured public URL when the mail is sent

SUBJECTS = {
    "assigned": N_("New remedy for %(org)s: %(title)s"),
    "reopened": N_("Remedy reopened: %(title)s"),
    "not_fixed": N_("Not fixed on the re-walk: %(title)s"),
    "reminder": N_("Reminder: %(title)s is due %(deadline)s"),
    "overdue": N_("Overdue: %(title)s (deadline %(deadline)s)"),
}


def _translations(locale: str):
    if locale == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [locale])


def _t(locale: str, msgid: str, **params) -> str:
    text = _translations(locale).gettext(msgid)
    return text % params if params else text


@dataclass
class Recipient:
    addr: str
    user: User | None


def _recipients(session, remedy: Remedy, kind: str) -> list[Recipient]:
    """The assigned person, else the owner organisation's contact; escalations go to both."""
    out: list[Recipient] = []
    assignee = session.get(User, remedy.assignee_id) if remedy.assignee_id else None
    org = remedy.owner_org or (session.get(Organisation, remedy.owner_org_id)
                               if remedy.owner_org_id else None)
    if assignee is not None and assignee.active:
        out.append(Recipient(assignee.email, assignee))
    if org is not None and org.contact_email and (
            not out or kind in ("overdue", "not_fixed")):
        if org.contact_email.lower() not in {r.addr.lower() for r in out}:
            user = session.scalar(sa.select(User).where(User.email == org.contact_email.lower()))
            out.append(Recipient(org.contact_email, user))
    return out


def preference(session, user_id: int | None) -> str:
    if user_id is None:
        return "immediate"
    pref = session.get(NotificationPreference, user_id)
    return pref.mode if pref else "immediate"


def set_preference(session, user_id: int, mode: str) -> NotificationPreference:
    if mode not in MODES:
        raise ValidationError(N_("Choose immediate or daily digest."), "mode")
    pref = session.get(NotificationPreference, user_id)
    if pref is None:
        pref = NotificationPreference(user_id=user_id, mode=mode)
        session.add(pref)
    pref.mode = mode
    session.flush()
    return pref


def _body(locale: str, remedy: Remedy, kind: str, base_url: str) -> str:
    lines = [
        _t(locale, SUBJECTS[kind], title=remedy.title,
           org=remedy.owner_org.name if remedy.owner_org else "-",
           deadline=remedy.deadline.isoformat() if remedy.deadline else "-"),
        "",
        f"{_t(locale, N_('Status'))}: {_t(locale, rd.STATUS_LABELS[remedy.status])}",
        f"{_t(locale, N_('Deadline'))}: "
        f"{remedy.deadline.isoformat() if remedy.deadline else '-'}",
        f"{_t(locale, N_('Owner'))}: {remedy.owner_org.name if remedy.owner_org else '-'}",
    ]
    if remedy.events and remedy.events[-1].comment:
        lines.append(f"{_t(locale, N_('Comment'))}: {remedy.events[-1].comment}")
    lines += ["", f"{base_url.rstrip('/') or BASE}/remedies/{remedy.id}"]
    return "\n".join(lines)


def enqueue_for_remedy(session, remedy: Remedy, kind: str, event_key, base_url: str = "") -> int:
    """Queue the *kind* message about *remedy* once per (event, recipient); return how many."""
    n = 0
    for r in _recipients(session, remedy, kind):
        key = f"{kind}:{remedy.id}:{event_key}:{r.addr.lower()}"[:200]
        if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        locale = (r.user.locale if r.user and r.user.locale else "da")
        subject = _t(locale, SUBJECTS[kind], title=remedy.title,
                     org=remedy.owner_org.name if remedy.owner_org else "-",
                     deadline=remedy.deadline.isoformat() if remedy.deadline else "-")
        session.add(OutboxMessage(
            dedupe_key=key, kind=kind, to_addr=r.addr, user_id=r.user.id if r.user else None,
            remedy_id=remedy.id, subject=subject[:300],
            body=_body(locale, remedy, kind, base_url),
            digest=preference(session, r.user.id if r.user else None) == "digest"))
        n += 1
    session.flush()
    return n


def sweep_deadlines(session, on: date, reminder_days: int = 7, base_url: str = "") -> int:
    """Queue reminders before deadlines and overdue escalations (each once per deadline)."""
    n = 0
    soon = session.scalars(sa.select(Remedy).where(
        Remedy.status.in_(rd.OPEN_FOR_OWNER), Remedy.deadline >= on,
        Remedy.deadline <= on + timedelta(days=reminder_days)))
    for remedy in soon:
        n += enqueue_for_remedy(session, remedy, "reminder", remedy.deadline.isoformat(), base_url)
    late = session.scalars(sa.select(Remedy).where(
        Remedy.status.in_(rd.OPEN_FOR_OWNER), Remedy.deadline < on))
    for remedy in late:
        n += enqueue_for_remedy(session, remedy, "overdue", remedy.deadline.isoformat(), base_url)
    return n


@dataclass
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10
    sender: str = "walkapp <noreply@localhost>"
    backoff_seconds: int = 60
    max_attempts: int = 10
    base_url: str = "http://localhost:5000"

    @classmethod
    def from_config(cls, cfg) -> "SmtpSettings":
        return cls(host=cfg["SMTP_HOST"], port=int(cfg["SMTP_PORT"]),
                   username=cfg.get("SMTP_USERNAME"), password=cfg.get("SMTP_PASSWORD"),
                   starttls=bool(cfg.get("SMTP_STARTTLS")), ssl=bool(cfg.get("SMTP_SSL")),
                   timeout=float(cfg.get("SMTP_TIMEOUT", 10)), sender=cfg["MAIL_FROM"],
                   backoff_seconds=int(cfg["OUTBOX_BACKOFF_SECONDS"]),
                   max_attempts=int(cfg["OUTBOX_MAX_ATTEMPTS"]),
                   base_url=cfg["PUBLIC_BASE_URL"])


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {self.sent}, will retry {self.retried}, gave up {self.failed}"


class _Connection:
    """One lazily opened SMTP connection per run."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp = None

    def send(self, msg: EmailMessage) -> None:
        s = self.settings
        if self.smtp is None:
            cls = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
            self.smtp = cls(s.host, s.port, timeout=s.timeout)
            if s.starttls and not s.ssl:
                self.smtp.starttls()
            if s.username:
                self.smtp.login(s.username, s.password or "")
        self.smtp.send_message(msg)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass


def _claim(session, ids: list[int]) -> bool:
    """Move rows pending -> sending in their own commit; False if another run got them."""
    res = session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.id.in_(ids), OutboxMessage.state == "pending").values(state="sending"))
    session.commit()
    return res.rowcount == len(ids)


def _email(settings: SmtpSettings, to: str, subject: str, body: str, mid: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = mid  # stable per outbox row, so a receiver can drop a duplicate too
    msg.set_content(body.replace(BASE, settings.base_url.rstrip("/")))
    return msg


def _mark_failed(session, rows: list[OutboxMessage], exc: Exception, settings, now,
                 report: SendReport) -> None:
    for row in rows:
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= settings.max_attempts:
            row.state = "failed"
            report.failed += 1
        else:
            row.state = "pending"
            delay = settings.backoff_seconds * 2 ** (row.attempts - 1)
            row.next_attempt_at = now + timedelta(seconds=min(delay, 6 * 3600))
            report.retried += 1
    session.commit()


def send_pending(session, settings: SmtpSettings, now: datetime | None = None,
                 digests: bool = False, limit: int = 500) -> SendReport:
    """Deliver due outbox rows; with *digests*, also one digest per digest-mode recipient."""
    now = now or utcnow()
    report = SendReport()
    conn = _Connection(settings)
    try:
        due = list(session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now,
            sa.not_(OutboxMessage.digest)).order_by(OutboxMessage.id).limit(limit)))
        for row in due:
            if not _claim(session, [row.id]):
                continue
            try:
                mid = f"<outbox-{row.id}@walkapp>"
                conn.send(_email(settings, row.to_addr, row.subject, row.body, mid))
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                conn.smtp = None
                _mark_failed(session, [row], exc, settings, now, report)
                report.errors.append(str(exc))
                break  # the server is down or refusing: keep the rest for the next run
            row.state, row.sent_at, row.message_id = "sent", utcnow(), mid
            row.attempts += 1
            session.commit()
            report.sent += 1
        if digests:
            _send_digests(session, settings, conn, now, report)
    finally:
        conn.close()
    return report


def _send_digests(session, settings, conn, now, report) -> None:
    addrs = session.scalars(sa.select(OutboxMessage.to_addr).where(
        OutboxMessage.state == "pending", OutboxMessage.digest,
        OutboxMessage.next_attempt_at <= now).distinct()).all()
    for addr in addrs:
        rows = list(session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.state == "pending", OutboxMessage.digest,
            OutboxMessage.to_addr == addr).order_by(OutboxMessage.id)))
        if not rows or not _claim(session, [r.id for r in rows]):
            continue
        user = session.get(User, rows[0].user_id) if rows[0].user_id else None
        locale = user.locale if user and user.locale else "da"
        subject = _t(locale, N_("walkapp: %(n)s updates on your remedies"), n=len(rows))
        body = "\n\n----\n\n".join(r.body for r in rows)  # each body starts with its subject
        mid = f"<outbox-digest-{rows[0].id}-{rows[-1].id}@walkapp>"
        try:
            conn.send(_email(settings, addr, subject, body, mid))
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            conn.smtp = None
            _mark_failed(session, rows, exc, settings, now, report)
            report.errors.append(str(exc))
            return
        for r in rows:
            r.state, r.sent_at, r.message_id = "sent", utcnow(), mid
            r.attempts += 1
        if user is not None:
            pref = session.get(NotificationPreference, user.id)
            if pref is not None:
                pref.last_digest_at = utcnow()
        session.commit()
        report.sent += 1


def stuck(session, older_than: timedelta = timedelta(hours=1)) -> list[OutboxMessage]:
    """Rows claimed but never confirmed (a crash mid-send): left for a human to check."""
    return list(session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.state == "sending", OutboxMessage.created_at < utcnow() - older_than)))

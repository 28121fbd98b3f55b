"""The e-mail outbox against a real SMTP server (aiosmtpd) that is first down, then up."""

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.factories import actor_for, add_spot, make_user, make_walk
from tests.services.test_remedies import TODAY
from walkapp.models import OutboxMessage
from walkapp.models.types import utcnow
from walkapp.services import accounts, notifications
from walkapp.services.remedies import closing as remedy_closing
from walkapp.services.remedies import lifecycle


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A port with nothing on it yet; start() brings a real SMTP server up there."""
    port = free_port()
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    state = {"up": False}

    def start():
        ctl.start()
        state["up"] = True

    yield port, inbox, start
    if state["up"]:
        ctl.stop()


def settings(port):
    return notifications.SmtpSettings(host="127.0.0.1", port=port, timeout=3,
                                      sender="walkapp <noreply@example.dk>", backoff_seconds=60,
                                      base_url="https://walkapp.example.dk")


@pytest.fixture
def assigned(session):
    housing = accounts.get_or_create_organisation(session, "AB Hyldespjældet", "boligselskab")
    housing.contact_email = "drift@hylde.dk"
    coord = make_user(session, "koordinator")
    insp = make_user(session, "inspektoer", email="insp@hylde.dk", org="AB Hyldespjældet",
                     org_kind="boligselskab")
    walk = make_walk(session, coordinator=coord)
    walk.area.owner_organisation_id = housing.id
    remedies = []
    for i in range(3):
        s = add_spot(session, walk, 55.6545 + i * 0.001, 12.36, ("BEV",))
        r = remedy_closing.create_remedy(
            session, actor_for(coord), walk, remedy_closing.RemedyInput(
                [s.id], f"Beskær {i}", deadline=TODAY + timedelta(days=30)), on=TODAY)
        lifecycle.actor_transition(session, actor_for(coord), r.id, "godkendt", "", r.version)
        lifecycle.actor_transition(session, actor_for(coord), r.id, "tildelt", "", r.version)
        remedies.append(r)
    session.commit()
    return {"coord": coord, "insp": insp, "remedies": remedies, "housing": housing}


def test_server_down_then_up_no_loss_no_duplicates(session, assigned, smtp):
    port, inbox, start = smtp
    cfg = settings(port)
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 3
    down = notifications.send_pending(session, cfg)
    assert (down.sent, down.retried) == (0, 1)  # stops at the first refused connection
    rows = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.state for r in rows] == ["pending"] * 3
    assert rows[0].attempts == 1 and rows[0].next_attempt_at > utcnow() + timedelta(seconds=50)
    assert "refused" in rows[0].last_error.lower()
    start()
    early = notifications.send_pending(session, cfg)  # row 1 waits for its backoff
    assert early.sent == 2
    later = notifications.send_pending(session, cfg, now=utcnow() + timedelta(minutes=2))
    assert later.sent == 1
    again = notifications.send_pending(session, cfg, now=utcnow() + timedelta(days=1))
    assert again.sent == 0
    assert len(inbox.messages) == 3
    assert all(m.rcpt_tos == ["drift@hylde.dk"] for m in inbox.messages)
    mails = [message_from_bytes(m.content, policy=default) for m in inbox.messages]
    assert len({m["Message-ID"] for m in mails}) == 3
    assert all(m["Subject"].startswith("Nyt tiltag til AB Hyldespjældet: Beskær") for m in mails)
    assert all("https://walkapp.example.dk/remedies/" in m.get_content() for m in mails)


def test_enqueue_is_idempotent(session, assigned):
    r = assigned["remedies"][0]
    ev = r.events[-1].id
    assert notifications.enqueue_for_remedy(session, r, "assigned", ev) == 0
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.remedy_id == r.id)) == 1


def test_reminders_and_overdue_once_per_deadline(session, assigned):
    day = TODAY + timedelta(days=25)
    assert notifications.sweep_deadlines(session, day, 7) == 3
    assert notifications.sweep_deadlines(session, day, 7) == 0
    assert notifications.sweep_deadlines(session, TODAY + timedelta(days=31), 7) == 3
    kinds = session.scalars(sa.select(OutboxMessage.kind)).all()
    assert sorted(set(kinds)) == ["assigned", "overdue", "reminder"]


def test_digest_user_gets_one_mail(session, assigned, smtp):
    port, inbox, start = smtp
    start()
    notifications.set_preference(session, assigned["insp"].id, "digest")
    for r in assigned["remedies"]:
        r.assignee_id = assigned["insp"].id
        lifecycle.actor_transition(session, actor_for(assigned["coord"]), r.id, "afvist", "dublet",
                                   r.version)
        lifecycle.actor_transition(session, actor_for(assigned["coord"]), r.id, "foreslaaet", "",
                                   r.version)
    session.commit()
    for r in assigned["remedies"]:
        notifications.enqueue_for_remedy(session, r, "reminder", "x")
    session.commit()
    cfg = settings(port)
    first = notifications.send_pending(session, cfg)  # immediate ones only
    assert first.sent == 3 and len(inbox.messages) == 3
    digest = notifications.send_pending(session, cfg, digests=True)
    assert digest.sent == 1
    assert inbox.messages[-1].rcpt_tos == ["insp@hylde.dk"]
    digest_mail = message_from_bytes(inbox.messages[-1].content, policy=default)
    assert digest_mail["Subject"] == "walkapp: 3 opdateringer om dine tiltag"
    assert digest_mail.get_content().count("Påmindelse:") == 3


def test_cli_command(app, session, assigned, smtp):
    port, inbox, start = smtp
    start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    assert len(inbox.messages) == 3

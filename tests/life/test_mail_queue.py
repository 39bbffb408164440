"""No request waits on SMTP: requests queue, the sender (`zw mail send`, `zw run`'s thread)
sends, and a failed send stays queued until a later pass delivers it."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.life.helpers import post
from tests.support.smtp import SmtpServer
from tracker.adapters import mailer
from tracker.models import OutgoingMail
from tracker.services import mail as mail_service


@pytest.fixture
def smtp(app):
    server = SmtpServer().start()
    app.config["ZW_MAIL"] = mail_service.MailSettings(host="127.0.0.1", port=server.port,
                                                      security="none", timeout=3)
    yield server
    server.stop()


def _mails(app):
    with app.extensions["zw_db"].session() as s:
        return [(m.to_addr, m.attempts, m.sent_at is not None)
                for m in s.scalars(select(OutgoingMail).order_by(OutgoingMail.id))]


def test_a_hanging_smtp_server_does_not_hold_the_request(app, client, world, smtp,
                                                         now_in_edition):
    smtp.mode = "hang"
    started = time.monotonic()
    response = post(client, "/connexion/lien", {"email": "martin@example.org"})
    answered = time.monotonic() - started
    assert response.status_code == 200
    # queued by the request (after its answer), not sent: the server was never asked
    assert _mails(app) == [("martin@example.org", 0, False)]
    assert smtp.received == []
    # the sender meets the hanging server: its timeout (3 s) passes, the mail stays queued
    started = time.monotonic()
    assert mailer.deliver(app) == (0, 1)
    waited = time.monotonic() - started
    assert _mails(app) == [("martin@example.org", 1, False)]
    print(f"request {answered:.2f} s, sender against the hanging server {waited:.2f} s")
    smtp.mode = "ok"
    assert mailer.deliver(app) == (1, 0)
    assert [m["To"] for m in smtp.received] == ["martin@example.org"]
    assert "/lien/" in smtp.received[0].get_body(("plain",)).get_content()


def test_a_refused_send_is_kept_and_retried_nothing_lost(app, client, world, smtp,
                                                         now_in_edition):
    smtp.mode = "refuse"
    for email in ("martin@example.org", "staff@example.org"):
        post(client, "/connexion/lien", {"email": email})
    assert mailer.deliver(app) == (0, 2)
    assert mailer.deliver(app) == (0, 2)
    assert _mails(app) == [("martin@example.org", 2, False), ("staff@example.org", 2, False)]
    with app.extensions["zw_db"].session() as s:
        assert all("421" in m.last_error for m in s.scalars(select(OutgoingMail)))
    smtp.mode = "ok"
    assert mailer.deliver(app) == (2, 0)
    assert sorted(m["To"] for m in smtp.received) == ["martin@example.org", "staff@example.org"]
    assert mailer.deliver(app) == (0, 0)  # sent once, never twice
    assert len(smtp.received) == 2


def test_used_up_attempts_are_queued_again_by_staff_and_the_cli_sends(app, client, world,
                                                                      smtp, runner,
                                                                      now_in_edition):
    from tests.conftest import sign_in

    smtp.mode = "refuse"
    post(client, "/connexion/lien", {"email": "martin@example.org"})
    for _ in range(mail_service.MAX_ATTEMPTS + 1):
        mailer.deliver(app)
    assert _mails(app) == [("martin@example.org", mail_service.MAX_ATTEMPTS, False)]
    smtp.mode = "ok"
    result = runner.invoke(args=["mail", "send"])
    assert "0 " in result.output and smtp.received == []  # used up: not tried
    sign_in(client, "staff@example.org")
    assert post(client, "/equipe/courriels/envoyer", token_from="/equipe/courriels/"
                ).status_code == 302
    assert smtp.received == []  # the staff request queued it again, and sent nothing
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in smtp.received] == ["martin@example.org"]


def test_the_sender_thread_sends_what_a_request_queued(app, client, world, smtp,
                                                       now_in_edition):
    worker = mailer.start_worker(app, every=60)  # as `zw run` does; woken by the request
    try:
        post(client, "/connexion/lien", {"email": "martin@example.org"})
        for _ in range(100):
            if smtp.received:
                break
            time.sleep(0.05)
    finally:
        worker.stop(timeout=5)
        app.extensions.pop("zw_mail_worker", None)
    assert [m["To"] for m in smtp.received] == ["martin@example.org"]


def test_zw_mail_send_purges_sign_in_links_expired_for_30_days(app, runner, world):
    """links.purge_expired is called by the sender (zw mail send, its timer, zw run's thread)."""
    import datetime as dt

    from tracker import clock
    from tracker.models import Account
    from tracker.models import LoginToken
    from tracker.services import links

    with app.extensions["zw_db"].session() as s:
        account = s.scalar(select(Account).where(Account.email == "martin@example.org"))
        old = links.issue_link(s, account, links.SIGNIN)
        recent = links.issue_link(s, account, links.SIGNIN)
        s.flush()
        for token, days in ((old, 31), (recent, 29)):
            row = s.scalar(select(LoginToken).order_by(LoginToken.id.desc())
                           .where(LoginToken.account_id == account.id)
                           .offset(0 if token is recent else 1))
            row.expires_at = clock.now() - dt.timedelta(days=days)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    with app.extensions["zw_db"].session() as s:
        left = [t.expires_at for t in s.scalars(select(LoginToken))]
    assert len(left) == 1 and left[0] > clock.now() - dt.timedelta(days=30)

"""Secrets never logged: passwords, API tokens, scale secrets and sign-in links stay out of the
logs (captured at DEBUG, every logger) and out of the database in clear."""
from __future__ import annotations

import logging
import re
from dataclasses import replace

import pytest

from tests.conftest import PASSWORD, _csrf_from, sign_in
from tests.security.helpers import snapshot


@pytest.fixture
def logs(caplog):
    """Every record of every logger from DEBUG up (SQLAlchemy's statements included)."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    yield caplog
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def logged(caplog) -> str:
    """All the log text, messages and raw arguments (a secret passed as an argument counts)."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def assert_not_leaked(secret: str, *places: tuple[str, str]) -> None:
    assert len(secret) >= 8
    for name, text in places:
        assert secret not in text, f"the secret appears in {name}"


def test_sign_in_and_token_leave_no_secret_in_logs_or_database(app, client, world, logs,
                                                               now_in_edition):
    assert sign_in(client, "martin@example.org").status_code == 302
    wrong = "wrong-password-42"
    refused = client.application.test_client()
    page = refused.get("/connexion")
    refused.post("/connexion", data={"email": "martin@example.org", "password": wrong,
                                     "csrf_token": _csrf_from(page.get_data(as_text=True))})
    issued = client.post("/api/v1/token", json={"email": "durand@example.org",
                                                "password": PASSWORD})
    token = issued.get_json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code \
        == 200
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer zw_not-a-token-xyz"}
                      ).status_code == 401
    assert "SELECT" in logged(logs), "SQL statements were not captured: is the capture set up?"
    stored = repr(snapshot(app))
    for secret in (PASSWORD, wrong, token, "zw_not-a-token-xyz"):
        assert_not_leaked(secret, ("the logs", logged(logs)), ("the database", stored))


def test_sign_in_link_token_is_not_logged(app, client, world, logs, now_in_edition, monkeypatch):
    monkeypatch.delenv("ZW_SMTP_HOST", raising=False)
    page = client.get("/connexion/lien")
    client.post("/connexion/lien", data={"email": "martin@example.org",
                                         "csrf_token": _csrf_from(page.get_data(as_text=True))},
                buffered=True)  # read to its end: the link is mailed after the answer
    from pathlib import Path

    from tracker.adapters import mailer

    mailer.deliver(app)  # the request only queued it: the sender's pass writes it
    mails = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert mails, "no sign-in mail was written"
    link = re.search(r"/lien/([A-Za-z0-9_\-]+)", mails[0].read_text()).group(1)
    assert_not_leaked(link, ("the logs", logged(logs)), ("the database", repr(snapshot(app))))


def test_zw_accounts_create_prints_a_generated_password_once_and_logs_nothing(
        app, runner, world, logs):
    given = "donne-par-l-equipe-7"
    result = runner.invoke(args=["accounts", "create", "--email", "equipe2@example.org",
                                 "--role", "staff", "--password", given])
    assert result.exit_code == 0, result.output
    assert given not in result.output  # a password typed by staff is not echoed
    result = runner.invoke(args=["accounts", "create", "--email", "nouveau@example.org",
                                 "--household", "Martin", "--challenge", "defi-2026"])
    assert result.exit_code == 0, result.output
    generated = re.search(r"Password \(shown once\): (\S+)", result.output).group(1)
    assert result.output.count(generated) == 1
    stored = repr(snapshot(app))
    for secret in (given, generated):
        assert_not_leaked(secret, ("the logs", logged(logs)), ("the database", stored))


@pytest.mark.broker
def test_zw_devices_add_shows_the_secret_once_and_never_logs_it(app, runner, world, logs,
                                                                mosquitto_session):
    app.config["ZW"] = replace(app.config["ZW"], **mosquitto_session.config_overrides())
    result = runner.invoke(args=["devices", "add", "--household", "Martin", "--challenge",
                                 "defi-2026"])
    assert result.exit_code == 0, result.output
    secret = re.search(r"secret:\s+(\S+)", result.output).group(1)
    assert result.output.count(secret) == 1
    assert_not_leaked(secret, ("the logs", logged(logs)),
                      ("the database", repr(snapshot(app))),
                      ("the broker's log", mosquitto_session.log_text()))
    admin_password = mosquitto_session.admin_password
    assert_not_leaked(admin_password, ("the logs", logged(logs)),
                      ("the command's output", result.output))


def test_the_production_access_log_hides_link_and_calendar_tokens():
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "docs" / "deploy" /
                              "gunicorn.conf.py"))
    mask = conf["SECRET_PATHS"]
    assert mask.sub(r"\1***", "GET /lien/zwl-s3cr3t-T0ken HTTP/1.1") == "GET /lien/*** HTTP/1.1"
    assert mask.sub(r"\1***", "/calendrier/Ab_12-x.ics?v=1") == "/calendrier/***.ics?v=1"
    assert mask.sub(r"\1***", "/calendrier/edition/defi-2026.ics") == \
        "/calendrier/edition/defi-2026.ics"  # the public feed names no secret
    assert conf["logger_class"].__name__ == "MaskingLogger"

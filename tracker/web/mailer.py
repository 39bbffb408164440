"""Mail from the web app and the CLI: compose from templates, queue, deliver after the commit.

Templates live in `templates/mail/<locale>/<name>.txt`: the first line is the subject, the rest
the plain-text body. Links are absolute: the request's host in a request, ZW_PUBLIC_URL outside.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale

from tracker.extensions import db
from tracker.services import mail as mail_service

log = logging.getLogger(__name__)
MAIL_LOCALES = ("fr", "en")


def outbox_dir() -> Path:
    """The folder of .eml files when no SMTP server is configured."""
    return Path(current_app.instance_path) / "outbox"


def settings() -> mail_service.MailSettings:
    """SMTP settings: `app.config["ZW_MAIL"]` when set (tests), else the ZW_SMTP_* variables."""
    return current_app.config.get("ZW_MAIL") or mail_service.MailSettings.from_env()


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, inside or outside a request."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=mail_service.public_url()):
        return url_for(endpoint, _external=True, **values)


def compose(name: str, locale: str | None = None, **context) -> tuple[str, str]:
    """(subject, body) of a mail template in the account's language (French by default)."""
    locale = locale if locale in MAIL_LOCALES else "fr"
    with force_locale(locale):
        text = render_template(f"mail/{locale}/{name}.txt", **context)
    subject, _, body = text.lstrip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def send(session, name: str, to: str, *, locale: str | None = None,
         household_id: int | None = None, **context):
    """Queue a templated mail in the session's transaction (delivered after the commit)."""
    subject, body = compose(name, locale, **context)
    return mail_service.queue_mail(session, to=to, subject=subject, body=body, kind=name,
                                   household_id=household_id)


def deliver(session=None) -> tuple[int, int]:
    """Deliver what is queued and commit; errors are logged (`zw mail send` retries)."""
    session = session or db()
    try:
        result = mail_service.deliver_pending(session, settings(), outbox_dir())
        session.commit()
        return result
    except Exception:  # noqa: BLE001 - a mail failure must not break the page that was saved
        log.exception("mail delivery failed; the messages stay queued")
        session.rollback()
        return 0, 0


def commit_and_deliver() -> None:
    """Commit the request's work, then send the mails it queued."""
    db().commit()
    deliver()

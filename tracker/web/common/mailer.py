"""Mail from the web app and the CLI: compose from templates, queue, deliver after the commit.

Templates live in `templates/mail/<locale>/<name>.txt`: the first line is the subject, the rest
the plain-text body. Links are absolute, always on the site's address (ZW_PUBLIC_URL), never on
the request's `Host:` header (tracker.web.common.urls).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from flask import after_this_request, current_app, render_template
from flask_babel import force_locale

from tracker.extensions import db
from tracker.services import mail as mail_service
from tracker.web.common.urls import public_url_for

log = logging.getLogger(__name__)
MAIL_LOCALES = ("fr", "en")


def outbox_dir() -> Path:
    """The folder of .eml files when no SMTP server is configured."""
    return Path(current_app.instance_path) / "outbox"


def settings() -> mail_service.MailSettings:
    """SMTP settings: `app.config["ZW_MAIL"]` when set (tests), else the ZW_SMTP_* variables."""
    return current_app.config.get("ZW_MAIL") or mail_service.MailSettings.from_env()


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, on ZW_PUBLIC_URL, inside or outside a request."""
    return public_url_for(endpoint, **values)


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


def commit_and_deliver_later() -> None:
    """Commit the request's work now, and send its mails once the answer is sent."""
    db().commit()
    after_response(deliver)


def after_response(work: Callable[[], None]) -> None:
    """Run `work` (in its own app context) once the answer has been sent to the visitor.

    For forms that must not tell whether an address has an account: looking the address up,
    issuing a link and talking to the SMTP server take time only when it has one, so a visitor
    timing the answer would learn it. The WSGI server (gunicorn, werkzeug) closes the response
    after its last byte is sent, and the work runs then; an error in it is logged, never shown.
    """
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:  # noqa: BLE001 - the visitor has their answer already
                log.exception("work after the response failed")

    @after_this_request
    def _attach(response):
        response.call_on_close(run)
        return response

"""Mail adapter: templates to queued messages, and the sender that empties the queue.

A request only queues (`send`, in its transaction); nothing here talks to SMTP inside a
request. The queue is emptied by `deliver` (one pass: `zw mail send`, run by zw-mail.timer)
or by a `MailWorker` thread (`zw run`, `zw mail send --every S`), which a committing request
wakes so the demo's mails leave within a second. The transports (SMTP, or .eml files in the
instance's outbox folder without ZW_SMTP_HOST) implement `mail.Transport`.

Templates live in `templates/mail/<locale>/<name>.txt`: the first line is the subject, the rest
the plain-text body. Links are absolute, on the site's address (ZW_PUBLIC_URL).
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import force_locale

from tracker.private_files import open_private, private_dir
from tracker.services import links
from tracker.services import mail as mail_service

log = logging.getLogger(__name__)
MAIL_LOCALES = ("fr", "en")


class SmtpTransport:
    """Delivery through an SMTP server (stdlib smtplib)."""

    def __init__(self, settings: mail_service.MailSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage, name: str) -> str:
        settings = self.settings
        context = ssl.create_default_context()
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                      context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with server:
            if settings.security == "starttls":
                server.starttls(context=context)
            if settings.username:
                server.login(settings.username, settings.password)
            server.send_message(message)
        return ""


class FolderTransport:
    """Delivery as .eml files in a private folder (no SMTP configured: the demo, the tests)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, name: str) -> str:
        private_dir(self.folder)  # the copies hold live sign-in links
        tmp = self.folder / (name + ".tmp")
        with open_private(tmp, "wb") as fh:
            fh.write(bytes(message))
        os.replace(tmp, self.folder / name)  # a reader never sees half a file
        return name


def outbox_dir(app: Flask | None = None) -> Path:
    """The folder of .eml files when no SMTP server is configured."""
    return Path((app or current_app).instance_path) / "outbox"


def settings(app: Flask | None = None) -> mail_service.MailSettings:
    """SMTP settings: `app.config["ZW_MAIL"]` when set (tests), else the ZW_SMTP_* variables."""
    return (app or current_app).config.get("ZW_MAIL") or mail_service.MailSettings.from_env()


def transport(app: Flask | None = None) -> mail_service.Transport:
    """The transport the configuration asks for."""
    chosen = settings(app)
    return SmtpTransport(chosen) if chosen.configured else FolderTransport(outbox_dir(app))


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, on ZW_PUBLIC_URL, inside or outside a request."""
    from tracker.adapters.site import public_url_for  # the site's one rule for absolute links

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
    """Queue a templated mail in the session's transaction (sent by the sender, later)."""
    subject, body = compose(name, locale, **context)
    return mail_service.queue_mail(session, to=to, subject=subject, body=body, kind=name,
                                   household_id=household_id)


def deliver(app: Flask | None = None, limit: int = 200) -> tuple[int, int]:
    """One pass of the sender in its own session: send what is queued, commit after each
    message (a crash loses no state), purge long-expired sign-in links. (sent, failed)."""
    app = app or current_app._get_current_object()
    database = app.extensions["zw_db"]
    chosen = settings(app)
    session = database.sessionmaker()
    try:
        result = mail_service.deliver_pending(session, transport(app), chosen.sender, limit)
        purged = links.purge_expired(session)
        session.commit()
        if purged:
            log.info("%s expired sign-in links deleted", purged)
        return result
    except Exception:  # noqa: BLE001 - the queue stays as it is; the next pass retries
        log.exception("mail delivery failed; the messages stay queued")
        session.rollback()
        return 0, 0
    finally:
        session.close()


class MailWorker(threading.Thread):
    """The sender as a thread: a pass every `every` seconds, or as soon as `wake` is called."""

    def __init__(self, app: Flask, every: float = 30.0) -> None:
        super().__init__(name="zw-mail-sender", daemon=True)
        self.app, self.every = app, every
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stopping.set()
        self._wake.set()
        self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            with self.app.app_context():
                deliver(self.app)
            self._wake.wait(self.every)


def start_worker(app: Flask, every: float = 30.0) -> MailWorker:
    """Start the sender thread of this process; committing requests wake it (`wake`)."""
    worker = MailWorker(app, every)
    app.extensions["zw_mail_worker"] = worker
    worker.start()
    return worker


def wake(app: Flask | None = None) -> None:
    """Tell this process's sender thread, if it has one, that mail is queued."""
    worker = (app or current_app).extensions.get("zw_mail_worker")
    if worker is not None:
        worker.wake()

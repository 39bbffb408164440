"""Email: queued in the database with what it announces, delivered after the commit.

Services call `queue_mail` inside their transaction, so a rolled-back request sends nothing,
and no request waits on SMTP: the sender (`zw mail send` from its timer, or the sender thread
of `zw run`; tracker.adapters.mailer) calls `deliver_pending` with a `Transport` (the port):
SMTP when `ZW_SMTP_HOST` is set, else an .eml file in the instance's `outbox/` folder, which
the staff outbox page lists, so the demo works offline. A failed send stays queued and is tried
again by the next pass (up to MAX_ATTEMPTS). A delivered message's body is blanked in the
database: sign-in links must not linger there. Only the standard library is used.
"""
from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tracker import clock
from tracker.models import OutgoingMail

log = logging.getLogger(__name__)

#: After this many failed attempts a message stays in the outbox page as failed.
MAX_ATTEMPTS = 5
DEFAULT_SENDER = "Défi zéro déchet <ne-pas-repondre@localhost>"


def _bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailSettings:
    """SMTP settings from ZW_SMTP_* (see docs/challenge-life.md); no host means the outbox."""

    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    security: str = "starttls"  # starttls | ssl | none
    sender: str = DEFAULT_SENDER
    timeout: float = 20.0

    @classmethod
    def from_env(cls, environ=None) -> "MailSettings":
        """Read ZW_SMTP_HOST, _PORT, _USERNAME, _PASSWORD, _SECURITY and ZW_MAIL_FROM."""
        env = os.environ if environ is None else environ
        security = env.get("ZW_SMTP_SECURITY", "starttls").strip().lower()
        if security not in ("starttls", "ssl", "none"):
            raise ValueError("ZW_SMTP_SECURITY must be starttls, ssl or none")
        default_port = {"ssl": 465, "none": 25}.get(security, 587)
        return cls(host=env.get("ZW_SMTP_HOST", "").strip(),
                   port=int(env.get("ZW_SMTP_PORT") or default_port),
                   username=env.get("ZW_SMTP_USERNAME", ""),
                   password=env.get("ZW_SMTP_PASSWORD", ""),
                   security=security,
                   sender=env.get("ZW_MAIL_FROM", "").strip() or DEFAULT_SENDER,
                   timeout=float(env.get("ZW_SMTP_TIMEOUT") or 20))

    @property
    def configured(self) -> bool:
        return bool(self.host)

    def __repr__(self) -> str:  # never print the password
        return (f"MailSettings(host={self.host!r}, port={self.port}, security={self.security!r},"
                f" username={self.username!r}, sender={self.sender!r})")


def queue_mail(session: Session, *, to: str, subject: str, body: str, kind: str = "",
               household_id: int | None = None) -> OutgoingMail:
    """Add a message to the outgoing queue (sent once the caller has committed)."""
    if "@" not in parseaddr(to)[1]:
        raise ValueError(f"not an email address: {to!r}")
    mail = OutgoingMail(to_addr=to, subject=subject.replace("\n", " ").strip()[:300],
                        body=body, kind=kind, household_id=household_id,
                        created_at=clock.now())
    session.add(mail)
    session.flush()
    return mail


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The RFC 5322 message of a queued mail (plain text, UTF-8)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"zw{mail.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    return message


class Transport(Protocol):
    """The mail port: hands one message over, or raises OSError / smtplib.SMTPException."""

    def send(self, message: EmailMessage, name: str) -> str:
        """Deliver `message`; returns the name of a kept copy ('' when none is kept)."""


def file_name(mail: OutgoingMail) -> str:
    """The name of a message's .eml copy in the outbox folder."""
    return f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id:06d}.eml"


def _claim(session: Session, mail: OutgoingMail) -> bool:
    """Take the message for this delivery run; a concurrent run that took it first wins."""
    result = session.execute(
        update(OutgoingMail).where(OutgoingMail.id == mail.id, OutgoingMail.sent_at.is_(None),
                                   OutgoingMail.attempts == mail.attempts)
        .values(attempts=OutgoingMail.attempts + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    set_committed_value(mail, "attempts", mail.attempts + 1)  # what the UPDATE wrote
    return True


def deliver_pending(session: Session, transport: Transport, sender: str = DEFAULT_SENDER,
                    limit: int = 200) -> tuple[int, int]:
    """Send the queued messages, committing after each one (a message sent is never sent
    twice after a crash, a failure is counted); returns (sent, failed)."""
    pending = session.scalars(
        select(OutgoingMail).where(OutgoingMail.sent_at.is_(None),
                                   OutgoingMail.attempts < MAX_ATTEMPTS)
        .order_by(OutgoingMail.id).limit(limit)).all()
    sent = failed = 0
    for mail in pending:
        if not _claim(session, mail):
            continue
        session.commit()  # the attempt is counted before the outside world is touched
        message = build_message(mail, sender)
        try:
            mail.outbox_file = transport.send(message, file_name(mail))
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("mail %s to %s not sent (attempt %s): %s", mail.id,
                        mail.to_addr.rpartition("@")[2], mail.attempts, exc)
        else:
            sent += 1
            mail.sent_at = clock.now()
            mail.last_error = ""
            mail.body = ""
        session.commit()
    return sent, failed


def retry_failed(session: Session) -> int:
    """Give the messages that used up their attempts a new round (staff's "try again")."""
    result = session.execute(
        update(OutgoingMail).where(OutgoingMail.sent_at.is_(None),
                                   OutgoingMail.attempts >= MAX_ATTEMPTS)
        .values(attempts=0).execution_options(synchronize_session=False))
    return result.rowcount or 0


def read_outbox_file(outbox: Path, name: str) -> EmailMessage | None:
    """A message written in the outbox folder (None when the name is not one of its files)."""
    from email import policy
    from email.parser import BytesParser

    if not name or "/" in name or "\\" in name or name.startswith(".") or \
            not name.endswith(".eml"):
        return None
    path = outbox / name
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


def forget_outbox_mentions(outbox: Path, needles: list[str]) -> int:
    """Delete the outbox copies that name any of these addresses (erasure): also copies whose
    queue row is gone, or half-written ones. Headers and decoded body are searched, as the body
    may be quoted-printable or base64."""
    from email import policy
    from email.parser import BytesParser

    needles = [n.lower() for n in needles if n]
    if not needles or not outbox.is_dir():
        return 0
    gone = 0
    for path in sorted(outbox.glob("*.eml*")):
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            body = message.get_body(("plain", "html"))
            text += "\n" + (body.get_content() if body is not None else "")
        except Exception:  # noqa: BLE001 - an unreadable copy is still searched raw
            pass
        if any(needle in text.lower() for needle in needles):
            path.unlink()
            gone += 1
    return gone


def forget_outbox_files(outbox: Path, names: list[str]) -> int:
    """Delete outbox copies (erasure of a household); returns how many files went."""
    gone = 0
    for name in names:
        if name and "/" not in name and name.endswith(".eml") and (outbox / name).is_file():
            (outbox / name).unlink()
            gone += 1
    return gone

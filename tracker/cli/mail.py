"""`zw mail`: send the mail waiting in the queue."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker.terminal import echo

from tracker.cli.common import app_db


@click.group("mail")
def mail_group():
    """Outgoing mail (SMTP from ZW_SMTP_*, else the instance outbox folder)."""


@mail_group.command("send")
@with_appcontext
def mail_send():
    """Deliver the queued messages."""
    from tracker.web.common import mailer

    session = app_db().sessionmaker()
    try:
        sent, failed = mailer.deliver(session)
    finally:
        session.close()
    echo(_("%(sent)s sent, %(failed)s failed.", sent=sent, failed=failed))

"""`zw mail`: send the mail waiting in the queue."""
from __future__ import annotations
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker.terminal import echo



@click.group("mail")
def mail_group():
    """Outgoing mail (SMTP from ZW_SMTP_*, else the instance outbox folder)."""


@mail_group.command("send")
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep running: a pass every this many seconds (the sender as a service).")
@with_appcontext
def mail_send(every):
    """Deliver the queued messages (and delete sign-in links expired for 30 days)."""
    import time

    from tracker.adapters import mailer

    while True:
        sent, failed = mailer.deliver(current_app._get_current_object())
        echo(_("%(sent)s sent, %(failed)s failed.", sent=sent, failed=failed))
        if every is None:
            return
        time.sleep(every)

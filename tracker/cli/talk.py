"""`zw talk digest`: the daily digest of the discussions, for households that chose it.

    zw talk digest        queue one digest per member of each household that chose "résumé"
                          (at most one a day, none when nothing is new), then deliver;
                          run it once a day, e.g. `0 18 * * * zw talk digest`
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from tracker import clock
from tracker.terminal import echo


@click.group("talk")
def talk_group():
    """The discussions (questions and answers, comments)."""


@talk_group.command("digest")
@click.option("--dry-run", is_flag=True, help="Count the digests due, send nothing.")
@with_appcontext
def talk_digest(dry_run):
    """Queue and deliver the digests due now."""
    from tracker.services import talk
    from tracker.adapters import mailer
    from tracker.adapters.talk_mail import queue_notices

    session = current_app.extensions["zw_db"].sessionmaker()
    try:
        notices = talk.due_digests(session, clock.now())
        if dry_run:
            session.rollback()
            echo(_("Would send %(n)s digest(s) of the discussions.", n=len(notices)))
            return
        queue_notices(notices, session)
        session.commit()
    finally:
        session.close()
    sent, failed = mailer.deliver(current_app._get_current_object())
    echo(_("Queued %(n)s digest(s) of the discussions (%(sent)s mails sent, %(failed)s "
           "failed).", n=len(notices), sent=sent, failed=failed))

"""Mail from the web app: compose and queue in the request's transaction, never send.

The request commits and wakes this process's sender thread when it has one (`zw run`); else
the sender (`zw mail send`, zw-mail.timer) sends at its next pass. Composing, the transports and
the sender are in tracker.adapters.mailer, shared with the CLI.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import after_this_request, current_app

from tracker.adapters.mailer import (absolute_url, compose, outbox_dir, send,  # noqa: F401
                                     settings, wake)
from tracker.extensions import db

log = logging.getLogger(__name__)


def commit_and_queue() -> None:
    """Commit the request's work with the mails it queued; the sender sends them later."""
    db().commit()
    wake()


def after_response(work: Callable[[], None]) -> None:
    """Run `work` (in its own app context) once the answer has been sent to the visitor.

    For forms that must not tell whether an address has an account: looking the address up and
    issuing a link take time only when it has one, so a visitor timing the answer would learn
    it. The WSGI server (gunicorn, werkzeug) closes the response after its last byte is sent,
    and the work runs then; an error in it is logged, never shown. The work only queues mail.
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

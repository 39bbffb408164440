"""Staff: the mail outbox (every queued message; the .eml copies when no SMTP is configured)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import OutgoingMail
from tracker.services import mail as mail_service
from tracker.web.common import mailer
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_outbox", __name__, url_prefix="/equipe/courriels")
PAGE_SIZE = 50


@bp.route("/")
@staff_required
def index():
    """Messages, newest first, with their delivery state."""
    page = max(1, request.args.get("page", 1, type=int))
    rows = db().scalars(select(OutgoingMail).order_by(OutgoingMail.id.desc())
                        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    total = db().scalar(select(func.count(OutgoingMail.id)))
    return render_template("outbox/index.html", mails=rows, page=page,
                           has_next=page * PAGE_SIZE < total, smtp=mailer.settings().configured,
                           outbox=mailer.outbox_dir(), max_attempts=mail_service.MAX_ATTEMPTS)


@bp.route("/<int:mail_id>")
@staff_required
def show(mail_id: int):
    """One message: its .eml copy when there is one, else what is still queued."""
    mail = db().get(OutgoingMail, mail_id) or abort(404)
    message = mail_service.read_outbox_file(mailer.outbox_dir(), mail.outbox_file)
    body = message.get_body(("plain",)).get_content() if message is not None else mail.body
    return render_template("outbox/show.html", mail=mail, body=body, message=message)


@bp.route("/envoyer", methods=["POST"])
@staff_required
def deliver():
    """Queue the failed messages again (the sender sends them; the request sends nothing)."""
    count = mail_service.retry_failed(db())
    mailer.commit_and_queue()
    flash(_("%(count)s failed message(s) queued again; the sender tries every queued message "
            "at its next pass.", count=count), "success")
    return redirect(url_for(".index"))

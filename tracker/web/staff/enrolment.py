"""Sign-ups, as staff decide them: requests waiting, approve, decline."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.services import enrolment as enrolment_service
from tracker.services import links
from tracker.web.common import mailer
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Text

bp = Blueprint("staff_enrolment", __name__)


class ApproveForm(FlaskForm):
    """The household's name as staff correct it (empty: the name asked for)."""

    household_name = Text(limit=200)


@bp.route("/equipe/inscriptions")
@staff_required
def index():
    """Requests waiting for a decision, per edition."""
    pending = enrolment_service.pending_enrolments(db())
    return render_template("enrolment/staff_list.html", pending=pending)


@bp.route("/equipe/inscriptions/<int:enrolment_id>/valider", methods=["POST"])
@staff_required
def approve(enrolment_id: int):
    """Create the household and its account, and send the invitation."""
    session = db()
    enrolment = enrolment_service.get_enrolment(session, enrolment_id)
    try:
        household, account, token = enrolment_service.approve_enrolment(
            session, enrolment, current_user, household_name=ApproveForm().household_name.data
            or None)
    except DomainError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".index"))
    mailer.send(session, "invitation", account.email, household_id=household.id,
                household=household, edition=household.edition,
                link=mailer.absolute_url("public_links.use_link", token=token),
                hours=links.INVITE_HOURS)
    mailer.commit_and_queue()
    flash(_("%(name)s is enrolled; an invitation was sent to %(email)s.", name=household.name,
            email=account.email), "success")
    return redirect(url_for(".index"))


@bp.route("/equipe/inscriptions/<int:enrolment_id>/refuser", methods=["POST"])
@staff_required
def decline(enrolment_id: int):
    """Refuse a request (deleted with its personal data)."""
    session = db()
    enrolment = enrolment_service.get_enrolment(session, enrolment_id)
    enrolment_service.decline_enrolment(session, enrolment, current_user)
    session.commit()
    flash(_("The request was declined and deleted."), "success")
    return redirect(url_for(".index"))

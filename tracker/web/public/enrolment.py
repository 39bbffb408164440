"""Public sign-up for an open edition, and the staff review of the requests."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.services import enrolment as enrolment_service
from tracker.services import links
from tracker.web.common import mailer
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import errors_of, form_bool, form_int, form_text

bp = Blueprint("life_enrolment", __name__)


@bp.route("/inscription")
def choose():
    """The editions open for sign-up (straight to the form when there is only one)."""
    editions = enrolment_service.open_editions(db())
    if len(editions) == 1:
        return redirect(url_for(".sign_up", slug=editions[0].slug))
    return render_template("enrolment/choose.html", editions=editions)


@bp.route("/inscription/<slug>", methods=["GET", "POST"])
def sign_up(slug: str):
    """The sign-up form: household, persons, commune, email, consent."""
    edition = services.get_edition(db(), slug)
    settings = enrolment_service.edition_settings(db(), edition)
    errors: dict = {}
    if request.method == "POST":
        try:
            done = enrolment_service.submit_enrolment(
                db(), edition, household_name=form_text("household_name", 200),
                persons=form_int("persons"), commune=form_text("commune", 200),
                email=form_text("email", 254), consent=form_bool("consent"))
        except DomainError as exc:
            errors = errors_of(exc)
        else:
            if done.outcome == "has_account":  # tell the owner of the address, not the visitor
                mailer.send(db(), "already_enrolled", done.account.email,
                            locale=done.account.locale, edition=edition,
                            household_id=done.account.household_id,
                            signin_url=mailer.absolute_url("life_links.request_link"))
            elif done.outcome == "new":
                mailer.send(db(), "enrolment_received", done.enrolment.email, edition=edition,
                            enrolment=done.enrolment)
            mailer.commit_and_deliver_later()  # as quick whatever the address
            return redirect(url_for(".thanks", slug=slug))
    open_now = settings.enrolment_open and enrolment_service.edition_phase(edition) != "past"
    return render_template("enrolment/sign_up.html", edition=edition, settings=settings,
                           open_now=open_now, errors=errors, form=request.form), \
        (422 if errors else 200) if open_now else 404


@bp.route("/inscription/<slug>/merci")
def thanks(slug: str):
    edition = services.get_edition(db(), slug)
    return render_template("enrolment/thanks.html", edition=edition)


@bp.route("/equipe/inscriptions")
@staff_required
def staff_list():
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
            session, enrolment, current_user, household_name=form_text("household_name", 200)
            or None)
    except DomainError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".staff_list"))
    mailer.send(session, "invitation", account.email, household_id=household.id,
                household=household, edition=household.edition,
                link=mailer.absolute_url("life_links.use_link", token=token),
                hours=int(links.LIFETIME[links.INVITE].total_seconds() // 3600))
    mailer.commit_and_deliver()
    flash(_("%(name)s is enrolled; an invitation was sent to %(email)s.", name=household.name,
            email=account.email), "success")
    return redirect(url_for(".staff_list"))


@bp.route("/equipe/inscriptions/<int:enrolment_id>/refuser", methods=["POST"])
@staff_required
def decline(enrolment_id: int):
    """Refuse a request (deleted with its personal data)."""
    session = db()
    enrolment = enrolment_service.get_enrolment(session, enrolment_id)
    enrolment_service.decline_enrolment(session, enrolment, current_user)
    session.commit()
    flash(_("The request was declined and deleted."), "success")
    return redirect(url_for(".staff_list"))

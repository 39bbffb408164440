"""Sign-up to an edition, as the public sees it: choose an edition, ask to join, thanks."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_wtf import FlaskForm

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.services import enrolment as enrolment_service
from tracker.web.common import mailer
from tracker.web.common.forms import Flag, Text, WholeNumber, errors_of, typed

bp = Blueprint("public_enrolment", __name__)


class SignUpForm(FlaskForm):
    """The sign-up form (the service checks the values and says what is wrong)."""

    household_name = Text(limit=200)
    persons = WholeNumber()
    commune = Text(limit=200)
    email = Text(limit=254)
    consent = Flag()


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
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            done = enrolment_service.submit_enrolment(
                db(), edition, household_name=form.household_name.data,
                persons=form.persons.data, commune=form.commune.data,
                email=form.email.data, consent=form.consent.data)
        except DomainError as exc:
            errors = errors_of(exc)
        else:
            if done.outcome == "has_account":  # tell the owner of the address, not the visitor
                mailer.send(db(), "already_enrolled", done.account.email,
                            locale=done.account.locale, edition=edition,
                            household_id=done.account.household_id,
                            signin_url=mailer.absolute_url("public_links.request_link"))
            elif done.outcome == "new":
                mailer.send(db(), "enrolment_received", done.enrolment.email, edition=edition,
                            enrolment=done.enrolment)
            mailer.commit_and_queue()  # as quick whatever the address
            return redirect(url_for(".thanks", slug=slug))
    open_now = settings.enrolment_open and enrolment_service.edition_phase(edition) != "past"
    return render_template("enrolment/sign_up.html", edition=edition, settings=settings,
                           open_now=open_now, errors=errors, form=typed(form)), \
        (422 if errors else 200) if open_now else 404


@bp.route("/inscription/<slug>/merci")
def thanks(slug: str):
    edition = services.get_edition(db(), slug)
    return render_template("enrolment/thanks.html", edition=edition)

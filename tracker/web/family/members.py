"""A household's members, as its family sees them: invite another address, the reminders
switch."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Account, Household
from tracker.services import enrolment as enrolment_service
from tracker.services import links
from tracker.services.preferences import edition_settings, household_settings
from tracker.web.common import mailer
from tracker.web.common.auth import family_required
from tracker.web.common.forms import Flag, Text, errors_of, typed

bp = Blueprint("family_members", __name__)


class MembersForm(FlaskForm):
    """The page's two forms: an invitation (email), or the reminders switch (action)."""

    action = Text(limit=20)
    email = Text(limit=254)
    reminders_enabled = Flag()


def _invite(household_id: int, inviter_id: int, email: str) -> None:
    """Invite `email` into the household; an address that has an account gets a notice."""
    session = db()
    household, inviter = session.get(Household, household_id), session.get(Account, inviter_id)
    name = inviter.display_name or inviter.email
    try:
        account, token = enrolment_service.invite_member(session, household, email, inviter)
    except enrolment_service.EmailTaken:
        session.rollback()
        account = links.account_by_email(session, email)
        if account is None or account.household_id == household_id:
            return  # already a member: the members list shows it
        mailer.send(session, "invitation_refused", account.email, locale=account.locale,
                    household_id=account.household_id, household=household,
                    edition=household.edition, inviter=name,
                    signin_url=mailer.absolute_url("public_links.request_link"))
    else:
        mailer.send(session, "invitation", account.email, household_id=household.id,
                    household=household, edition=household.edition, inviter=name,
                    link=mailer.absolute_url("public_links.use_link", token=token),
                    hours=int(links.LIFETIME[links.INVITE] / dt.timedelta(hours=1)))
    mailer.commit_and_queue()


@bp.route("/foyer/membres", methods=["GET", "POST"])
@family_required
def index():
    """The household's members; a member can invite another address."""
    household = current_user.household
    settings = household_settings(db(), household)
    errors: dict = {}
    form = MembersForm()
    posted = form.validate_on_submit()
    if posted and form.action.data == "reminders":
        settings.reminders_enabled = form.reminders_enabled.data
        db().commit()
        flash(_("Reminders by email are on.") if settings.reminders_enabled
              else _("Reminders by email are off."), "success")
        return redirect(url_for(".index"))
    if posted:
        try:
            email = enrolment_service.invitation_address(form.email.data)
        except DomainError as exc:
            errors = errors_of(exc)
        else:
            # The same answer whether the address has an account or not (here, elsewhere, or
            # staff's), and as quick: the invitation is made once the answer is sent.
            inviter_id, household_id = current_user.id, household.id
            mailer.after_response(lambda: _invite(household_id, inviter_id, email))
            flash(_("An invitation was sent to %(email)s.", email=email), "success")
            return redirect(url_for(".index"))
    return render_template("links/members.html", household=household, settings=settings,
                           teams_enabled=edition_settings(db(), household.edition).teams_enabled,
                           members=enrolment_service.joined_members(db(), household), errors=errors,
                           form=typed(form)), 422 if errors else 200

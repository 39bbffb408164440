"""A household's members, as its family sees them: invite another address, the reminders
switch. One POST endpoint per form (the invitation is rate-limited, the switch is not)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Account, Household
from tracker.services import enrolment as enrolment_service
from tracker.services import invitations
from tracker.services.preferences import edition_settings, household_settings, set_reminders
from tracker.web.common import mailer
from tracker.web.common.auth import family_required
from tracker.web.common.forms import Flag, Text, errors_of, typed
from tracker.web.common.invitations import queue_invitation

bp = Blueprint("family_members", __name__)


class InviteForm(FlaskForm):
    """The address to invite (the service checks it)."""

    email = Text(limit=254)


class RemindersForm(FlaskForm):
    """The reminders switch."""

    reminders_enabled = Flag()


def _page(errors: dict | None = None, values: dict | None = None):
    """The members page, with the invitation form's errors and values when it is refused."""
    household = current_user.household
    return render_template("links/members.html", household=household,
                           settings=household_settings(db(), household),
                           teams_enabled=edition_settings(db(), household.edition).teams_enabled,
                           members=enrolment_service.joined_members(db(), household),
                           errors=errors or {}, form=values or {}), 422 if errors else 200


def _invite(household_id: int, inviter_id: int, email: str) -> None:
    """Make the invitation and queue its mail (after the answer: see `invite`)."""
    session = db()
    invitation = invitations.by_member(session, session.get(Household, household_id),
                                       session.get(Account, inviter_id), email)
    if invitation is not None:
        queue_invitation(session, invitation)
    mailer.commit_and_queue()


@bp.route("/foyer/membres")
@family_required
def index():
    """The household's members; a member can invite another address."""
    return _page()


@bp.route("/foyer/membres/inviter", methods=["POST"])
@family_required
def invite():
    """Invite another address: the same answer whether it has an account or not (here,
    elsewhere, or staff's), and as quick: the invitation is made once the answer is sent."""
    form = InviteForm()
    try:
        email = enrolment_service.invitation_address(form.email.data)
    except DomainError as exc:
        return _page(errors_of(exc), typed(form))
    ids = current_user.household_id, current_user.id
    mailer.after_response(lambda: _invite(*ids, email))
    flash(_("An invitation was sent to %(email)s.", email=email), "success")
    return redirect(url_for(".index"))


@bp.route("/foyer/membres/rappels", methods=["POST"])
@family_required
def reminders():
    """Switch the household's reminders by email on or off."""
    enabled = RemindersForm().reminders_enabled.data
    set_reminders(db(), current_user.household, enabled)
    db().commit()
    flash(_("Reminders by email are on.") if enabled else _("Reminders by email are off."),
          "success")
    return redirect(url_for(".index"))

"""An edition's households, as staff keep them: the list, the invitation of the households
that have no account yet, one household's members, invitation and reminders switch, its data
export and erasure. Under the edition's tree (`/equipe/defis/<slug>/foyers/<id>/...`,
docs/architecture.md)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import services
from tracker.adapters.invitation_mail import queue_invitations
from tracker.db import checkpoint
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Device, Household, WeighIn
from tracker.services import audit, erasure, imported_invitations, invitations, privacy
from tracker.services import enrolment as enrolment_service
from tracker.services import mail as mail_service
from tracker.services.preferences import edition_today, household_settings, set_reminders
from tracker.web.common import mailer
from tracker.web.common.auth import staff_required
from tracker.web.common.downloads import household_download
from tracker.web.common.forms import Flag, Text, errors_of
from tracker.web.common.invitations import queue_invitation
from tracker.web.common.notices import notify_promoted
from tracker.web.staff.devices import remove_at_broker
from tracker.web.staff.tree import household_in_edition, household_or_404

bp = Blueprint("staff_households", __name__, url_prefix="/equipe/defis/<slug>/foyers")
household_in_edition(bp)


class InviteForm(FlaskForm):
    """The address to invite (the service checks it)."""

    email = Text(limit=254)


class InviteHouseholdsForm(FlaskForm):
    """Only the CSRF token: the households invited are the service's choice."""


class RemindersForm(FlaskForm):
    """The household's reminders switch."""

    reminders_enabled = Flag()


class EraseForm(FlaskForm):
    """The household's name, typed again to confirm its erasure."""

    confirm_name = Text(limit=200)


@bp.route("")
@staff_required
def index(slug: str):
    """An edition's households with their members, last weigh-in and switches."""
    session = db()
    edition = services.get_edition(session, slug)
    households = session.scalars(select(Household).where(Household.edition_id == edition.id)
                                 .options(selectinload(Household.sizes),
                                          selectinload(Household.accounts))
                                 .order_by(Household.name)).all()
    last = dict(session.execute(select(WeighIn.household_id, func.max(WeighIn.measured_at))
                                .join(Household).where(Household.edition_id == edition.id)
                                .group_by(WeighIn.household_id)).all())
    settings = {h.id: household_settings(session, h) for h in households}
    outlook = imported_invitations.outlook(session, edition)
    session.commit()
    return render_template("privacy/staff_households.html", edition=edition,
                           households=households, last=last, settings=settings,
                           today=edition_today(edition), outlook=outlook,
                           without_account={h.id for h in outlook.without},
                           invite_days=imported_invitations.INVITE_AGAIN_AFTER.days,
                           requests=privacy.erasure_requests(session))


@bp.route("/inviter", methods=["POST"])
@staff_required
def invite_households(slug: str):
    """Invite by mail every household that has an address and no account yet, unless it was
    invited less than INVITE_AGAIN_AFTER ago (queued, audited)."""
    session = db()
    edition = services.get_edition(session, slug)
    if not InviteHouseholdsForm().validate_on_submit():  # the app-wide CSRFProtect refuses it first
        flash(_("The form has expired or was not sent from this site. Please try again."),
              "error")
        return redirect(url_for(".index", slug=slug))
    report = imported_invitations.invite_households(session, edition)
    mails = queue_invitations(session, report)
    if mails:
        audit.record(session, current_user, "households.invite", edition_id=edition.id,
                     households=report.households, mails=mails)
    mailer.commit_and_queue()
    if mails:
        flash(_("%(n)s household(s) invited (%(mails)s mail(s) queued): the mails leave with "
                "the next mail round.", n=report.households, mails=mails), "success")
    else:
        flash(_("Nobody to invite: every household with an address has an account or was "
                "invited less than %(days)s days ago.",
                days=imported_invitations.INVITE_AGAIN_AFTER.days), "info")
    if report.taken:
        flash(_("%(n)s address(es) left out: they already have an account in another "
                "household.", n=report.taken), "warning")
    return redirect(url_for(".index", slug=slug))


def _fiche(household: Household, errors: dict | None = None):
    """The household's page, with the invitation form's errors when it was refused."""
    session = db()
    members = enrolment_service.members(session, household)
    history, _total = audit.entries(session, household_id=household.id, limit=20)
    settings = household_settings(session, household)
    session.commit()
    return render_template("privacy/staff_household.html", household=household,
                           settings=settings, members=members, errors=errors or {},
                           history=history, today=edition_today(household.edition)), \
        422 if errors else 200


@bp.route("/<int:household_id>/fiche")
@staff_required
def show(slug: str, household_id: int):
    """One household: members, invitation, switches, export and erasure."""
    return _fiche(household_or_404(slug, household_id))


@bp.route("/<int:household_id>/inviter", methods=["POST"])
@staff_required
def invite(slug: str, household_id: int):
    """Invite another member (staff are told when the address has an account); audited."""
    household = household_or_404(slug, household_id)
    try:
        invitation = invitations.by_staff(db(), household, current_user, InviteForm().email.data)
    except DomainError as exc:
        db().rollback()
        return _fiche(household, errors_of(exc))
    queue_invitation(db(), invitation)
    mailer.commit_and_queue()
    flash(_("An invitation was sent to %(email)s.", email=invitation.account.email), "success")
    return redirect(url_for(".show", household_id=household_id))


@bp.route("/<int:household_id>/rappels", methods=["POST"])
@staff_required
def reminders(slug: str, household_id: int):
    """Switch the household's weekly reminder on or off; a change is audited."""
    household = household_or_404(slug, household_id)
    set_reminders(db(), household, RemindersForm().reminders_enabled.data, current_user)
    db().commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".show", household_id=household_id))


@bp.route("/<int:household_id>/export.<any(json, zip):kind>")
@staff_required
def export(slug: str, household_id: int, kind: str):
    """Staff download a household's data (answering an access request); logged."""
    household = household_or_404(slug, household_id)
    audit.record(db(), current_user, "household.export", edition_id=household.edition_id,
                 household_id=household.id, format=kind)
    response = household_download(household, kind)
    db().commit()
    return response


@bp.route("/<int:household_id>/effacer", methods=["POST"])
@staff_required
def erase(slug: str, household_id: int):
    """Erase a household for good (its name typed again to confirm)."""
    session = db()
    household = household_or_404(slug, household_id)
    device_ids = [d.id for d in session.scalars(select(Device).where(
        Device.household_id == household.id))]
    emails = sorted(erasure.traces_of(session, household).emails)
    try:
        counts, files, promoted = privacy.erase_household(session, household, current_user,
                                                          EraseForm().confirm_name.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".show", household_id=household_id))
    notify_promoted(promoted)
    session.commit()
    checkpoint(session.get_bind())  # the WAL still holds the deleted rows
    mail_service.forget_outbox_files(mailer.outbox_dir(), files)
    mail_service.forget_outbox_mentions(mailer.outbox_dir(), emails)
    mailer.wake()
    flash(_("The household is erased (%(n)s weigh-ins deleted).", n=counts["weighins"]),
          "success")
    if remove_at_broker(device_ids) is not None:
        # The tracker already refuses them (unknown devices are dead-lettered).
        flash(_("The scales' server could not be reached to delete the household's scales: "
                "the tracker already refuses their weigh-ins; delete them from the server once "
                "it runs (mosquitto_ctrl dynsec deleteClient): %(ids)s.",
                ids=", ".join(device_ids)), "warning")
    return redirect(url_for(".index", slug=slug))

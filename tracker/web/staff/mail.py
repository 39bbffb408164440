"""Staff room: remind a silent family, write to the families of an edition or of a group.

Requests only queue mail (`tracker.web.mailer.send` → the outbox table, in the request's
transaction); delivery happens after, by the outbox (`zw mail send`, the outbox page). The
limits are the service's (`tracker.services.staff_mail`). Both actions are audited, without
the message's text or any address.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import StringField, TextAreaField

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition, Household
from tracker.schemas import group_message, messages_as_text
from tracker.services import audit, staff_mail
from tracker.web.common import mailer
from tracker.web.common import progress_view as pv
from tracker.progress import today
from tracker.web.common.auth import staff_required

bp = Blueprint("staff_mail", __name__, url_prefix="/equipe/defis")


def silent_households(edition: Edition) -> dict[int, int]:
    """Household id → days without a weigh-in, for the edition's silent households today
    (the cohort page's "Gone silent" rule)."""
    as_of = today(edition)
    last = pv.last_weighins(db(), edition, as_of)
    found = {}
    for household in edition.households:
        days = pv.days_without_weighin(edition, as_of, last.get(household.id))
        if days >= pv.SILENT_DAYS:
            found[household.id] = days
    return found


@bp.route("/<slug>/foyers/<int:household_id>/relancer", methods=["POST"])
@staff_required
def remind(slug: str, household_id: int):
    """Queue a reminder to a silent household's accounts (limited per household), audited."""
    edition = services.get_edition(db(), slug)
    household = db().get(Household, household_id)
    if household is None or household.edition_id != edition.id:
        abort(404)
    back = url_for("staff_cohort.overview", slug=slug) + "#silent-title"
    try:
        staff_mail.check_can_remind(db(), household)
    except DomainError as exc:
        flash(str(exc.message), "warning")
        return redirect(back)
    days = silent_households(edition).get(household.id, 0)
    for account in household.accounts:
        mailer.send(db(), staff_mail.STAFF_REMINDER, account.email, locale=account.locale,
                    household_id=household.id, household=household, days=days,
                    url=mailer.absolute_url("family.weigh"),
                    away_url=mailer.absolute_url("family_absences.index"))
    staff_mail.mark_reminded(db(), household)
    audit.record(db(), current_user, "household.remind", edition_id=edition.id,
                 household_id=household.id, mails=len(household.accounts))
    mailer.commit_and_queue()
    flash(_("Reminder queued for %(name)s: it leaves with the next mail round.",
            name=household.name), "success")
    return redirect(back)


class MessageForm(FlaskForm):
    """The CSRF token and the raw inputs: `tracker.schemas.group_message` validates."""

    group = StringField()
    subject = StringField()
    body = TextAreaField()
    confirm = StringField()


@bp.route("/<slug>/message", methods=["GET", "POST"])
@staff_required
def message(slug: str):
    """Write to a group of families: first the count of recipients, then send (queued)."""
    edition = services.get_edition(db(), slug)
    form = MessageForm()
    errors: dict = {}
    count = None
    missing = 0  # households of the group without an account: the message cannot reach them
    if form.is_submitted():
        raw = {k: (getattr(form, k).data or "") for k in ("group", "subject", "body", "confirm")}
        try:
            values = group_message.load({k: v for k, v in raw.items() if v.strip()})
            group = staff_mail.parse_group(values["group"])
            subject, body = staff_mail.check_message(values["subject"], values["body"])
            silent = silent_households(edition) if group.kind == "silent" else {}
            people = staff_mail.recipients(db(), edition, group, silent)
            missing = len(staff_mail.unreachable(db(), edition, group, silent))
        except ValidationError as exc:
            errors = messages_as_text(exc.messages)
        except DomainError as exc:
            errors = {exc.field or "_schema": [str(exc.message)]}
        else:
            count = len(people)
            if values["confirm"] and people:
                for account, household in people:
                    mailer.send(db(), staff_mail.BROADCAST, account.email,
                                locale=account.locale, household_id=household.id,
                                subject=subject, body=body, edition=edition,
                                url=mailer.absolute_url("family.home"))
                audit.record(db(), current_user, "mail.group", edition_id=edition.id,
                             group=group.kind, mails=count)
                mailer.commit_and_queue()
                flash(_("Message queued for %(n)s address(es): it leaves with the next mail "
                        "round.", n=count), "success")
                return redirect(url_for("staff_cohort.overview", slug=slug))
    else:  # a link may choose the group (the cohort page's "write to the silent ones")
        form.group.data = request.args.get("group") if request.args.get("group") in \
            staff_mail.GROUP_KINDS else "all"
    teams, communes = staff_mail.group_choices(db(), edition)
    return render_template("staff/group_message.html", edition=edition, form=form,
                           errors=errors, count=count, missing=missing, teams=teams,
                           communes=communes), \
        422 if errors else 200

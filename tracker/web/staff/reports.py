"""End-of-challenge reports, as staff see them: the edition's live cohort report and its
publication, a household's printable journey (pages drawn by tracker/web/common/reports.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker import services
from tracker.extensions import db
from tracker.services import published, reports
from tracker.services.preferences import edition_settings
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Raw
from tracker.web.common.reports import cohort_page, household_page
from tracker.web.staff.tree import household_in_edition, household_or_404

bp = Blueprint("staff_reports", __name__)
household_in_edition(bp)


class PublishForm(FlaskForm):
    """publish, republish or withdraw (none: publish or withdraw, as the button)."""

    action = Raw()


@bp.route("/equipe/defis/<slug>/bilan")
@staff_required
def cohort(slug: str):
    """The live figures (staff), beside the state of the publication."""
    edition = services.get_edition(db(), slug)
    return cohort_page(edition, reports.cohort_report(db(), edition), public=False)


@bp.route("/equipe/defis/<slug>/bilan/publier", methods=["POST"])
@staff_required
def publish(slug: str):
    """Publish the cohort report at /resultats/<slug>, republish today's figures, or withdraw
    it (`action`: publish, republish, withdraw; none: publish or withdraw, as the button)."""
    edition = services.get_edition(db(), slug)
    public = edition_settings(db(), edition).report_published_at is not None
    action = PublishForm().action.data or ("withdraw" if public else "publish")
    if action == "withdraw":
        published.withdraw(db(), edition, current_user)
        message = _("The report is no longer public.")
    elif action in ("publish", "republish"):
        published.publish(db(), edition, current_user)
        message = _("The published figures are updated.") if public \
            else _("The report is published.")
    else:
        abort(400)
    db().commit()
    flash(message, "success")
    return redirect(url_for(".cohort", slug=slug))


@bp.route("/equipe/defis/<slug>/foyers/<int:household_id>/bilan")
@staff_required
def household(slug: str, household_id: int):
    household = household_or_404(slug, household_id)
    return household_page(household, url_for("staff_households.show",
                                              household_id=household_id))

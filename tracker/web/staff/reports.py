"""End-of-challenge reports, as staff see them: the edition's live cohort report and its
publication, a household's printable journey (pages drawn by tracker/web/common/reports.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import services
from tracker.extensions import db
from tracker.services import published, reports
from tracker.services.preferences import edition_settings
from tracker.web.common.auth import staff_required
from tracker.web.common.reports import cohort_page, household_page
from tracker.web.staff.tree import household_in_edition, household_or_404

bp = Blueprint("staff_reports", __name__)
household_in_edition(bp)


@bp.route("/equipe/defis/<slug>/bilan")
@staff_required
def cohort(slug: str):
    """The live figures (staff), beside the state of the publication."""
    edition = services.get_edition(db(), slug)
    return cohort_page(edition, reports.cohort_report(db(), edition), public=False)


@bp.route("/equipe/defis/<slug>/bilan/publier", methods=["POST"])
@staff_required
def publish(slug: str):
    """Publish the cohort report at /resultats/<slug>, or replace its figures by today's."""
    edition = services.get_edition(db(), slug)
    again = edition_settings(db(), edition).report_published_at is not None
    published.publish(db(), edition, current_user)  # audited: report.publish or .republish
    db().commit()
    flash(_("The published figures are updated.") if again else _("The report is published."),
          "success")
    return redirect(url_for(".cohort", slug=slug))


@bp.route("/equipe/defis/<slug>/bilan/retirer", methods=["POST"])
@staff_required
def withdraw(slug: str):
    """The report is no longer public (its frozen figures go too)."""
    published.withdraw(db(), services.get_edition(db(), slug), current_user)
    db().commit()
    flash(_("The report is no longer public."), "success")
    return redirect(url_for(".cohort", slug=slug))


@bp.route("/equipe/defis/<slug>/foyers/<int:household_id>/bilan")
@staff_required
def household(slug: str, household_id: int):
    household = household_or_404(slug, household_id)
    return household_page(household, url_for("staff_households.show",
                                              household_id=household_id))

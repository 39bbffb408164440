"""An edition's published results (aggregates only), as they were published."""
from __future__ import annotations

from flask import Blueprint, abort

from tracker import services
from tracker.extensions import db
from tracker.services import published
from tracker.web.common.reports import cohort_page

bp = Blueprint("public_reports", __name__)


@bp.route("/resultats/<slug>")
def cohort(slug: str):
    """The published results of an edition (aggregates only), as they were published."""
    edition = services.get_edition(db(), slug)
    report = published.published_report(db(), edition)
    if report is None:
        abort(404)
    return cohort_page(edition, report, public=True)

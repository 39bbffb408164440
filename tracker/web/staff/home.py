"""Staff home: every edition with its households and their weigh-ins, links to the dashboards.

The dashboards have one blueprint each: `staff_cohort` (an edition's cohort and households),
`staff_quality` (flagged readings, dead letters), `staff_devices` (scales), `staff_compare`
(editions side by side). `staff_required` guards every view.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.extensions import db
from tracker.models import Edition, Household, WeighIn
from tracker.web.common.auth import staff_required

bp = Blueprint("staff", __name__, url_prefix="/equipe")


def household_stats(session) -> dict[int, tuple[int, object]]:
    """Household id → (number of weigh-ins, time of the latest one)."""
    rows = session.execute(
        select(WeighIn.household_id, func.count(WeighIn.id), func.max(WeighIn.measured_at))
        .group_by(WeighIn.household_id)).all()
    return {household_id: (count, last) for household_id, count, last in rows}


@bp.route("/")
@staff_required
def index():
    """Editions, newest first, with their households, sizes and weigh-in counts."""
    session = db()
    editions = session.scalars(
        select(Edition).order_by(Edition.start_date.desc(), Edition.id.desc())
        .options(selectinload(Edition.households).selectinload(Household.sizes))).all()
    return render_template("staff/index.html", editions=editions,
                           stats=household_stats(session), now=clock.now(), ZoneInfo=ZoneInfo)

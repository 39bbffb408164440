"""Staff comparison of editions side by side: cohort reduction and participation by month.

Each edition is read at its own "today" (an edition that is over shows all its months). The
months are challenge months (month 1 is each edition's reference month), so editions that
started in different seasons line up by their stage in the challenge.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from dashboards.method import target_path
from tracker.extensions import db
from tracker.models import Edition, Household
from tracker.progress import compute, edition_params
from tracker.services.preferences import edition_phase
from dashboards.figures import format_goal
from tracker.web.common import progress_view as pv
from tracker.web.common.auth import staff_required
from tracker.web.common.charts import comparison_figure, embed
from tracker.web.common.figure_words import sentence_words

bp = Blueprint("staff_compare", __name__, url_prefix="/equipe/comparaison")


@dataclass
class EditionColumn:
    """One edition in the comparison."""

    edition: Edition
    phase: str
    households: int
    cohort: list[dict]  # one dict per started month (the cohort table)

    def month(self, k: int) -> dict | None:
        return next((m for m in self.cohort if m["month"] == k), None)

    @property
    def latest(self) -> dict | None:
        """The latest complete month (the in-progress one when none is complete)."""
        done = [m for m in self.cohort if m["complete"]]
        return (done or self.cohort or [None])[-1]

    @property
    def weighing(self) -> int:
        """Households with a counted weigh-in in at least one month."""
        return max((m["n_reporting"] for m in self.cohort), default=0)


def edition_column(edition: Edition, households: int) -> EditionColumn:
    """The cohort table of one edition at its own today."""
    result = compute(db().connection(), edition, with_streams=False)
    return EditionColumn(edition, edition_phase(edition), households,
                         pv.records(result.cohort))


def _target(columns: list[EditionColumn]):
    """The target path when every edition compared shares it, else None."""
    paths = {tuple(np.round(target_path(edition_params(c.edition)), 6)) for c in columns}
    if len(paths) != 1:
        return None
    path = list(paths.pop())
    return list(range(1, len(path) + 1)), path


@bp.route("/")
@staff_required
def index():
    """Editions side by side (``?defi=slug`` repeated to choose; default: all)."""
    session = db()
    editions = session.scalars(select(Edition).order_by(Edition.start_date, Edition.id)).all()
    chosen = request.args.getlist("defi")
    shown = [e for e in editions if e.slug in chosen] if chosen else editions
    counts = dict(session.execute(select(Household.edition_id, func.count(Household.id))
                                  .group_by(Household.edition_id)).all())
    columns = [edition_column(e, counts.get(e.id, 0)) for e in shown]
    months = max((e.months for e in shown), default=0)
    series = [(c.edition.name, [m["month"] for m in c.cohort],
               [m["reduction_pct"] for m in c.cohort]) for c in columns if c.cohort]
    target = _target(columns)  # shared by every edition shown: so is the final goal
    chart = embed(comparison_figure(series, target, goal_pct=shown[0].target_pct
                                    if target and shown else None), "compare-chart") \
        if series else None
    words = sentence_words()
    goals = ", ".join(dict.fromkeys(format_goal(e.target_pct, words) for e in shown))
    return render_template("staff/compare.html", editions=editions, columns=columns,
                           chosen=chosen, months=list(range(1, months + 1)), chart=chart,
                           goals=goals)

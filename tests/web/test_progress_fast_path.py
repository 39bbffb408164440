"""The family progress page's plain-Python path gives what the pandas method gives: the
whole page context of `family_progress` against the one built from `progress.compute` and
`progress.weeks` (the method's frames) by the same helpers, on both database back-ends, for
random households at dates across the edition."""
from __future__ import annotations

import datetime as dt
import math
import random

import pandas as pd
import pytest
from flask_babel import gettext as _
from sqlalchemy import insert

from tracker import clock, services
from tracker.models import Household, WeighIn
from tracker.progress import compute
from tracker.progress import weeks as progress_weeks
from tracker.services import coverage
from tracker.web.common import progress_view as pv
from tracker.web.common.charts import HEIGHT_SMALL, chart_labels, embed
from dashboards.figures import household_figure_spec
from dashboards.outlook import outlook
from dashboards.sentences import current_sentence
from tracker.domain import REFERENCE_SOURCE

PARIS = dt.timezone(dt.timedelta(hours=1))
STREAMS = ("residual", "packaging", "glass", "biowaste", "textile")


def pandas_context(session, household) -> dict:
    """The page's context as it was computed from the pandas method's frames."""
    edition = household.edition
    result = compute(session.connection(), edition, household_ids=[household.id],
                     with_cohort=False)
    hp, sp = result.households, result.streams
    month = pv.shown_month(hp)
    context = {"household": household, "edition": edition, "as_of": result.as_of,
               "month": month, "months": edition.months}
    if month is None:
        return context
    row = {k: pv.value(v) for k, v in hp[hp["month"] == month].iloc[0].items()}
    has_any = bool(hp["weighins"].sum() > 0 or hp["weighins_diverted"].sum() > 0)
    weeks = progress_weeks(session.connection(), edition, household.id, result.as_of)
    bins = pv.bin_lines(hp, sp, month, edition.baseline_months)
    context.update(
        too_early=bool(row.get("too_early")), missing=pv.missing_weeks(weeks, month,
                                                                        result.as_of),
        needed=int(pv.weeks_needed(row["weeks"])),
        baseline_unreliable=bool(row["g_per_person_week"] is not None
                                 and not row["baseline_reliable"]),
        row=row, has_any=has_any, in_baseline=month <= edition.baseline_months,
        sentence=current_sentence(hp, household.id, edition.baseline_months,
                                  edition.target_pct),
        bins=bins,
        history=pv.records(hp),
        **outlook(hp, sp, edition.months, edition.target_pct, edition.reference_kg_year,
                  REFERENCE_SOURCE),
        diverted=[(r["stream"], r["kg"]) for r in pv.records(
            sp[(sp["month"] == month) & ~sp["counted"] & (sp["weighins"] > 0)])],
        **pv.first_screen(session, edition, row, bins, sp),
        chart=embed(household_figure_spec(sp, hp, household.id, labels=chart_labels(),
                                          title=_("Your waste, month by month")),
                    "family-chart", HEIGHT_SMALL) if has_any else None)
    return context


def strict(value):
    """A value with the types of its numbers, so that 1 == 1.0 == True do not pass."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if isinstance(value, pv.BinLine):
        return ("BinLine", strict(vars(value)))
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return (type(value).__name__, value)


def populate(session, household: Household, rng: random.Random) -> None:
    """Weigh-ins of every bin and status over the edition, a size change, absences and a
    staff-accepted month, drawn at random."""
    start = household.edition.start_date
    rows = []
    for day in range(0, 250):
        for stream in STREAMS:
            if rng.random() < (0.25 if stream == "residual" else 0.08):
                moment = dt.datetime.combine(start + dt.timedelta(days=day),
                                             dt.time(rng.choice((0, 7, 19, 23)),
                                                     rng.randint(0, 59)), PARIS)
                rows.append({"household_id": household.id, "stream": stream,
                             "weight_g": rng.randint(1, 9000), "measured_at": moment,
                             "source": "web", "note": "", "flag_reason": "",
                             "status": rng.choice(("accepted",) * 6 + ("flagged", "rejected"))})
    if rows:
        session.execute(insert(WeighIn), rows)
    for _ in range(rng.randint(0, 2)):
        services.set_household_size(session, household, persons=rng.randint(1, 6),
                                    valid_from=start + dt.timedelta(days=rng.randint(0, 200)))
    for _ in range(rng.randint(0, 3)):
        first = start + dt.timedelta(days=rng.randint(0, 220))
        coverage.declare_absence(session, household, date_from=first,
                                 date_to=first + dt.timedelta(days=rng.randint(0, 15)),
                                 actor_name="test")
    for _ in range(rng.randint(0, 2)):
        coverage.accept_month(session, household, month=rng.randint(1, 8), reason="test",
                              actor_name="test")


@pytest.mark.parametrize("seed", range(6))
def test_the_page_context_is_the_pandas_methods(app, world, session, monkeypatch, seed):
    rng = random.Random(seed)
    households = [session.get(Household, world[name]) for name in ("martin", "durand")]
    for household in households:
        populate(session, household, rng)
    session.commit()
    # before the start, the reference month, a month's first days, mid-edition, after the end
    for when in ("2026-02-20", "2026-03-03", "2026-03-20", "2026-05-02", "2026-06-09", "2026-07-07",
                 "2026-08-22", "2026-12-01"):
        now = pd.Timestamp(f"{when}T09:30", tz="UTC").to_pydatetime()
        monkeypatch.setattr(clock, "now", lambda now=now: now)
        for household in households:
            with app.test_request_context("/progres"):
                fast = pv.family_progress(session, household)
                slow = pandas_context(session, household)
            assert fast.keys() == slow.keys()
            for key in fast:
                assert strict(fast[key]) == strict(slow[key]), (when, key)

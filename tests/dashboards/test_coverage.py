"""Coverage and absences (DESIGN.md): hand-computed cases, then hypothesis against a slow,
obvious day-by-day reimplementation."""
from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.export import progress_csv
from dashboards.method import (
    cohort_progress,
    household_progress,
    month_bounds,
    target_path,
    week_coverage,
)

from .factories import MARCH, households, noon, row, sizes, weighins
from .test_properties import SETTINGS, scenarios

D = dt.date


def away(*ranges):
    """Absences: (household_id, from, to) with both dates included."""
    return pd.DataFrame(list(ranges), columns=["household_id", "date_from", "date_to"])


def accept(*pairs):
    """Staff-accepted household-months: (household_id, month)."""
    return pd.DataFrame(list(pairs), columns=["household_id", "month"])


def weekly(hh: int, month_start: D, grams: int, weeks=(0, 1, 2, 3), stream="residual"):
    """One weigh-in on day 2 of each chosen week block (0..3) of a month."""
    return [noon(month_start + dt.timedelta(7 * b + 1), hh, stream, grams) for b in weeks]


ONE = sizes([(1, 2, D(2026, 1, 1))])
A = households([(1, "A")])


def test_forgotten_weeks_read_as_a_rate_but_not_as_on_track():
    # March weighed every week (4 × 2000 g); April only in weeks 1 and 2 (2 × 2000 g): the
    # rate halves (a "50 %" reduction) but 2 of 4 weeks is not reliable.
    w = weighins(weekly(1, D(2026, 3, 1), 2000) + weekly(1, D(2026, 4, 1), 2000, (0, 1)))
    df = household_progress(w, ONE, A, MARCH, D(2026, 5, 1))
    m1, m2 = row(df, 1, 1), row(df, 1, 2)
    assert (m1["weeks"], m1["weeks_covered"], bool(m1["reliable"])) == (4, 4, True)
    assert bool(m1["on_track"]) is True
    assert (m2["weeks"], m2["weeks_covered"], bool(m2["reliable"])) == (4, 2, False)
    # 4000 g / 60 person-days × 7 = 466.7 against 8000 / 62 × 7 = 903.2: shown, not judged
    assert m2["g_per_person_week"] == pytest.approx(4000 / 60 * 7)
    assert m2["reduction_pct"] == pytest.approx(100 * (1 - (4000 / 60) / (8000 / 62)))
    assert pd.isna(m2["on_track"]) and not m2["in_cohort"]
    c = cohort_progress(df).set_index("month")
    assert c.loc[2, "n_with_data"] == 0 and c.loc[2, "n_unreliable"] == 1
    assert math.isnan(c.loc[2, "reduction_pct"]) and c.loc[2, "n_at_target"] == 0
    # three weeks of four is enough: ceil(0.75 × 4) = 3
    w3 = weighins(weekly(1, D(2026, 3, 1), 2000) + weekly(1, D(2026, 4, 1), 2000, (0, 1, 3)))
    m2 = row(household_progress(w3, ONE, A, MARCH, D(2026, 5, 1)), 1, 2)
    assert (m2["weeks_covered"], bool(m2["reliable"])) == (3, True)
    assert bool(m2["on_track"]) is True  # 6000/60 < 8000/62: 22.5 % less, and judged now


@pytest.mark.parametrize("first,last,weighed,covered", [
    # Mar 5..10: 3 dates in week 1 (5, 6, 7) and 3 in week 2 (8, 9, 10): half of 7 is 3.5
    (D(2026, 3, 5), D(2026, 3, 10), [16, 23], [False, False, True, True]),
    # Mar 4..11: 4 dates in each: both covered
    (D(2026, 3, 4), D(2026, 3, 11), [16, 23], [True, True, True, True]),
    # Mar 18..26: week 3 has 4 dates (18-21), week 4 (22-31, 10 dates) 5: both covered
    (D(2026, 3, 18), D(2026, 3, 26), [9], [False, True, True, True]),
    # Mar 19..25: week 3 has 3 dates of 7, week 4 4 of 10: neither
    (D(2026, 3, 19), D(2026, 3, 25), [9], [False, True, False, False]),
])
def test_absences_over_a_block_boundary(first, last, weighed, covered):
    w = weighins([noon(D(2026, 3, d), 1, "residual", 1000) for d in weighed])
    weeks = week_coverage(w, ONE, A, MARCH, D(2026, 4, 1), absences=away((1, first, last)))
    march = weeks[weeks["month"] == 1]
    assert march["covered"].tolist() == covered
    absent = (last - first).days + 1
    m1 = row(household_progress(w, ONE, A, MARCH, D(2026, 4, 1),
                                absences=away((1, first, last))), 1, 1)
    assert m1["absent_days"] == absent
    assert m1["person_days"] == 2 * (31 - absent)
    assert m1["weeks_covered"] == sum(covered)


def test_week_blocks_are_7_7_7_and_the_rest():
    w = weighins([])
    weeks = week_coverage(w, ONE, A, MARCH, D(2026, 5, 31))
    starts = weeks.groupby("month")["week_start"].apply(list)
    ends = weeks.groupby("month")["week_end"].apply(list)
    assert starts[1] == [D(2026, 3, 1), D(2026, 3, 8), D(2026, 3, 15), D(2026, 3, 22)]
    assert ends[1] == [D(2026, 3, 8), D(2026, 3, 15), D(2026, 3, 22), D(2026, 4, 1)]
    assert ends[2][-1] == D(2026, 5, 1) and starts[2][-1] == D(2026, 4, 22)  # 9 days
    assert len(weeks[weeks["month"] == 3]) == 4  # May 31: every block of May started


def test_weighins_on_absent_dates_still_count_and_overlaps_count_once():
    w = weighins([noon(D(2026, 3, 3), 1, "residual", 3000),
                  noon(D(2026, 3, 10), 1, "residual", 1000)])
    # Mar 2..12 declared twice, overlapping: 11 absent dates, not 18
    ab = away((1, D(2026, 3, 2), D(2026, 3, 8)), (1, D(2026, 3, 5), D(2026, 3, 12)))
    m1 = row(household_progress(w, ONE, A, MARCH, D(2026, 4, 1), absences=ab), 1, 1)
    assert m1["absent_days"] == 11
    assert m1["person_days"] == 2 * 20
    assert m1["counted_kg"] == 4.0
    assert m1["g_per_person_week"] == pytest.approx(4000 / 40 * 7)


def test_a_month_wholly_away_has_no_data_even_with_a_weigh_in():
    w = weighins(weekly(1, D(2026, 3, 1), 2000) + [noon(D(2026, 4, 10), 1, "residual", 500)])
    ab = away((1, D(2026, 4, 1), D(2026, 4, 30)))
    m2 = row(household_progress(w, ONE, A, MARCH, D(2026, 5, 1), absences=ab), 1, 2)
    assert m2["person_days"] == 0 and m2["absent_days"] == 30
    assert math.isnan(m2["g_per_person_week"]) and pd.isna(m2["reliable"])
    assert m2["weeks_covered"] == 4  # away all month: nothing was forgotten


def test_a_partial_current_month_counts_only_the_started_weeks():
    w = weighins(weekly(1, D(2026, 3, 1), 2000) + [noon(D(2026, 4, 2), 1, "residual", 500)])
    df = household_progress(w, ONE, A, MARCH, D(2026, 4, 7))
    m2 = row(df, 1, 2)
    assert (m2["weeks"], m2["weeks_covered"], bool(m2["reliable"])) == (1, 1, True)
    assert not m2["complete"] and m2["person_days"] == 14
    # April 8 starts week 2: 1 of 2 is short of ceil(1.5) = 2
    m2 = row(household_progress(w, ONE, A, MARCH, D(2026, 4, 8)), 1, 2)
    assert (m2["weeks"], m2["weeks_covered"], bool(m2["reliable"])) == (2, 1, False)
    assert pd.isna(m2["on_track"])
    # a weigh-in dated after as_of covers nothing yet
    w2 = weighins(list(w.itertuples(index=False)) + [noon(D(2026, 4, 9), 1, "residual", 5)])
    m2 = row(household_progress(w2, ONE, A, MARCH, D(2026, 4, 8)), 1, 2)
    assert m2["weeks_covered"] == 1


def test_an_unreliable_baseline_keeps_every_month_out_until_staff_accept_it():
    two = households([(1, "A"), (2, "B")])
    s = sizes([(1, 2, D(2026, 1, 1)), (2, 1, D(2026, 1, 1))])
    rows = (weekly(1, D(2026, 3, 1), 2000, (0, 1)) + weekly(1, D(2026, 4, 1), 1000)
            + weekly(2, D(2026, 3, 1), 1000) + weekly(2, D(2026, 4, 1), 900))
    w = weighins(rows)
    df = household_progress(w, s, two, MARCH, D(2026, 5, 1))
    a1, a2 = row(df, 1, 1), row(df, 1, 2)
    assert bool(a1["reliable"]) is False and not a1["baseline_reliable"]
    assert bool(a2["reliable"]) is True  # April is fine, but measured against what?
    assert pd.isna(a2["on_track"]) and not a2["in_cohort"]
    assert a2["reduction_pct"] == pytest.approx(100 * (1 - (4000 / 60) / (4000 / 62)))
    c = cohort_progress(df).set_index("month")
    assert c.loc[2, "n_with_data"] == 1 and c.loc[2, "n_unreliable"] == 1
    assert c.loc[2, "reduction_pct"] == pytest.approx(100 * (1 - (3600 / 30) / (4000 / 31)))
    # staff accept A's March: A's April is judged and counted
    df = household_progress(w, s, two, MARCH, D(2026, 5, 1), accepted=accept((1, 1)))
    a1, a2 = row(df, 1, 1), row(df, 1, 2)
    assert bool(a1["reliable"]) and a1["accepted"] and a2["baseline_reliable"]
    assert a2["on_track"] == bool(a2["reduction_pct"] >= a2["target_pct"])
    assert cohort_progress(df).set_index("month").loc[2, "n_with_data"] == 2


def test_a_staff_accepted_month_is_reliable_and_judged():
    w = weighins(weekly(1, D(2026, 3, 1), 2000) + weekly(1, D(2026, 4, 1), 1000, (2,)))
    ok = accept((1, 2))
    m2 = row(household_progress(w, ONE, A, MARCH, D(2026, 5, 1), accepted=ok), 1, 2)
    assert (m2["weeks_covered"], bool(m2["reliable"]), bool(m2["accepted"])) == (1, True, True)
    assert bool(m2["on_track"]) is True and m2["in_cohort"]
    # accepting a month without data gives it no rate: reliable stays empty
    m3 = row(household_progress(w, ONE, A, MARCH, D(2026, 6, 1), accepted=accept((1, 3))),
             1, 3)
    assert pd.isna(m3["reliable"]) and m3["accepted"]
    line = progress_csv(household_progress(w, ONE, A, MARCH, D(2026, 5, 1), accepted=ok)
                        ).splitlines()[2]
    assert line.endswith(",0,1,4,true")


def test_late_joiner_weeks_start_with_the_first_block_it_is_in():
    late = households([(1, "A", D(2026, 3, 20))])
    w = weighins([noon(D(2026, 3, 21), 1, "residual", 700),
                  noon(D(2026, 3, 25), 1, "residual", 700)])
    m1 = row(household_progress(w, ONE, late, MARCH, D(2026, 4, 1)), 1, 1)
    assert (m1["weeks"], m1["weeks_covered"], bool(m1["reliable"])) == (2, 2, True)


# --- hypothesis: the grid against a day-by-day reading of DESIGN.md ---------------------

@st.composite
def coverage_scenarios(draw):
    """A scenario of test_properties, with absences and staff-accepted months."""
    w, sizes_, hh, params, as_of = draw(scenarios())
    ids = hh["household_id"].tolist()
    span = params.months * 31
    ab = []
    for _ in range(draw(st.integers(0, 6))):
        first = params.start + dt.timedelta(draw(st.integers(-10, span)))
        ab.append((draw(st.sampled_from(ids + [99_999])), first,
                   first + dt.timedelta(draw(st.integers(-1, 20)))))  # -1: an empty range
    acc = [(draw(st.sampled_from(ids)), draw(st.integers(1, params.months + 1)))
           for _ in range(draw(st.integers(0, 3)))]
    # weigh-ins each week for some households, so that reliable months are common
    t0 = pd.Timestamp(params.start, tz="UTC") + pd.Timedelta(hours=12)
    for h in draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)):
        step = draw(st.integers(3, 9))
        extra = pd.DataFrame({"household_id": h, "measured_at": [
            t0 + pd.Timedelta(days=d) for d in range(0, span, step)],
            "stream": "residual", "weight_g": 1000, "status": "accepted"})
        w = pd.concat([w, extra], ignore_index=True)
    return (w, sizes_, hh, params, as_of, away(*ab) if ab else away(),
            accept(*acc) if acc else accept())


def slow_coverage(w, sizes_, hh, params, as_of, absences, accepted):
    """Every household-month, one date at a time."""
    tz = ZoneInfo(params.timezone)
    bounds = [b for b in month_bounds(params).itertuples() if b.month_start <= as_of]
    targets = target_path(params)
    ok_months = set(zip(accepted["household_id"], accepted["month"]))
    out = {}
    for h in hh.sort_values("household_id").itertuples():
        entries = sorted({r.valid_from: r.persons for r in sizes_.itertuples()
                          if r.household_id == h.household_id}.items())

        def persons_on(d, entries=entries):
            before = [p for vf, p in entries if vf <= d]
            return before[-1] if before else (entries[0][1] if entries else 0)

        away_dates = set()
        for a in absences.itertuples():
            if a.household_id == h.household_id:
                d = a.date_from
                while d <= a.date_to:
                    away_dates.add(d)
                    d += dt.timedelta(1)
        joined = h.joined_on if isinstance(h.joined_on, dt.date) else None
        counted_days = [r.measured_at.to_pydatetime().astimezone(tz).date()
                        for r in w.itertuples() if r.household_id == h.household_id
                        and r.status == "accepted" and r.stream in params.counted_streams]
        counted_days = [d for d in counted_days if d <= as_of and (joined is None or d >= joined)]
        cells = []
        for b in bounds:
            dates = [b.month_start + dt.timedelta(i)
                     for i in range((b.month_end - b.month_start).days)]
            counted = [d for d in dates if d <= as_of and (joined is None or d >= joined)]
            pdays = sum(persons_on(d) for d in counted if d not in away_dates)
            grams = [r.weight_g for r in w.itertuples() if r.household_id == h.household_id
                     and r.status == "accepted" and r.stream in params.counted_streams
                     and (d := r.measured_at.to_pydatetime().astimezone(tz).date()) in counted]
            blocks = [dates[0:7], dates[7:14], dates[14:21], dates[21:]]
            weeks = covered = 0
            for block in blocks:
                if block[0] > as_of or (joined is not None and block[-1] < joined):
                    continue
                weeks += 1
                weighed = any(d in block for d in counted_days)
                if weighed or 2 * sum(d in away_dates for d in block) >= len(block):
                    covered += 1
            has = bool(grams) and pdays > 0
            reliable = None
            if has:
                reliable = covered >= math.ceil(0.75 * weeks) or \
                    (h.household_id, b.month) in ok_months
            cells.append({"month": b.month, "absent_days": sum(d in away_dates for d in counted),
                          "person_days": pdays, "weeks": weeks, "weeks_covered": covered,
                          "reliable": reliable, "grams": sum(grams), "has": has})
        trusted = all(c["reliable"] for c in cells[:params.baseline_months] if c["has"])
        base = [c for c in cells[:params.baseline_months] if c["has"]]
        baseline = sum(c["grams"] for c in base) / sum(c["person_days"] for c in base) * 7 \
            if base else None
        for c in cells:
            red = None
            if c["has"] and baseline:
                rate = c["grams"] / c["person_days"] * 7
                red = 0.0 if (c["month"] == 1 and params.baseline_months == 1) else \
                    100 * (1 - rate / baseline)
            c["in_cohort"] = red is not None and bool(c["reliable"]) and trusted
            c["reduction"] = red
            c["target"] = targets[c["month"] - 1]
            out[(h.household_id, c["month"])] = c
    return out


@SETTINGS
@given(coverage_scenarios())
def test_coverage_matches_the_day_by_day_reference(case):
    df = household_progress(*case[:5], absences=case[5], accepted=case[6])
    ref = slow_coverage(*case)
    assert len(df) == len(ref)
    for g in df.to_dict("records"):
        r = ref[(g["household_id"], g["month"])]
        for col in ("absent_days", "person_days", "weeks", "weeks_covered"):
            assert g[col] == r[col], (col, g, r)
        assert (None if pd.isna(g["reliable"]) else bool(g["reliable"])) == r["reliable"], (g, r)
        assert bool(g["in_cohort"]) == r["in_cohort"], (g, r)
        if r["has"]:
            assert g["g_per_person_week"] == pytest.approx(r["grams"] / r["person_days"] * 7)
        else:
            assert math.isnan(g["g_per_person_week"])
        if not r["in_cohort"]:
            assert pd.isna(g["on_track"])
        elif abs(r["reduction"] - r["target"]) > 1e-6:
            assert bool(g["on_track"]) == (r["reduction"] >= r["target"])


@SETTINGS
@given(coverage_scenarios())
def test_week_table_adds_up_to_the_progress_table(case):
    df = household_progress(*case[:5], absences=case[5], accepted=case[6])
    weeks = week_coverage(*case[:5], absences=case[5])
    per = weeks.groupby(["household_id", "month"]).agg(n=("week", "size"),
                                                       c=("covered", "sum"))
    for g in df.to_dict("records"):
        key = (g["household_id"], g["month"])
        n, c = per.loc[key].tolist() if key in per.index else (0, 0)
        assert (g["weeks"], g["weeks_covered"]) == (n, c)


@SETTINGS
@given(coverage_scenarios())
def test_declaring_an_absence_never_uncovers_a_week_nor_adds_person_days(case):
    w, s, hh, params, as_of, ab, acc = case
    before = household_progress(w, s, hh, params, as_of, accepted=acc)
    after = household_progress(w, s, hh, params, as_of, absences=ab, accepted=acc)
    assert (after["weeks_covered"] >= before["weeks_covered"]).all()
    assert (after["person_days"] <= before["person_days"]).all()
    assert (after["weeks"] == before["weeks"]).all()
    assert (after["weighins"] == before["weighins"]).all()


@pytest.mark.parametrize("as_of,early,latest_early", [
    (D(2026, 4, 1), True, True), (D(2026, 4, 6), True, True), (D(2026, 4, 7), False, False),
    (D(2026, 5, 1), False, True)])  # May 1: April complete, May (month 3) on its first day
def test_too_early_to_tell_is_the_first_six_days_of_the_month_in_progress(as_of, early,
                                                                          latest_early):
    from dashboards.sentences import current_sentence

    w = weighins(weekly(1, D(2026, 3, 1), 2000) + [noon(D(2026, 4, 1), 1, "residual", 900)])
    df = household_progress(w, ONE, A, MARCH, as_of)
    assert not row(df, 1, 1)["too_early"]  # a complete month never is
    assert bool(row(df, 1, 2)["too_early"]) is early
    sentence = current_sentence(df, 1)
    assert sentence.startswith("Trop tôt pour juger") is latest_early
    assert ("%" in sentence) is not latest_early

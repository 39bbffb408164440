"""The progress method for ONE household in plain Python: the family page's fast path.

`dashboards.method` is the method (normative, see its docstring); this module computes the
same three tables for a single household (``household_progress``, ``stream_progress`` and
``week_coverage`` restricted to it) with lists and integers instead of DataFrames. A family
page reads a few hundred weigh-ins: pandas' fixed costs (building frames, indexes, dtype
checks: ~50 operations of ~50 µs) were most of its time, the arithmetic a few microseconds.

Every value is the one the pandas method gives, to the bit: the same operations on the same
floats (sums of whole grams are exact, then the same divisions and products in the same
order). ``tests/dashboards/test_household.py`` compares every field of every row with the
pandas method over random households (sizes, late joiners, absences, staff-accepted months,
time zones). Missing values are ``None`` (the pandas tables' NaN / NA), numbers are plain
``int`` / ``float`` / ``bool``: what `tracker.web.progress_view.value` makes of a frame cell.

The tables are `Columns`: a column name → list mapping that answers the two frame reads the
page helpers make (``table[c].tolist()`` and ``c in table.columns``), plus `rows`.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .edition import EditionParams, month_dates
from .method import (ON_TRACK_TOLERANCE, PROGRESS_COLUMNS, PROGRESS_EXTRA_COLUMNS,
                     TOO_EARLY_DAYS, WEEK_COLUMNS, WEEKS_PER_YEAR)

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_FAR_PAST = -(2 ** 61)
_FAR_FUTURE = 2 ** 61
STREAM_COLUMNS = ["household", "month", "month_start", "month_end", "complete", "household_id",
                  "stream", "counted", "weighins", "kg", "person_days", "g_per_person_week"]


class Column(list):
    """A list that also answers ``.tolist()``, as a pandas column does."""

    def tolist(self) -> list:
        return list(self)


class Columns(dict):
    """A table as column name → `Column`, in a fixed column order; ``len()`` counts its rows,
    as for a DataFrame."""

    def __init__(self, names: list[str], rows: list[tuple]):
        super().__init__((name, Column(values)) for name, values in
                         zip(names, zip(*rows) if rows else [()] * len(names)))

    @property
    def columns(self) -> list[str]:
        return list(self)

    def __len__(self) -> int:
        return len(next(iter(self.values()), ()))

    def rows(self) -> list[dict]:
        """One dict per row (the template rows of `progress_view.records`)."""
        names = list(self)
        return [dict(zip(names, row)) for row in zip(*self.values())]


@dataclass
class HouseholdTables:
    """One household's rows of the method's three tables."""

    progress: Columns
    streams: Columns
    weeks: Columns


def _day(d: dt.date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def _date(day: int) -> dt.date:
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def local_day(epoch_ms: int, zone: ZoneInfo) -> int:
    """The local day number of a UTC instant in epoch milliseconds (floored: offsets are whole
    seconds, so the second decides the date)."""
    return _day(dt.datetime.fromtimestamp(epoch_ms // 1000, zone).date())


def _overlap(lo: int, hi: int, lo2: int, hi2: int) -> int:
    return max(0, min(hi, hi2) - max(lo, lo2))


def size_segments(sizes) -> list[tuple[int, int, int]]:
    """``(from, to, persons)`` day ranges of a size history ``[(persons, valid_from), ...]``:
    the first entry from the far past, the last to the far future, the later row winning on a
    date (`Grid._person_days`)."""
    entries = sorted(((_FAR_PAST if d is None else _day(d), i, int(p))
                      for i, (p, d) in enumerate(sizes)))
    kept = [e for k, e in enumerate(entries)
            if k + 1 == len(entries) or entries[k + 1][0] != e[0]]
    return [(_FAR_PAST if k == 0 else day,
             _FAR_FUTURE if k + 1 == len(kept) else kept[k + 1][0], persons)
            for k, (day, _, persons) in enumerate(kept)]


def absence_ranges(absences) -> list[tuple[int, int]]:
    """Merged ``[from, to)`` day ranges of ``[(date_from, date_to), ...]`` (both included):
    overlapping or touching declarations count their dates once (`grid.merge_ranges`)."""
    ranges = sorted((_day(a), _day(b) + 1) for a, b in absences
                    if a is not None and b is not None)
    merged: list[list[int]] = []
    for lo, hi in ranges:
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def household_tables(params: EditionParams, as_of: dt.date, household_id: int, name: str,
                     sizes, weighins, absences=(), accepted=(), joined_on: dt.date | None = None
                     ) -> HouseholdTables:
    """The method's tables for one household.

    `sizes`: ``(persons, valid_from)``; `weighins`: ``(epoch_ms, stream, weight_g, status)``
    with ``epoch_ms`` the UTC instant in milliseconds; `absences`: ``(date_from, date_to)``;
    `accepted`: months staff accepted. The rows of this household only.
    """
    started = [b for b in month_dates(params) if b[1] <= as_of]
    M = len(started)
    months = [b[0] for b in started]
    ms = [_day(b[1]) for b in started]
    me = [_day(b[2]) for b in started]
    asof_end = _day(as_of) + 1
    joined = _FAR_PAST if joined_on is None else _day(joined_on)
    ws = [max(s, joined) for s in ms]
    we = [min(e, asof_end) for e in me]
    days = [max(0, e - s) for s, e in zip(ws, we)]
    segments = size_segments(sizes)
    ranges = absence_ranges(absences)
    pdays, absent = [], []
    for s, e in zip(ws, we):
        total = sum(p * _overlap(lo, hi, s, e) for lo, hi, p in segments)
        away = sum(p * _overlap(max(alo, lo), min(ahi, hi), s, e)
                   for alo, ahi in ranges for lo, hi, p in segments)
        pdays.append(total - away)
        absent.append(sum(_overlap(alo, ahi, s, e) for alo, ahi in ranges))

    counted_set = set(params.counted_streams)
    n, grams, n_div, g_div = [0] * M, [0] * M, [0] * M, [0] * M
    flagged, rejected = [0] * M, [0] * M
    block_n = [0] * (4 * M)
    per_stream: dict[tuple[int, str], list[int]] = {}
    last_end = me[-1] if M else _FAR_PAST
    zone = ZoneInfo(params.timezone)
    for epoch_ms, stream, weight, status in weighins:
        day = local_day(epoch_ms, zone)
        m = bisect_right(ms, day) - 1
        if m < 0 or day >= last_end or day >= asof_end or day < joined:
            continue
        if status == "accepted":
            cell = per_stream.setdefault((m, stream), [0, 0])
            cell[0] += 1
            cell[1] += weight
            if stream in counted_set:
                n[m] += 1
                grams[m] += weight
                block_n[4 * m + min((day - ms[m]) // 7, 3)] += 1
            else:
                n_div[m] += 1
                g_div[m] += weight
        elif status == "flagged":
            flagged[m] += 1
        elif status == "rejected":
            rejected[m] += 1

    # coverage: the 4 week blocks of each started month (`Grid._coverage`)
    weeks, covered, week_rows = [0] * M, [0] * M, []
    for m in range(M):
        bounds = [ms[m], ms[m] + 7, ms[m] + 14, ms[m] + 21, me[m]]
        for b in range(4):
            bs, be = bounds[b], bounds[b + 1]
            if not (bs < asof_end and be > joined):
                continue
            away = sum(_overlap(alo, ahi, bs, be) for alo, ahi in ranges)
            cov = block_n[4 * m + b] > 0 or 2 * away >= be - bs
            weeks[m] += 1
            covered[m] += cov
            week_rows.append((household_id, name, months[m], b + 1, _date(bs), _date(be),
                              block_n[4 * m + b], away, cov))

    has = [n[m] > 0 and pdays[m] > 0 for m in range(M)]
    rate = [grams[m] / pdays[m] * 7.0 if has[m] else None for m in range(M)]
    b = min(params.baseline_months, M)
    bg = sum(grams[m] for m in range(b) if has[m])
    bpd = sum(pdays[m] for m in range(b) if has[m])
    baseline = bg / bpd * 7.0 if bpd > 0 and bg > 0 else None
    accepted_months = set(int(k) for k in accepted)
    staff = [k in accepted_months for k in months]
    reliable_b = [covered[m] >= -(-3 * weeks[m] // 4) or staff[m] for m in range(M)]
    base_ok = all(reliable_b[m] or not has[m] for m in range(b))
    bt = params.baseline_months
    rows = []
    for m in range(M):
        k = months[m]
        red = None
        if rate[m] is not None and baseline is not None:
            red = 100.0 * (1.0 - rate[m] / baseline)
            if red != red or red in (float("inf"), float("-inf")):
                red = None
            elif bt == 1 and k == 1:
                red = 0.0
        target = max(0.0, params.target_pct * (float(k) - bt) / (params.months - bt))
        trusted = reliable_b[m] and base_ok
        on_track = None if red is None or not trusted else red >= target - ON_TRACK_TOLERANCE
        start, end = started[m][1], started[m][2]
        rows.append((
            name, k, start, end, end <= as_of, n[m],
            grams[m] / 1000.0 if has[m] else None, pdays[m], rate[m], red, target, on_track,
            absent[m], covered[m], weeks[m], reliable_b[m] if has[m] else None,
            household_id, k <= bt, days[m], pdays[m] / days[m] if days[m] > 0 else None,
            baseline, None if rate[m] is None else rate[m] * WEEKS_PER_YEAR / 1000.0,
            g_div[m] / 1000.0, n_div[m], flagged[m], rejected[m], staff[m], base_ok,
            red is not None and trusted, min(me[m], asof_end) - ms[m] < TOO_EARLY_DAYS))

    present = {s for (_, s) in per_stream}
    streams = list(params.counted_streams) + sorted(present - counted_set)
    stream_rows = []
    for m in range(M):
        start, end = started[m][1], started[m][2]
        for s in streams:
            cnt, g = per_stream.get((m, s), (0, 0))
            ok = cnt > 0 and pdays[m] > 0
            stream_rows.append((name, months[m], start, end, end <= as_of, household_id, s,
                                s in counted_set, cnt, g / 1000.0, pdays[m],
                                g / pdays[m] * 7.0 if ok else None))
    return HouseholdTables(Columns(PROGRESS_COLUMNS + PROGRESS_EXTRA_COLUMNS, rows),
                           Columns(STREAM_COLUMNS, stream_rows),
                           Columns(WEEK_COLUMNS, week_rows))

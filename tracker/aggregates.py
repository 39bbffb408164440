"""Monthly aggregates of weigh-ins, kept in step with every write in the same transaction.

Why a table kept in step, not a grouped query: the cohort page of 10,000 households read
3.15 M weigh-ins on every request (1.1× the raw load); a grouped query computed by the database
still reads every one of those rows on every request (measured in docs/scaling.md), while the
table holds one row per household × month (≤ 10 per household), read in a fraction of the
time. The price is keeping it exact, which this module does in one way for every path:

* **Recompute, never increment** — but for rows known to be new. A write marks the
  (household, segment) cells it touches; the cells are then deleted and rebuilt from the raw
  rows by one grouped ``INSERT ... SELECT`` (`refresh`), in the writer's transaction. An
  increment would have to know each row's old status, stream, weight and time; a recompute
  cannot drift, and costs a few hundred rows. The exception is the ingest (`add_new`): it
  only inserts (``ON CONFLICT DO NOTHING``), and when the insert's row count says every row
  of the batch went in, those rows had no previous state, so their cells get exactly what
  the grouped statement would add: their sums and counts added, ``last_at`` the later of the
  two (one upsert). A recompute there re-read every row of each touched cell for each batch
  of a few readings: a household's month of a busy scale (issue 19's bench: 100,000 rows in
  one cell, 1.1 s per batch; docs/scaling.md). When the count is short (another ingest
  stored some of them first), the batch's cells are recomputed as any other write's.
* **Every path, without a call in each.** Session hooks (`install`) see what the ORM flushes
  (web form, API, offline replays, corrections, staff reviews, deletions; a flush that only
  adds weigh-ins increments their cells as the ingest does, the rebuild was half of a
  weigh-in POST's CPU) and the ORM bulk
  statements on weigh-ins (CSV import's multi-row insert, erasure's delete); the ingest, which
  writes through the driver, calls `add_new` once per batch. Deleting a household (erasure)
  deletes its cells by the foreign key's cascade. An edition whose start, length, time zone or
  counted bins change (only allowed before it starts) has its cells rebuilt.
* **Concurrent writers** (PostgreSQL): the households of the touched cells are locked
  (``FOR NO KEY UPDATE``, in id order) before their cells are rebuilt or incremented, so two
  transactions writing for one household change its cells one after the other, the second
  one reading the first one's rows and cells (READ COMMITTED takes a new snapshot per
  statement): a rebuild after an increment counts the increment's rows, an increment after a
  rebuild adds to it what it could not see. SQLite has one writer at a time.

Sizes and absences are not in the aggregates: they are small, and the method reads them raw.
`verify` recomputes every cell of an edition from the raw rows and lists the differences
(``zw progress verify``); `verify_all` does it for every edition (for tests).

Segments: 1..months are the challenge months; 0 is everything dated before the start, and
months + 1 everything from the end on (kept so that "latest weigh-in" needs no raw rows).
"""
from __future__ import annotations

import bisect
import datetime as dt
import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlalchemy import (BigInteger, Text, and_, bindparam, case, cast, delete, event, func, insert,
                        inspect, literal, literal_column, select)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tracker.domain import WeighInStatus
from tracker.models import Edition, Household, WeighIn

UTC = dt.timezone.utc
#: the aggregate columns, in the order `expected` and `stored` give them
VALUE_COLUMNS = ("grams", "w1", "w2", "w3", "w4", "diverted_grams", "diverted", "flagged",
                 "rejected", "last_at")
#: households per statement when a whole edition is verified (the progress bar's steps)
VERIFY_CHUNK = 500
#: Up to this many households, rows are read through SQLAlchemy, above straight from the
#: driver (`_fetch`; `tracker.progress` reads the same way)
SMALL_READ = 50


def _table():
    from tracker.models import MonthlyAggregate

    return MonthlyAggregate.__table__


# ------------------------------------------------------------------ the calendar in UTC
@lru_cache(maxsize=256)
def block_bounds(start: dt.date, months: int, timezone: str) -> tuple[dt.datetime, ...]:
    """UTC instants where the week blocks of months 1..months start, then the end: 4 × months
    + 1 values (each bound from the start, as `dashboards.edition.month_dates` computes it)."""
    zone = ZoneInfo(timezone)
    days = []
    for k in range(1, months + 1):
        first = start + relativedelta(months=k - 1)
        days += [first + dt.timedelta(days=d) for d in (0, 7, 14, 21)]
    days.append(start + relativedelta(months=months))
    return tuple(dt.datetime.combine(d, dt.time(), zone).astimezone(UTC) for d in days)


def _bounds(edition) -> tuple[dt.datetime, ...]:
    return block_bounds(edition.start_date, edition.months, edition.timezone)


def segment_of(bounds: tuple[dt.datetime, ...], instant: dt.datetime) -> int:
    """The segment (0, 1..months, months + 1) of a UTC instant."""
    i = bisect.bisect_right(bounds, instant)
    if i == 0:
        return 0
    return min((i - 1) // 4 + 1, (len(bounds) - 1) // 4 + 1)


def segment_start(bounds, month: int) -> dt.datetime | None:
    """Where a segment starts (None: segment 0 has no start)."""
    return None if month == 0 else bounds[min(4 * (month - 1), len(bounds) - 1)]


def segment_end(bounds, month: int) -> dt.datetime | None:
    """Where a segment ends, exclusive (None: the last segment has no end)."""
    months = (len(bounds) - 1) // 4
    return None if month > months else bounds[4 * month]


def _instant(value) -> dt.datetime:
    """A measured_at as an aware UTC datetime (the ingest hands SQLite's naive UTC text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ------------------------------------------------------------------ the grouped statement
def _interval_case(t, cuts, values):
    """`values[j]` for `t` in [cuts[j - 1], cuts[j]) (values[0] before cuts[0], the last from
    the last cut on), as CASEs nested by halves: about log2(len(values)) comparisons a row
    where one CASE arm per bound made up to 4 × months + 1 (the backfill's and a big rebuild's
    time went into those comparisons)."""
    if len(set(values)) == 1:
        return literal(values[0])
    mid = len(values) // 2  # [0, mid) before cuts[mid - 1], [mid, ...) from it on
    return case((t < cuts[mid - 1], _interval_case(t, cuts[:mid - 1], values[:mid])),
                else_=_interval_case(t, cuts[mid:], values[mid:]))


def _grouped(bounds, counted, where) -> select:
    """household_id, month and the aggregate columns of the weigh-ins `where` selects, grouped
    by cell (`counted`: the edition's counted bins): the one statement behind every rebuild and
    every check."""
    w = WeighIn.__table__
    t = w.c.measured_at
    months = (len(bounds) - 1) // 4
    # month: before bounds[0] 0, then k from bounds[4(k - 1)], months + 1 from the end on;
    # block: (i - 1) % 4 in [bounds[i - 1], bounds[i]), 0 before bounds[1] and from the end on
    month = _interval_case(t, bounds[0::4], list(range(months + 2)))
    block = _interval_case(t, bounds[1:], [0, *((i - 1) % 4 for i in range(2, 4 * months + 1)),
                                           0])
    kind = case((w.c.status != WeighInStatus.ACCEPTED, 0), (w.c.stream.in_(list(counted)), 1),
                else_=2)
    inner = (select(w.c.household_id, w.c.status, w.c.weight_g, t, kind.label("kind"),
                    month.label("month"), block.label("block"))
             .where(where).subquery())
    kept, other = inner.c.kind == 1, inner.c.kind == 2  # accepted: counted bin, other bin

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    return (select(inner.c.household_id, inner.c.month,
                   func.sum(case((kept, inner.c.weight_g), else_=0)).label("grams"),
                   *(count(and_(kept, inner.c.block == b)).label(f"w{b + 1}")
                     for b in range(4)),
                   func.sum(case((other, inner.c.weight_g), else_=0)).label("diverted_grams"),
                   count(other).label("diverted"),
                   count(inner.c.status == WeighInStatus.FLAGGED).label("flagged"),
                   count(inner.c.status == WeighInStatus.REJECTED).label("rejected"),
                   func.max(inner.c.measured_at).label("last_at"))
            .group_by(inner.c.household_id, inner.c.month))


def _time_range(bounds, first: int, last: int):
    """The condition on measured_at of segments first..last."""
    t = WeighIn.__table__.c.measured_at
    lo, hi = segment_start(bounds, first), segment_end(bounds, last)
    parts = [t >= lo] if lo is not None else []
    parts += [t < hi] if hi is not None else []
    return and_(*parts) if parts else literal(True)


#: a segment past any edition's end: a whole rebuild also drops the cells of months an
#: edition no longer has
_EVERY_SEGMENT = 1_000_000


def _lock(conn: Connection, household_ids) -> None:
    """Writers of the same households rebuild their cells one after the other (PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(Household.__table__.c.id)
                     .where(Household.__table__.c.id.in_(sorted(household_ids)))
                     .order_by(Household.__table__.c.id).with_for_update(key_share=True))


@lru_cache(maxsize=512)
def _rebuild_statements(bounds, counted, first: int, last: int) -> tuple:
    """The delete and the ``INSERT ... SELECT`` of `_rebuild`, the households as one expanding
    parameter: built once per edition calendar and segment range (building the grouped
    statement, a CASE over every week block, was a third of a weigh-in POST's CPU)."""
    agg = _table()
    ids = bindparam("household_ids", expanding=True)
    drop = delete(agg).where(agg.c.household_id.in_(ids), agg.c.month.between(first, last))
    grouped = _grouped(bounds, counted, and_(WeighIn.__table__.c.household_id.in_(ids),
                                             _time_range(bounds, first, last)))
    return drop, insert(agg).from_select(["household_id", "month", *VALUE_COLUMNS], grouped)


def _rebuild(conn: Connection, bounds, counted, household_ids, first: int, last: int) -> None:
    """Delete and recompute segments first..last of these households."""
    ids = {"household_ids": sorted(household_ids)}
    for statement in _rebuild_statements(bounds, tuple(counted), first, last):
        conn.execute(statement, ids)


@lru_cache(maxsize=1)
def _calendar_query():
    """The households' editions and calendars (built once, as `_rebuild_statements`)."""
    hh, ed = Household.__table__, Edition.__table__
    return (select(hh.c.id, ed.c.id, ed.c.start_date, ed.c.months, ed.c.timezone,
                   ed.c.counted_streams)
            .join(ed, hh.c.edition_id == ed.c.id)
            .where(hh.c.id.in_(bindparam("household_ids", expanding=True))
                   | ed.c.id.in_(bindparam("edition_ids", expanding=True))))


def refresh(conn: Connection, touched: Iterable[tuple[int, object]],
            editions: Iterable[int] = ()) -> None:
    """Rebuild the cells of these (household_id, measured_at) pairs, and every cell of these
    editions (by id), from the raw rows, in the connection's transaction."""
    touched = [(h, _instant(t)) for h, t in touched if h is not None and t is not None]
    editions = set(editions)
    households = {h for h, _t in touched}
    if not households and not editions:
        return
    rows = conn.execute(_calendar_query(), {"household_ids": sorted(households),
                                            "edition_ids": sorted(editions)}).all()
    by_edition: dict[int, tuple] = {}
    edition_of: dict[int, int] = {}
    members: dict[int, set] = {}
    for hid, eid, start, months, zone, counted in rows:
        by_edition[eid] = (block_bounds(start, months, zone), tuple(counted))
        edition_of[hid] = eid
        members.setdefault(eid, set()).add(hid)
    _lock(conn, edition_of)
    spans: dict[int, list] = {}
    for hid, instant in touched:
        eid = edition_of.get(hid)
        if eid is None or eid in editions:  # a household that is gone: its cells went with it
            continue
        m = segment_of(by_edition[eid][0], instant)
        span = spans.setdefault(eid, [m, m, set()])
        span[0], span[1] = min(span[0], m), max(span[1], m)
        span[2].add(hid)
    for eid in editions & set(by_edition):
        _rebuild(conn, *by_edition[eid], members[eid], 0, _EVERY_SEGMENT)
    for eid, (first, last, hids) in spans.items():
        _rebuild(conn, *by_edition[eid], hids, first, last)


# ------------------------------------------------------------------ new rows: an increment
def block_of(bounds: tuple[dt.datetime, ...], instant: dt.datetime) -> int:
    """The week block (0..3) the grouped statement gives an instant: its block in its month,
    0 before the start and from the end on."""
    i = bisect.bisect_right(bounds, instant)
    return 0 if i >= len(bounds) else (max(i, 1) - 1) % 4


def new_row_cells(calendars: dict[int, tuple], rows) -> dict[tuple[int, int], list]:
    """(household_id, month) -> the VALUE_COLUMNS these new rows add to the cell (`last_at`:
    their latest time), as the grouped statement computes them. `calendars`: household id ->
    (bounds, counted bins); `rows`: (household_id, measured_at, status, stream, weight_g); a
    household missing from `calendars` (gone) adds nothing."""
    cells: dict[tuple[int, int], list] = {}
    for hid, when, status, stream, grams in rows:
        calendar = calendars.get(hid)
        if calendar is None:
            continue
        bounds, counted = calendar
        instant = _instant(when)
        key = (hid, segment_of(bounds, instant))
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0, 0, 0, 0, 0, 0, 0, 0, 0, instant]
        elif instant > cell[9]:
            cell[9] = instant
        if status == "accepted":
            if stream in counted:
                cell[0] += grams
                cell[1 + block_of(bounds, instant)] += 1
            else:
                cell[5] += grams
                cell[6] += 1
        elif status == "flagged":
            cell[7] += 1
        elif status == "rejected":
            cell[8] += 1
    return cells


def _calendars(conn: Connection, household_ids) -> dict[int, tuple]:
    """Household id -> (bounds, counted bins) of its edition, the households locked as `_lock`
    does (PostgreSQL, one statement: FOR NO KEY UPDATE OF households, in id order).

    The driver's SQL with the ids as one array (PostgreSQL) or one JSON text (SQLite): an
    ``IN`` of a batch's few hundred households cost more to expand in SQLAlchemy and convert
    in psycopg than the query itself."""
    ids = sorted(household_ids)
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(*pg_calendars_statement(ids))
    elif conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(_CALENDARS + "IN (SELECT value FROM json_each(?))",
                                    (json.dumps(ids),))
    else:
        return _calendars_portable(conn, ids)
    return calendars_of(rows)


_CALENDARS = ("SELECT h.id, e.start_date, e.months, e.timezone, e.counted_streams "
              "FROM households h JOIN editions e ON e.id = h.edition_id WHERE h.id ")


def pg_calendars_statement(household_ids) -> tuple[str, tuple]:
    """PostgreSQL: `_calendars`' statement and parameters (the households locked in id
    order), for a caller that sends it with others (tracker.services.ingest_pipeline)."""
    return (_CALENDARS + "= ANY(%s::integer[]) ORDER BY h.id FOR NO KEY UPDATE OF h",
            (_pg_array(sorted(household_ids)),))


def calendars_of(rows) -> dict[int, tuple]:
    """`_calendars`' answer from its statement's rows."""
    out = {}
    for hid, start, months, zone, counted in rows:
        if isinstance(start, str):  # SQLite: the driver's text
            start, counted = dt.date.fromisoformat(start), json.loads(counted)
        out[hid] = (block_bounds(start, months, zone), tuple(counted))
    return out


def _pg_array(values) -> str:
    """A list of integers or UTC datetimes as PostgreSQL's array text (cast in the SQL):
    psycopg's dump of a Python list of ints picks a type per element, which cost more than
    the upsert itself for a batch's few hundred cells."""
    return "{" + ",".join(f'"{v.isoformat()}"' if isinstance(v, dt.datetime) else str(int(v))
                          for v in values) + "}"


def _calendars_portable(conn: Connection, ids: list[int]) -> dict[int, tuple]:
    """`_calendars` through SQLAlchemy (other databases)."""
    hh, ed = Household.__table__, Edition.__table__
    _lock(conn, ids)
    query = (select(hh.c.id, ed.c.start_date, ed.c.months, ed.c.timezone, ed.c.counted_streams)
             .join(ed, hh.c.edition_id == ed.c.id).where(hh.c.id.in_(ids)))
    return {hid: (block_bounds(start, months, zone), tuple(counted))
            for hid, start, months, zone, counted in conn.execute(query)}


@lru_cache(maxsize=8)
def _upsert(dialect) -> str:
    """The driver's SQL adding cells to the stored ones (PostgreSQL: one statement over
    arrays; others: one row per execution)."""
    table = _table().name
    columns = ("household_id", "month", *VALUE_COLUMNS)
    later = "GREATEST" if dialect.name == "postgresql" else "max"
    sets = [f"{c} = {table}.{c} + excluded.{c}" for c in VALUE_COLUMNS if c != "last_at"]
    sets.append(f"last_at = {later}({table}.last_at, excluded.last_at)")
    if dialect.name == "postgresql":
        types = ("integer", "integer", "bigint", "integer", "integer", "integer", "integer",
                 "bigint", "integer", "integer", "integer", "timestamptz")
        source = "SELECT * FROM unnest(" + ", ".join(f"%s::{t}[]" for t in types) + ")"
    else:
        source = "VALUES (" + ", ".join("?" for _ in columns) + ")"
    return (f"INSERT INTO {table} ({', '.join(columns)}) {source} "
            f"ON CONFLICT (household_id, month) DO UPDATE SET {', '.join(sets)}")


def add_new(conn: Connection, rows, inserted: int | None = None) -> None:
    """The cells of rows just inserted, incremented by them (the ingest; module docstring).

    `rows`: (household_id, measured_at, status, stream, weight_g) of the rows the insert was
    given; `inserted`: how many it stored (its row count). When it stored fewer (some were
    there already: another ingest's), their cells are recomputed (`refresh`) instead."""
    rows = [r for r in rows if r[0] is not None]
    if not rows:
        return
    if inserted is not None and inserted != len(rows):
        refresh(conn, [(r[0], r[1]) for r in rows])
        return
    cells = new_row_cells(_calendars(conn, {r[0] for r in rows}), rows)
    if cells:
        write_cells(conn, cells)


def write_cells(conn: Connection, cells: dict[tuple[int, int], list]) -> None:
    """Add `new_row_cells`' cells to the stored ones (one upsert)."""
    dialect = conn.dialect
    keys = sorted(cells)
    if dialect.name == "postgresql":
        conn.exec_driver_sql(*pg_cells_statement(dialect, cells))
        return
    bind = _table().c.last_at.type.dialect_impl(dialect).bind_processor(dialect)
    conn.exec_driver_sql(_upsert(dialect), [
        (*k, *cells[k][:9], bind(cells[k][9]) if bind else cells[k][9]) for k in keys])


def pg_cells_statement(dialect, cells: dict[tuple[int, int], list]) -> tuple[str, tuple]:
    """PostgreSQL: `write_cells`' statement and parameters (one upsert over arrays)."""
    keys = sorted(cells)
    columns = [[k[0] for k in keys], [k[1] for k in keys]]
    columns += [[cells[k][i] for k in keys] for i in range(len(VALUE_COLUMNS))]
    return _upsert(dialect), tuple(_pg_array(c) for c in columns)


def rebuild(conn: Connection, edition_id: int) -> None:
    """Every cell of an edition rebuilt from the raw rows (backfill, bench)."""
    refresh(conn, (), [edition_id])


def rebuild_all(conn: Connection) -> None:
    """Every cell of every edition (the migration's backfill)."""
    for (eid,) in conn.execute(select(Edition.__table__.c.id)).all():
        rebuild(conn, eid)


# ------------------------------------------------------------------ the session hooks
_WATCHED = ("household_id", "measured_at", "status", "stream", "weight_g")
_EDITION_CALENDAR = ("start_date", "months", "timezone", "counted_streams")


def _versions(obj) -> list[tuple[int, object]]:
    """(household_id, measured_at) of a weigh-in as it is and as it was before this flush."""
    state = inspect(obj)
    out = [(obj.household_id, obj.measured_at)]
    old_h = state.attrs.household_id.history.deleted
    old_t = state.attrs.measured_at.history.deleted
    if old_h or old_t:
        out.append((old_h[0] if old_h else obj.household_id,
                    old_t[0] if old_t else obj.measured_at))
    return out


def _changed(obj, names) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _before_flush(session: Session, _context, _instances) -> None:
    """Deleted weigh-ins are read now, while their rows exist (an expired one loads)."""
    gone = [v for obj in session.deleted if isinstance(obj, WeighIn) for v in _versions(obj)]
    if gone:
        session.info.setdefault("zw_aggregates_gone", []).extend(gone)


def _new_row(obj) -> tuple | None:
    """A flushed new weigh-in as `add_new`'s row, None when a value is not in the object (a
    server-side default, expired): the rebuild then reads the stored row."""
    if inspect(obj).unloaded.intersection(_WATCHED):
        return None
    return obj.household_id, obj.measured_at, obj.status, obj.stream, obj.weight_g


def _after_flush(session: Session, _context) -> None:
    """Cells of the weigh-ins this flush changed or deleted, and of the editions whose calendar
    changed, rebuilt; a flush that only added weigh-ins (a form, an API call, an offline
    replay) increments their cells instead (`add_new`: a plain INSERT either stores every row
    or fails the flush, so each row is new)."""
    touched: list = session.info.pop("zw_aggregates_gone", [])
    editions: set[int] = set()
    new = [obj for obj in session.new if isinstance(obj, WeighIn)]
    for obj in session.dirty:
        if isinstance(obj, WeighIn) and _changed(obj, _WATCHED):
            touched += _versions(obj)
        elif isinstance(obj, Edition) and obj.id is not None and \
                _changed(obj, _EDITION_CALENDAR):
            editions.add(obj.id)
    rows = [_new_row(obj) for obj in new]
    if new and not touched and not editions and None not in rows:
        add_new(session.connection(), rows)
        return
    touched += [(obj.household_id, obj.measured_at) for obj in new]
    if touched or editions:
        refresh(session.connection(), touched, editions)


def _on_execute(state) -> object:
    """ORM bulk INSERT / UPDATE / DELETE of weigh-ins: their cells rebuilt after the statement."""
    statement = state.statement
    table = getattr(statement, "table", None)  # an annotated copy for ORM statements
    if not (state.is_insert or state.is_update or state.is_delete) or \
            getattr(table, "name", None) != WeighIn.__tablename__:
        return None
    conn = state.session.connection()
    w = WeighIn.__table__
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        if not rows or any("household_id" not in r or "measured_at" not in r for r in rows):
            raise ValueError("monthly aggregates: an insert of weigh-ins must give "
                             "household_id and measured_at as parameters")
        result = state.invoke_statement()
        refresh(conn, [(r["household_id"], r["measured_at"]) for r in rows])
        return result
    where = statement.whereclause if statement.whereclause is not None else literal(True)
    before = conn.execute(select(w.c.id, w.c.household_id, w.c.measured_at).where(where)).all()
    result = state.invoke_statement()
    touched = [(h, t) for _i, h, t in before]
    if state.is_update and before:
        touched += conn.execute(select(w.c.household_id, w.c.measured_at)
                                .where(w.c.id.in_([i for i, _h, _t in before]))).all()
    refresh(conn, touched)
    return result


def install() -> None:
    """Listen to every session's flushes and ORM bulk statements (once)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)


# ------------------------------------------------------------------ the read side
def months_over(edition, as_of: dt.date) -> int:
    """How many challenge months have their last date on or before `as_of` (their cells are
    final for any later date)."""
    last = dt.date.fromordinal(as_of.toordinal() + 1)
    return sum(1 for k in range(1, edition.months + 1)
               if edition.start_date + relativedelta(months=k) <= last)


def until_of(edition, as_of: dt.date) -> dt.datetime:
    """The UTC instant where the day after `as_of` starts in the edition's time zone."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(),
                               ZoneInfo(edition.timezone)).astimezone(UTC)


CELL_COLUMNS = {"household_id": "int64", "month": "int64", "grams": "int64", "w1": "int64",
                "w2": "int64", "w3": "int64", "w4": "int64", "diverted_grams": "int64",
                "diverted": "int64", "flagged": "int64", "rejected": "int64"}


def cells_query(edition, as_of: dt.date, household_ids=None):
    """The aggregate rows of the months over by `as_of` (the method's ``cells``)."""
    agg = _table()
    return _of_months_over(select(*(agg.c[name] for name in CELL_COLUMNS)), edition, as_of,
                           household_ids)


def _of_months_over(query, edition, as_of: dt.date, household_ids=None):
    """`query` on the aggregate table kept to the edition's cells of the months over by
    `as_of` (and to these households), as `cells_query` and `_packed_query` read them."""
    agg, hh = _table(), Household.__table__
    query = (query.join(hh, agg.c.household_id == hh.c.id)
             .where(hh.c.edition_id == edition.id,
                    agg.c.month.between(1, months_over(edition, as_of))))
    if household_ids is not None:
        query = query.where(agg.c.household_id.in_(household_ids))
    return query


def raw_range(edition, as_of: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """Where the raw weigh-ins the method still needs lie: the month in progress, from its
    start up to the end of `as_of` (None: every started month is over)."""
    bounds = _bounds(edition)
    k = months_over(edition, as_of)
    if k >= edition.months:
        return None
    lo = segment_start(bounds, k + 1)
    hi = until_of(edition, as_of)
    return (lo, hi) if hi > lo else None


def last_weighin_times(conn: Connection, edition, as_of: dt.date, household_ids=None,
                       bulk: bool = True) -> pd.Series:
    """The time of each household's latest weigh-in dated up to `as_of` (any status), as a
    Series of UTC Timestamps indexed by household id (households without one left out).

    From the cells only: segments follow each other in time and a cell exists only while it
    holds a row, so the latest weigh-in of the segments over by then is the ``last_at`` of
    the household's last cell among them (one index step back, no grouping), and that of the
    segment `as_of` falls in holds the answer unless some of its rows are dated after `as_of`
    (a past date looked at): only those households read their raw rows. (Issue 19: a grouped
    max over every cell and a raw read of every household, even of an empty range, with the
    times as Python datetimes, were a fifth of the cohort page at 10,000 households.)"""
    agg, hh, w = _table(), Household.__table__, WeighIn.__table__
    bounds, until = _bounds(edition), until_of(edition, as_of)
    over = [m for m in range(0, edition.months + 2)
            if (end := segment_end(bounds, m)) is not None and end <= until]
    last_over = max(over) if over else -1
    current = last_over + 1  # the segment `until` falls in: its rows before `until` count
    start = segment_start(bounds, current)
    if start is not None and start >= until:  # `until` is where it starts: none of its rows
        current = -1  # (no cell has that segment)
    done = (select(agg.c.last_at)
            .where(agg.c.household_id == hh.c.id, agg.c.month <= last_over)
            .order_by(agg.c.month.desc()).limit(1).scalar_subquery())
    now = (select(agg.c.last_at)
           .where(agg.c.household_id == hh.c.id, agg.c.month == current).scalar_subquery())
    query = select(hh.c.id, done, now).where(hh.c.edition_id == edition.id)
    if household_ids is not None:
        query = query.where(hh.c.id.in_(household_ids))
    with bulk_rows():
        rows = _fetch(conn, query, bulk)
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        done = _utc_times([r[1] for r in rows])
        now = _utc_times([r[2] for r in rows])
        del rows
    later = now >= np.datetime64(until.replace(tzinfo=None), "ns")  # rows after `as_of`
    if later.any():  # in the segment: their raw rows before `until` decide
        raw = (select(w.c.household_id, func.max(w.c.measured_at))
               .where(w.c.household_id.in_(ids[later].tolist()), w.c.measured_at < until,
                      *([w.c.measured_at >= start] if start is not None else []))
               .group_by(w.c.household_id))
        found = dict(conn.execute(raw).all())
        now[later] = _utc_times([found.get(h) for h in ids[later].tolist()])
    latest = np.fmax(done, now)  # NaT where a household has neither
    keep = ~np.isnat(latest)
    return pd.Series(pd.DatetimeIndex(latest[keep]).tz_localize("UTC"), index=ids[keep])


def _utc_times(values: list) -> np.ndarray:
    """Times as the driver gives them (SQLite: naive UTC text; PostgreSQL: aware datetimes;
    None) as naive UTC datetime64[ns] (NaT for None), parsed at once."""
    if not values:
        return np.array([], dtype="datetime64[ns]")
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


@contextmanager
def bulk_rows():
    """No cyclic garbage collection while a bulk read's rows are made and turned into arrays.

    Each row is a new tuple: tens of thousands of them set off the collector's generational
    passes, the oldest of which walks every object of the process (a web app's modules,
    templates and caches), for rows that hold only numbers and text and go as soon as they
    are converted (freed by their reference counts, collector or not). At 10,000 households
    the collections set off by the cohort page's reads cost more than a fifth of the page.
    The collector is back on when the block ends (as it was: a caller that turned it off
    keeps it off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _fetch(conn: Connection, query, bulk: bool = True) -> list:
    """A query's rows: straight from the DBAPI cursor (`bulk`, no Row objects, no result
    processing; call it inside `bulk_rows`) or through SQLAlchemy (a few rows: its
    statement cache costs less)."""
    if not bulk:
        return conn.execute(query).all()
    compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positiontup:
        params = tuple(params[k] for k in compiled.positiontup)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def last_weighins(conn: Connection, edition, as_of: dt.date,
                  household_ids=None) -> dict[int, dt.datetime]:
    """Household id → the time of its latest weigh-in dated up to `as_of` (any status), as
    aware UTC datetimes (`last_weighin_times`)."""
    bulk = household_ids is None or len(household_ids) > SMALL_READ
    latest = last_weighin_times(conn, edition, as_of, household_ids, bulk)
    return {hid: t.to_pydatetime() for hid, t in latest.items()}


# ------------------------------------------------------------------ checking
@dataclass(frozen=True)
class Difference:
    """One cell where the stored aggregate and the raw rows disagree (None: no row)."""

    household_id: int
    month: int
    stored: tuple | None
    expected: tuple | None


def _rows(conn, query, params=None) -> dict[tuple, tuple]:
    return {(r[0], r[1]): tuple(_normal(v) for v in r[2:])
            for r in conn.execute(query, params)}


def _normal(value):
    """Values compared as the same Python types whatever the driver gave (sums may be
    Decimal on PostgreSQL, times naive on SQLite)."""
    if isinstance(value, dt.datetime):
        return _instant(value)
    return int(value) if value is not None else None


@lru_cache(maxsize=64)
def _verify_statements(bounds, counted) -> tuple:
    """The recomputation and the stored cells of some households (one expanding parameter),
    built once per edition calendar as `_rebuild_statements` (the test suite verifies every
    test's editions: building the grouped statement was most of a check's CPU)."""
    agg = _table()
    ids = bindparam("household_ids", expanding=True)
    return (_grouped(bounds, counted, WeighIn.__table__.c.household_id.in_(ids)),
            select(agg.c.household_id, agg.c.month, *(agg.c[c] for c in VALUE_COLUMNS))
            .where(agg.c.household_id.in_(ids)))


def verify(conn: Connection, edition, progress: Callable[[int], None] | None = None
           ) -> list[Difference]:
    """Every cell of an edition recomputed from the raw rows and compared with the table."""
    hh = Household.__table__
    recompute, cells = _verify_statements(_bounds(edition), tuple(edition.counted_streams))
    ids = [i for (i,) in conn.execute(select(hh.c.id).where(hh.c.edition_id == edition.id)
                                      .order_by(hh.c.id))]
    out: list[Difference] = []
    for i in range(0, len(ids), VERIFY_CHUNK):
        chunk = {"household_ids": ids[i:i + VERIFY_CHUNK]}
        expected = _rows(conn, recompute, chunk)
        stored = _rows(conn, cells, chunk)
        for key in sorted(set(expected) | set(stored)):
            if expected.get(key) != stored.get(key):
                out.append(Difference(*key, stored.get(key), expected.get(key)))
        if progress:
            progress(len(chunk["household_ids"]))
    # cells of households that are not in the edition any more cannot exist (cascade)
    return out


def verify_all(session: Session) -> dict[str, list[Difference]]:
    """Every edition checked (for tests: `assert not any(verify_all(s).values())`)."""
    session.flush()
    conn = session.connection()
    return {e.slug: verify(conn, e) for e in session.scalars(select(Edition))}


#: Counts sent packed by `cells_frame`'s bulk read: (columns, bits a column), the first
#: column in the low bits. Each value below 2 ** (bits - 1) packs (the sum stays below 2 ** 63,
#: whatever the database's integer); a cell holding a larger one (a runaway scale's week)
#: comes as -1 and is read again unpacked.
PACKED = ((("w1", "w2", "w3", "w4"), 16), (("diverted", "flagged", "rejected"), 21))


def _number(value: int):
    """An integer constant written in the statement as a bigint, not a parameter (PostgreSQL
    reads a small constant as an integer, and an integer column times an integer overflows
    past 2 ** 31: a cell of 1,024 flagged weigh-ins failed the packed read)."""
    return literal_column(f"CAST({int(value)} AS BIGINT)", BigInteger)


def _packed_query(edition, as_of: dt.date, household_ids=None):
    """`cells_query` with the counts of `PACKED` as one integer each: six values a cell
    instead of eleven (the driver's cost is per value: a third of the read at 10,000
    households went into the counts, mostly zeros and small numbers)."""
    agg = _table()
    packs = []
    for names, bits in PACKED:
        fits = and_(*(agg.c[n] < _number(2 ** (bits - 1)) for n in names))
        total = agg.c[names[0]]
        for i, n in enumerate(names[1:], 1):
            total = total + agg.c[n] * _number(2 ** (bits * i))
        packs.append(case((fits, total), else_=_number(-1)))
    return _of_months_over(
        select(agg.c.household_id, agg.c.month, agg.c.grams, agg.c.diverted_grams, *packs),
        edition, as_of, household_ids)


def _columnwise(conn: Connection, query) -> np.ndarray | None:
    """The integer rows of `query` as a matrix, read as one text per column: the database
    joins each column's values with commas in one pass over the rows (SQLite's
    ``group_concat``, PostgreSQL's ``string_agg``) and numpy parses each text in C. Half the
    time of fetching the rows at 10,000 households on SQLite (the driver builds a Python
    tuple and an int per value). The aggregates of one statement see the rows in the same
    order, so the columns line up; each text must hold ``count(*)`` values (checked). None for
    another database."""
    dialect = conn.dialect.name
    sub = query.subquery()
    comma = literal_column("','")  # written in the statement: SQLite's group_concat with a
    # bound separator took twice as long
    if dialect == "sqlite":
        texts = [func.group_concat(c, comma) for c in sub.c]
    elif dialect == "postgresql":
        texts = [func.string_agg(cast(c, Text), comma) for c in sub.c]
    else:
        return None
    count, *columns = _fetch(conn, select(func.count(), *texts).select_from(sub))[0]
    if not count:
        return np.empty((0, len(columns)), dtype=np.int64)
    parsed = [np.fromstring(text, dtype=np.int64, sep=",") for text in columns]
    if any(len(p) != count for p in parsed):
        raise ValueError("a column of the bulk read did not parse to one value a row")
    return np.column_stack(parsed)


def cells_frame(conn: Connection, edition, as_of: dt.date, household_ids=None,
                bulk: bool = True) -> pd.DataFrame:
    """The method's ``cells`` of an edition at `as_of` as a DataFrame.

    `bulk`: one text per column (`_columnwise`) parsed by numpy into one int64 matrix (every
    column is an integer), the counts packed (`PACKED`); otherwise through SQLAlchemy (a few
    rows)."""
    if not bulk:
        rows = _fetch(conn, cells_query(edition, as_of, household_ids), bulk)
        matrix = np.array(rows, dtype=np.int64).reshape(-1, len(CELL_COLUMNS))
        return pd.DataFrame(matrix, columns=list(CELL_COLUMNS))
    query = _packed_query(edition, as_of, household_ids)
    matrix = _columnwise(conn, query)
    if matrix is None:  # another database: the rows
        with bulk_rows():
            rows = _fetch(conn, query)
            matrix = np.array(rows, dtype=np.int64).reshape(-1, 4 + len(PACKED))
            del rows
    columns = {"household_id": matrix[:, 0], "month": matrix[:, 1], "grams": matrix[:, 2],
               "diverted_grams": matrix[:, 3]}
    for j, (names, bits) in enumerate(PACKED):
        packed = matrix[:, 4 + j]
        for i, name in enumerate(names):
            columns[name] = (packed >> (bits * i)) & (2 ** bits - 1)
    frame = pd.DataFrame({name: columns[name] for name in CELL_COLUMNS})
    big = (matrix[:, 4:] < 0).any(axis=1)
    if big.any():  # some count too large to pack: those households' cells read unpacked
        ids = sorted(set(matrix[big, 0].tolist()))
        again = cells_frame(conn, edition, as_of, ids, bulk=False).set_index(
            ["household_id", "month"])
        key = pd.MultiIndex.from_arrays([frame["household_id"], frame["month"]])
        rows_big = np.flatnonzero(big)
        fix = again.loc[key[rows_big]]
        for name in CELL_COLUMNS:
            if name not in ("household_id", "month"):
                frame.loc[rows_big, name] = fix[name].to_numpy()
    return frame

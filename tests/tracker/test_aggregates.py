"""The monthly aggregates (tracker.aggregates) stay exact through every write path.

Hypothesis drives random sequences of writes through the service functions every entry point
calls (web form, API/offline replays, CSV import, ingest batches on both of the ingest's paths,
corrections, staff reviews, deletions, sizes, absences, accepted months, erasure, a transaction
rolled back), and new rows added to their cells by `aggregates.add_new` after a driver-level
insert that skipped some of them (before the start, after the end, rejected), then checks
on both databases that (1) every cell equals its recomputation from the raw rows
(`verify_all`), and (2) the progress tables read from the aggregates are identical to the
method run on the raw rows, at dates inside months, on a month's last day and after the end.
"""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dashboards.method import cohort_progress, household_progress, week_coverage
from tracker import aggregates, clock, services
from tracker.csvio import open_rows
from tracker.domain import DomainError
from tracker.models import WeighIn
from tracker.progress import compute, edition_params, load_frames, weeks
from tracker.services import coverage, imports, offline, privacy
from tracker.services.devices import provision_device
from tracker.services import ingest_pipeline
from tracker.services.ingest import (ScaleReading, prepare_scale_readings,
                                     record_scale_readings)

ZONE = ZoneInfo("Europe/Paris")
START = dt.date(2026, 1, 31)  # month ends from the start: Feb 28, Mar 31, Apr 30
MONTHS = 3
NOW = dt.datetime(2026, 5, 20, 12, 0, tzinfo=dt.timezone.utc)
STREAMS = ["residual", "packaging", "glass", "biowaste"]
HOUSEHOLDS = 3
_serial = itertools.count()

day = st.integers(0, 92)  # a few days past the end: refused, nothing may change
when = st.tuples(day, st.integers(0, 23), st.sampled_from([0, 30, 59]))
weight = st.sampled_from([250, 1200, 3000, 16_000])  # 16 kg: flagged
stream = st.sampled_from(STREAMS)
who = st.integers(0, HOUSEHOLDS - 1)
pick = st.integers(0, 10_000)  # an existing weigh-in, by index modulo their number


def _op(name, *parts):
    """(name, a strategy of (name, *parts)): one kind of write of `_apply`."""
    return name, st.tuples(st.just(name), *parts)


OPS_BY_KIND = dict((
    _op("web", who, when, stream, weight),
    _op("api", who, when, stream, weight, st.booleans()),
    _op("import", st.lists(st.tuples(who, day, stream, weight), min_size=1, max_size=4)),
    # readings: household, time, weight, the bin it names (None: the scale's), a redelivery
    # (of the batch's previous reading, of an earlier batch's); days past the end: refused.
    # Pipelined: PostgreSQL's path (tracker.services.ingest_pipeline), else the plain one.
    _op("ingest", st.lists(st.tuples(who, when, weight, st.one_of(st.none(), stream),
                                     st.sampled_from(["new", "batch", "old"])),
                           min_size=1, max_size=8),
        st.booleans()),
    # rows inserted by the driver (ON CONFLICT DO NOTHING) then given to add_new, as the
    # ingest does, dated from before the start to after the end, any status; a repeat is a
    # (device, seq) already stored: the row count is short and the cells are recomputed
    _op("new_rows", st.lists(st.tuples(
        who, st.tuples(st.integers(-4, 95), st.integers(0, 23), st.sampled_from([0, 59])),
        stream, weight, st.sampled_from(["accepted", "flagged", "rejected"]), st.booleans()),
        min_size=1, max_size=6)),
    _op("correct", pick, st.one_of(st.none(), stream), st.one_of(st.none(), weight),
        st.one_of(st.none(), when)),
    _op("review", pick, st.sampled_from(["accepted", "rejected"])),
    _op("delete", pick),
    _op("size", who, st.integers(1, 6), day),
    _op("absence", who, day, st.integers(0, 12)),
    _op("accept", who, st.integers(1, MONTHS)),
    _op("erase", who),
    _op("rollback", who, when, stream, weight),
))
OPS = st.one_of(*OPS_BY_KIND.values())


def _at(w) -> dt.datetime:
    d, hour, minute = w
    local = dt.datetime.combine(START + dt.timedelta(days=d), dt.time(hour, minute), ZONE)
    return local.astimezone(dt.timezone.utc)


class World:
    """One edition with its households, scales and a staff member, made for one example."""

    def __init__(self, s):
        n = next(_serial)
        self.edition = services.create_edition(s, slug=f"agg-{n}-{uuid.uuid4().hex[:6]}",
                                               name=f"Agrégats {n}", start=START, months=MONTHS)
        self.households = [services.create_household(s, self.edition, name=f"Foyer {i}",
                                                     persons=i + 1)
                           for i in range(HOUSEHOLDS)]
        self.devices = [provision_device(s, h, stream=STREAMS[i % 4],
                                         device_id=f"sc-{n}-{i}")[0].id
                        for i, h in enumerate(self.households)]
        self.staff = services.create_account(s, email=f"staff-{n}@example.org",
                                             password="motdepasse-123", role="staff")
        self.seq = itertools.count(1)
        self.sent: list[tuple[str, int]] = []  # (device, seq) of the readings sent
        self.raw: list[tuple[str, int]] = []  # and of the rows of "new_rows"
        s.commit()

    def household(self, s, i):
        h = self.households[i]
        return None if h is None else s.merge(h)

    def weighin(self, s, k):
        ids = s.scalars(select(WeighIn.id).join(WeighIn.household)
                        .where(WeighIn.household.has(edition_id=self.edition.id))
                        .order_by(WeighIn.id)).all()
        return s.get(WeighIn, ids[k % len(ids)]) if ids else None


def _apply(s, world: World, op) -> None:
    kind, *args = op
    if kind in ("web", "rollback"):
        i, w, bin_, g = args
        h = world.household(s, i)
        if h is not None:
            services.record_weighin(s, h, stream=bin_, weight_g=g, measured_at=_at(w),
                                    source="web")
        if kind == "rollback":
            s.rollback()
    elif kind == "api":
        i, w, bin_, g, twice = args
        h = world.household(s, i)
        if h is not None:
            key = uuid.uuid4()
            for _ in range(1 + twice):  # a replay of the same weigh-in adds nothing
                offline.record_once(s, h, client_uuid=key, stream=bin_, weight_g=g,
                                    measured_at=_at(w), source="api")
    elif kind == "import":
        lines = ["household,date,stream,weight_kg"]
        for i, d, bin_, g in args[0]:
            name = world.households[i].name if world.households[i] else "Inconnu"
            lines.append(f"{name},{START + dt.timedelta(days=d)},{bin_},{g / 1000}")
        table = open_rows("\n".join(lines).encode(), ("household", "date", "stream",
                                                      "weight_kg"))
        with table:
            report = imports.import_weighins(s, s.merge(world.edition), table)
        if not report.ok:
            s.rollback()
    elif kind == "ingest":
        readings, pipelined = args
        batch = []
        for i, w, g, bin_, repeat in readings:
            if repeat == "batch" and batch:
                device, seq = batch[-1].device_id, batch[-1].seq
            elif repeat == "old" and world.sent:
                device, seq = world.sent[len(batch) % len(world.sent)]
            else:
                device, seq = world.devices[i], next(world.seq)
            batch.append(ScaleReading(device_id=device, seq=seq, weight_g=g, stream=bin_,
                                      measured_at=_at(w), topic="t", payload=b"{}"))
        world.sent += [(r.device_id, r.seq) for r in batch]
        if pipelined and ingest_pipeline.pipeline_available(s):
            prepared = prepare_scale_readings(s, batch, now=NOW)
            ingest_pipeline.store_batch(s, prepared, [], [], now=NOW, max_per_hour=3)
        else:
            record_scale_readings(s, batch, now=NOW, max_per_hour=3)
    elif kind == "new_rows":
        rows, inserted = [], 0
        conn = s.connection()  # not the session: no hook sees these inserts
        table = WeighIn.__table__
        for i, w, bin_, g, status, repeat in args[0]:
            h = world.household(s, i)
            if h is None:
                continue
            stored = [r for r in world.raw if r[0] in world.devices]  # not of an erased one
            if repeat and stored:
                device, seq = stored[len(rows) % len(stored)]
            else:
                device, seq = world.devices[i], next(world.seq)
                world.raw.append((device, seq))
            row = {"household_id": h.id, "stream": bin_, "weight_g": g, "measured_at": _at(w),
                   "source": "scale", "status": status, "flag_reason": "", "note": "",
                   "created_at": NOW, "device_id": device, "seq": seq}
            insert = (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)
            inserted += conn.execute(insert(table).on_conflict_do_nothing(
                index_elements=["device_id", "seq"]), row).rowcount
            rows.append((h.id, row["measured_at"], status, bin_, g))
        aggregates.add_new(conn, rows, inserted)
    elif kind == "correct":
        k, bin_, g, w = args
        found = world.weighin(s, k)
        if found is not None:
            services.correct_weighin(s, found.household, found.id, stream=bin_, weight_g=g,
                                     measured_at=_at(w) if w else None, now=NOW)
    elif kind == "review":
        found = world.weighin(s, args[0])
        if found is not None:
            services.review_weighin(s, found.id, args[1])
    elif kind == "delete":
        found = world.weighin(s, args[0])
        if found is not None:
            services.delete_weighin(s, found.household, found.id)
    elif kind == "size":
        i, persons, d = args
        h = world.household(s, i)
        if h is not None:
            services.set_household_size(s, h, persons=persons,
                                        valid_from=START + dt.timedelta(days=d))
    elif kind == "absence":
        i, d, length = args
        h = world.household(s, i)
        if h is not None:
            coverage.declare_absence(s, h, date_from=START + dt.timedelta(days=d),
                                     date_to=START + dt.timedelta(days=d + length))
    elif kind == "accept":
        h = world.household(s, args[0])
        if h is not None:
            coverage.accept_month(s, h, month=args[1], reason="semaines notées sur papier")
    elif kind == "erase":
        h = world.household(s, args[0])
        if h is not None:
            privacy.erase_household(s, h, s.merge(world.staff), h.name)
            world.households[args[0]] = None
            # its scale went with it: a later "new_rows" must not repeat its rows' keys (a
            # foreign key violation, not a test of the aggregates)
            world.raw = [(d, q) for d, q in world.raw if d != world.devices[args[0]]]
            world.devices[args[0]] = "gone"
    s.commit()


def _raw_tables(conn, edition, as_of):
    frames = load_frames(conn, edition.id)
    hp = household_progress(frames.weighins, frames.sizes, frames.households,
                            edition_params(edition), as_of, absences=frames.absences,
                            accepted=frames.accepted)
    return hp, cohort_progress(hp)


#: before the start (the last weigh-in from segment 0), inside the first month, on its last
#: day, inside a later month, after the end
AS_OF = [START - dt.timedelta(days=2), START + dt.timedelta(days=3), dt.date(2026, 2, 28),
         dt.date(2026, 3, 15), dt.date(2026, 6, 1)]


def check(s, edition) -> None:
    """Aggregates = recomputation; tables from aggregates = the method on raw rows."""
    assert aggregates.verify(s.connection(), edition) == []
    conn = s.connection()
    for as_of in AS_OF:
        got = compute(conn, edition, as_of, with_streams=False)
        want = _raw_tables(conn, edition, as_of)
        for a, b in zip((got.households, got.cohort), want):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        frames = load_frames(conn, edition.id)
        for hid in frames.households["household_id"].tolist():
            one = frames.weighins[frames.weighins["household_id"] == hid]
            pd.testing.assert_frame_equal(
                weeks(conn, edition, hid, as_of),
                week_coverage(one, frames.sizes, frames.households[
                    frames.households["household_id"] == hid], edition_params(edition),
                    as_of, absences=frames.absences))
        until = aggregates.until_of(edition, as_of)
        raw_last = dict(s.execute(select(WeighIn.household_id, func.max(WeighIn.measured_at))
                                  .where(WeighIn.household.has(edition_id=edition.id),
                                         WeighIn.measured_at < until)
                                  .group_by(WeighIn.household_id)).all())
        assert aggregates.last_weighins(conn, edition, as_of) == raw_last


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=14))
# a repeat after its scale's household was erased (the scale with it): a new row, not a
# repeat of a (device, seq) whose device is gone (a foreign-key error, seen on PostgreSQL)
@example(ops=[("new_rows", [(0, (1, 9, 0), "glass", 250, "accepted", False)]), ("erase", 0),
              ("new_rows", [(1, (2, 9, 0), "glass", 250, "accepted", True)])])
def test_random_writes_keep_the_aggregates_exact(session, frozen, ops):
    world = World(session)
    for op in ops:
        try:
            _apply(session, world, op)
        except DomainError:  # refused by the rules: nothing written, nothing to follow
            session.rollback()
    check(session, session.merge(world.edition))
    assert not any(aggregates.verify_all(session).values())


INGEST_OPS = st.one_of(*(OPS_BY_KIND[name] for name in
                         ("ingest", "new_rows", "web", "correct", "review", "delete")))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(INGEST_OPS, min_size=2, max_size=12))
def test_ingest_batches_add_exactly_what_a_recompute_finds(session, frozen, ops):
    """The increment of the ingest's new rows (aggregates.add_new), mixed with the writes
    that recompute: every cell equals its recomputation after each write."""
    world = World(session)
    edition = session.merge(world.edition)
    for op in ops:
        try:
            _apply(session, world, op)
        except DomainError:
            session.rollback()
        assert aggregates.verify(session.connection(), edition) == [], op


@pytest.mark.aggregates_unchecked("ends with an increment for a row it never inserted: "
                                  "what verify must report")
def test_add_new_counts_as_the_grouped_statement(session, frozen):
    """One cell of each kind by hand: before the start, each week block, a month's last
    minute, after the end; accepted in a counted bin and in another, flagged, rejected."""
    world = World(session)
    h = world.household(session, 0)
    conn = session.connection()
    rows = [(-2, "residual", "accepted"), (0, "residual", "accepted"),
            (8, "glass", "accepted"), (15, "biowaste", "accepted"), (27, "packaging", "flagged"),
            (28, "residual", "rejected"), (59, "residual", "accepted"), (90, "glass", "accepted")]
    for n, (d, bin_, status) in enumerate(rows):
        conn.execute(WeighIn.__table__.insert(), {
            "household_id": h.id, "stream": bin_, "weight_g": 100 + n, "source": "scale",
            "measured_at": _at((d, 23, 59)), "status": status, "flag_reason": "", "note": "",
            "created_at": NOW})
    aggregates.add_new(conn, [(h.id, _at((d, 23, 59)), status, bin_, 100 + n)
                              for n, (d, bin_, status) in enumerate(rows)], len(rows))
    table = aggregates._table()
    assert session.scalar(select(func.count()).select_from(table)
                          .where(table.c.household_id == h.id)) == 5  # months 0, 1, 2, 3, 4
    assert aggregates.verify(conn, world.edition) == []
    aggregates.add_new(conn, [(h.id, _at((3, 9, 0)), "accepted", "residual", 1)], 1)
    assert [d.month for d in aggregates.verify(conn, world.edition)] == [1]  # no such row


def test_scale_readings_outside_the_months_and_an_edition_moved(session, frozen):
    """Rows before the start and after the end (written raw, as a restore would) are kept as
    segments 0 and months + 1; moving an edition's start (allowed before it starts) rebuilds
    its cells; the read side still matches the raw rows."""
    world = World(session)
    h = world.households[0]
    for d in (-3, 0, 40, 95):
        session.add(WeighIn(household_id=h.id, stream="residual", weight_g=1000 + d,
                            measured_at=_at((d, 9, 0)), source="import"))
    session.commit()
    assert session.scalar(select(func.count()).select_from(aggregates._table())
                          .where(aggregates._table().c.month == 0)) == 1
    check(session, world.edition)
    edition = session.merge(world.edition)
    edition.start_date = START + dt.timedelta(days=10)
    session.commit()
    assert aggregates.verify(session.connection(), edition) == []
    edition.months = 2
    session.commit()
    assert aggregates.verify(session.connection(), edition) == []


@pytest.mark.aggregates_unchecked("writes a wrong cell on purpose: what verify must report")
def test_verify_reports_a_difference_and_the_command_fails(app, runner, session, frozen):
    world = World(session)
    h = world.households[1]
    services.record_weighin(session, h, stream="glass", weight_g=700,
                            measured_at=_at((5, 10, 0)), source="web")
    session.commit()
    ok = runner.invoke(args=["progress", "verify", "--challenge", world.edition.slug])
    assert ok.exit_code == 0, ok.output
    assert "0 differences" in ok.output or "0 différence" in ok.output
    table = aggregates._table()
    session.execute(table.update().where(table.c.household_id == h.id).values(grams=1))
    session.commit()
    bad = runner.invoke(args=["progress", "verify", "--challenge", world.edition.slug])
    assert bad.exit_code == 1
    assert "700" in bad.output and "(1," in bad.output


def _bulk_read_is_the_tables(conn, edition, as_of) -> pd.DataFrame:
    """`cells_frame`'s bulk read, checked value by value against the cells read plainly
    through SQLAlchemy (`cells_query`); returns it."""
    plain = pd.DataFrame(
        [tuple(r) for r in conn.execute(aggregates.cells_query(edition, as_of))],
        columns=list(aggregates.CELL_COLUMNS)).astype("int64")
    bulk = aggregates.cells_frame(conn, edition, as_of)
    order = ["household_id", "month"]
    pd.testing.assert_frame_equal(
        bulk.sort_values(order).reset_index(drop=True),
        plain.sort_values(order).reset_index(drop=True), check_exact=True)
    return bulk


@pytest.mark.aggregates_unchecked("cells written by hand, with no weigh-in behind them, to read "
                                  "counts too large to pack")
def test_cells_read_in_bulk_with_counts_too_large_to_pack(session, frozen):
    """The bulk read packs the counts of a cell into two integers (`aggregates.PACKED`); a
    count too large for its bits (a runaway scale's week) is read unpacked: the frame is the
    table's rows either way, on both databases."""
    world = World(session)
    conn = session.connection()
    table = aggregates._table()
    big = {"w1": 2 ** 15, "w2": 0, "w3": 7, "w4": 2 ** 15 - 1, "diverted": 2 ** 20 - 1,
           "flagged": 2 ** 20, "rejected": 3, "grams": 2 ** 40, "diverted_grams": 5}
    small = {"w1": 1, "w2": 2, "w3": 3, "w4": 2 ** 15 - 1, "diverted": 2 ** 20 - 1,
             "flagged": 0, "rejected": 2 ** 20 - 1, "grams": 1234, "diverted_grams": 0}
    values = [(0, 1, big), (0, 2, small), (1, 1, small), (2, 3, {**small, "rejected": 2 ** 20}),
              (2, 1, {**small, "w2": 40_000})]
    for i, month, cell in values:
        conn.execute(table.insert(), {"household_id": world.households[i].id, "month": month,
                                      "last_at": NOW, **cell})
    as_of = dt.date(2026, 6, 1)  # every month over
    bulk = _bulk_read_is_the_tables(conn, world.edition, as_of)
    assert len(bulk) == len(values)
    assert (bulk["w2"] == 40_000).sum() == 1 and (bulk["flagged"] == 2 ** 20).sum() == 1


@pytest.mark.aggregates_unchecked("cells written by hand, with no weigh-in behind them")
def test_the_bulk_read_lines_its_columns_up(session, frozen):
    """The bulk read gets one text per column (`aggregates._columnwise`): many cells of random
    values, some too large to pack, come back as the table's rows, each value in its row; an
    edition with no cell gives an empty frame."""
    import random

    world = World(session)
    conn = session.connection()
    table = aggregates._table()
    as_of = dt.date(2026, 6, 1)
    empty = aggregates.cells_frame(conn, world.edition, as_of)
    assert len(empty) == 0 and list(empty.columns) == list(aggregates.CELL_COLUMNS)
    rng = random.Random(19)
    values = []
    for h in world.households:
        for month in rng.sample(range(1, 9), rng.randint(1, 8)):
            cell = {n: rng.choice((0, 1, rng.randint(0, 500), rng.randint(0, 2 ** 21)))
                    for n in ("w1", "w2", "w3", "w4", "diverted", "flagged", "rejected")}
            cell.update(grams=rng.randint(0, 2 ** 45), diverted_grams=rng.randint(0, 10 ** 6))
            values.append({"household_id": h.id, "month": month, "last_at": NOW, **cell})
    conn.execute(table.insert(), values)
    bulk = _bulk_read_is_the_tables(conn, world.edition, as_of)
    assert len(bulk) >= 5  # cells of the months over at as_of (the later ones are not read)


def test_the_suites_check_lists_each_differing_column(app, session, frozen, database_url):
    """What every test using a database ends with (tests/conftest.py): nothing on exact cells,
    one line per differing column, nothing to check without the database."""
    import sqlite3

    from tests.conftest import _aggregate_differences

    world = World(session)
    h = world.households[1]
    services.record_weighin(session, h, stream="glass", weight_g=700,
                            measured_at=_at((5, 10, 0)), source="web")
    session.commit()
    assert _aggregate_differences(database_url) == []
    table = aggregates._table()
    session.execute(table.update().where(table.c.household_id == h.id).values(grams=1, w2=9))
    session.commit()
    slug = world.edition.slug
    assert _aggregate_differences(database_url) == [
        f"edition {slug} household {h.id} month 1 grams: stored 1, recomputed 700",
        f"edition {slug} household {h.id} month 1 w2: stored 9, recomputed 0"]
    aggregates.rebuild(session.connection(), world.edition.id)
    session.commit()
    assert _aggregate_differences(database_url) == []
    assert _aggregate_differences(f"sqlite:///{app.instance_path}/gone.sqlite3") is None
    bare = f"{app.instance_path}/bare.sqlite3"  # a database below 0150 (a migration test's)
    sqlite3.connect(bare).close()
    assert _aggregate_differences(f"sqlite:///{bare}") is None

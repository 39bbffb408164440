"""Benchmark: the progress method and the staff cohort page against the cost of loading rows.

For 60, 1,000 and 10,000 households over a whole 8-month edition (several weigh-ins per week
per bin), the script writes the rows into a tracker database (SQLite, migrated with the
project's Alembic scripts, times stored as SQLAlchemy stores them), then in the same run
times:

* load: ``tracker.progress.load_frames``, the tracker's read of households, sizes and
  weigh-ins into DataFrames (plain SQL, times parsed once), i.e. what stands before the method;
* method: ``household_progress`` + ``cohort_progress`` (what the cohort page computes), and
  separately ``progress_tables`` (households, bins and cohort from one pass);
* page: ``GET /equipe/defis/<slug>/`` through the Flask test client, signed in as staff: the
  whole cohort overview (load, method, last weigh-in per household, sort, first table page,
  the plotly figure, the template);

and prints the ratios method / load and page / load. The goal is method <= 1.5 x load at
10,000 households.

Monthly aggregates (issue 19, docs/scaling.md): the rows are written raw, then
``tracker.aggregates.rebuild`` fills the aggregate table (``backfill s``, what migration 0150
does once). The page now reads the aggregates of the months that are over, so ``page`` /
``load`` is the page from aggregates against the raw load of the same rows (goal <= 0.05 at
10,000 households). ``grouped s`` is the other design measured in the same run: one grouped
query computed by the database over the raw rows (what every page would run instead of reading
the table), and ``agg read s`` the read of the aggregates into the method's frames.
``RSS MiB`` is the process's peak resident memory so far.

Coverage (DESIGN.md "Coverage and absences"): the method runs with one absence for a tenth of
the households and a few staff-accepted months; ``cover %`` is what the coverage steps (week
blocks, absences, reliable months) add to the method, against the same run with those steps
stubbed out. The goal is at most 20 % at 10,000 households. Both are timed in CPU time
(``time.process_time``, best of the repeats, alternated): on a shared machine the wall time
of a second-long computation swings by more than the 20 % measured.

The rows are written with sqlite3's ``executemany`` in one transaction per 10,000 households,
the scratch file without journal or fsync (``PRAGMA journal_mode=OFF, synchronous=OFF``);
above 10,000 households they are generated 10,000 at a time (own seed each), so memory stays
that of 10,000. ``--pages-only`` also skips design (b) (``grouped s``: nan) and, above
10,000 households, reads the raw rows 10,000 households at a time (``load s`` is the sum):
31.5 M rows from the driver at once need ~8 GiB before any frame is built.

    .venv/bin/python bench/dashboards.py [--households 60,1000,10000] [--repeat 3]
        [--pages-only]   (skip the method and coverage columns: the 100,000 run)
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards.method import (EditionParams, cohort_progress,  # noqa: E402
                               household_progress, progress_tables)

SLUG = "bench"
STAFF = ("bench-staff@example.org", "bench-password-123")

PARAMS = EditionParams(start=dt.date(2026, 3, 1))
AS_OF = dt.date(2026, 11, 1)  # the edition is over: every month complete
STREAMS = ["residual", "packaging", "glass", "biowaste"]
PER_WEEK = {"residual": 3.0, "packaging": 2.0, "glass": 1.0, "biowaste": 3.0}
MEAN_G = {"residual": 2500, "packaging": 1200, "glass": 2000, "biowaste": 900}
#: households generated and written at a time (bench/dashboards.py's memory at 100,000)
CHUNK = 10_000


def generate(n: int, seed: int = 1, first_id: int = 1):
    """Households, sizes and weigh-ins of ``n`` households (ids from ``first_id``) as plain
    Python-free arrays."""
    rng = np.random.default_rng(seed)
    ids = np.arange(first_id, first_id + n)
    households = pd.DataFrame({"household_id": ids, "name": [f"Foyer {i:05d}" for i in ids]})
    first = pd.DataFrame({"household_id": ids, "persons": rng.integers(1, 7, n),
                          "valid_from": "2026-03-01"})
    movers = ids[rng.random(n) < 0.1]
    change = pd.DataFrame({
        "household_id": movers, "persons": rng.integers(1, 7, len(movers)),
        "valid_from": (pd.Timestamp("2026-03-01")
                       + pd.to_timedelta(rng.integers(1, 240, len(movers)), unit="D")
                       ).strftime("%Y-%m-%d"),
    })
    sizes = pd.concat([first, change], ignore_index=True)
    t0 = pd.Timestamp("2026-02-28T23:00:00").value  # Mar 1 00:00 in Paris, as naive UTC
    span = (pd.Timestamp("2026-10-31T23:00:00").value - t0)
    weeks = span / 1e9 / 86400 / 7
    parts = []
    for s in STREAMS:
        counts = rng.poisson(PER_WEEK[s] * weeks, n)
        hh = np.repeat(ids, counts)
        k = len(hh)
        when = t0 + (rng.random(k) * span).astype(np.int64)
        decline = 1.0 - 0.25 * (when - t0) / span  # households do cut their waste
        grams = np.clip(rng.gamma(4.0, MEAN_G[s] / 4.0, k) * decline, 1, 50_000).astype(int)
        status = rng.choice(["accepted", "flagged", "rejected"], k, p=[0.97, 0.02, 0.01])
        parts.append(pd.DataFrame({"household_id": hh, "measured_at": when, "stream": s,
                                   "weight_g": grams, "status": status}))
    w = pd.concat(parts, ignore_index=True).sort_values(["household_id", "measured_at"])
    w["measured_at"] = pd.to_datetime(w["measured_at"]).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return households, sizes, w


def write_db(path: Path, n: int) -> tuple[int, int]:
    """A migrated tracker database holding one edition of ``n`` households.

    Returns the number of weigh-ins and the edition's id.
    """
    from tracker import services
    from tracker.db import Database
    from tracker.migrate import upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    database = Database(url)
    with database.session() as s:
        edition = services.create_edition(s, slug=SLUG, name="Défi bench", start=PARAMS.start)
        services.create_account(s, email=STAFF[0], password=STAFF[1], role="staff")
        edition_id = edition.id
    database.dispose()
    now = "2026-11-01 00:00:00.000000"
    total = 0
    conn = sqlite3.connect(path, isolation_level=None)
    # The bench's scratch file only: no journal, no fsync (a crash loses a file made anew).
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    # The secondary indexes are built once at the end: sorting every row once costs less CPU
    # than keeping two B-trees ordered through 3 M (or 31 M) inserts.
    indexes = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = 'weighins' AND sql IS NOT NULL").fetchall()
    for (sql,) in indexes:
        conn.execute("DROP INDEX " + sql.split(" ON ")[0].split()[-1])
    try:
        # Up to CHUNK households in one draw (the same rows as before for 60 to 10,000); above,
        # CHUNK households at a time, each with its own seed: the memory stays that of 10,000.
        for first in range(1, n + 1, CHUNK):
            size = min(CHUNK, n - first + 1)
            households, sizes, w = generate(size, seed=1 + (first - 1) // CHUNK,
                                            first_id=first)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO households (id, name, edition_id, commune, emails, created_at) "
                "VALUES (?, ?, ?, '', '', ?)",
                zip(households["household_id"].tolist(), households["name"].tolist(),
                    [edition_id] * size, [now] * size))
            conn.executemany(
                "INSERT INTO household_sizes (household_id, persons, valid_from) "
                "VALUES (?, ?, ?)",
                zip(sizes["household_id"].tolist(), sizes["persons"].tolist(),
                    sizes["valid_from"].tolist()))
            for lo in range(0, len(w), 500_000):
                part = w.iloc[lo:lo + 500_000]
                conn.executemany(
                    "INSERT INTO weighins (household_id, measured_at, stream, weight_g, status,"
                    " source, note, flag_reason, created_at) "
                    f"VALUES (?, ?, ?, ?, ?, 'scale', '', '', '{now}')",
                    zip(part["household_id"].tolist(), part["measured_at"].tolist(),
                        part["stream"].tolist(), part["weight_g"].tolist(),
                        part["status"].tolist()))
            conn.execute("COMMIT")
            total += len(w)
            del households, sizes, w
        for (sql,) in indexes:
            conn.execute(sql)
    finally:
        conn.close()
    return total, edition_id


def backfill(database, edition_id: int) -> float:
    """The monthly aggregates rebuilt from the raw rows (migration 0150's backfill); seconds."""
    from tracker import aggregates

    t = time.perf_counter()
    with database.engine.begin() as conn:
        aggregates.rebuild(conn, edition_id)
    return time.perf_counter() - t


def grouped(database, edition_id: int):
    """Design (b): the database groups the raw rows per household × month on each request."""
    from sqlalchemy import select

    from tracker import aggregates
    from tracker.models import Edition, Household, WeighIn

    with database.engine.connect() as conn:
        e = conn.execute(select(Edition.__table__).where(Edition.__table__.c.id == edition_id)
                         ).one()
        bounds = aggregates.block_bounds(e.start_date, e.months, e.timezone)
        ids = select(Household.__table__.c.id).where(
            Household.__table__.c.edition_id == edition_id)
        return conn.execute(aggregates._grouped(
            bounds, tuple(e.counted_streams), WeighIn.__table__.c.household_id.in_(ids))).all()


def read_aggregates(database, edition_id: int):
    """What the page reads now: sizes, absences, and the aggregates of the months over."""
    from tracker.models import Edition
    from tracker.progress import load_inputs
    from sqlalchemy.orm import Session

    with Session(database.engine) as s:
        return load_inputs(s.connection(), s.get(Edition, edition_id), AS_OF)


def rss_mib() -> float:
    """Peak resident memory of this process (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def coverage_inputs(households: pd.DataFrame, seed: int = 2):
    """A tenth of the households away 3 to 20 days once; staff accepted 1 % of months."""
    rng = np.random.default_rng(seed)
    ids = households["household_id"].to_numpy()
    away = ids[rng.random(len(ids)) < 0.1]
    first = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 230, len(away)), "D")
    absences = pd.DataFrame({
        "household_id": away, "date_from": first.date,
        "date_to": (first + pd.to_timedelta(rng.integers(2, 20, len(away)), "D")).date})
    ok = ids[rng.random(len(ids)) < 0.08]
    accepted = pd.DataFrame({"household_id": ok, "month": rng.integers(1, 9, len(ok))})
    return absences, accepted


class _NoCoverage:
    """The grid's coverage steps stubbed out (zeros): the method as it was before them."""

    def __enter__(self):
        from dashboards.grid import Grid

        self.saved = Grid._absences, Grid._coverage

        def absences(g, _):
            g.absent_days = np.zeros(g.H * g.M, np.int64)

        def coverage(g, _):
            z = np.zeros(g.H * g.M, np.int64)
            g.weeks, g.weeks_covered, g.staff_accepted = z, z, z.astype(bool)

        Grid._absences, Grid._coverage = absences, coverage

    def __exit__(self, *exc):
        from dashboards.grid import Grid

        Grid._absences, Grid._coverage = self.saved


def load(database, edition_id: int, household_ids: list[int] | None = None):
    """What the tracker does before calling the method: read and type the rows."""
    from tracker.progress import load_frames

    with database.engine.connect() as conn:
        f = load_frames(conn, edition_id, household_ids)
    return f.weighins, f.sizes, f.households


def staff_client(path: Path):
    """A Flask test client of the tracker on this database, signed in as staff."""
    import re

    from tracker.app import create_app
    from tracker.config import Config

    app = create_app(Config(instance_path=path.parent / "instance",
                            database_url=f"sqlite:///{path}", secret_key="bench",
                            broker_admin_password="bench", mqtt_password="bench"))
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/connexion").get_data(as_text=True)).group(1)
    signed = client.post("/connexion", data={"email": STAFF[0], "password": STAFF[1],
                                             "csrf_token": token})
    assert signed.status_code == 302, "staff sign-in failed"
    return app, client


def best(fn, repeat: int):
    """Best wall time of ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def cpu_best(fns, repeat: int) -> list[float]:
    """Best CPU time of each function, run alternately ``repeat`` times."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.process_time()
            fn()
            times[i].append(time.process_time() - t)
    return [min(t) for t in times]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", default="60,1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages-only", action="store_true",
                    help="skip the method and coverage columns (the 100,000 run)")
    args = ap.parse_args(argv)
    print(f"{'households':>10} {'weigh-ins':>10} {'load s':>8} {'method s':>9} "
          f"{'ratio':>6} {'all 3 s':>8} {'ratio':>6} {'page s':>7} {'ratio':>6} {'KiB':>6} "
          f"{'bare cpu':>8} {'cover %':>7} {'backfill s':>10} {'grouped s':>9} {'ratio':>6} "
          f"{'agg read s':>10} {'ratio':>6} {'RSS MiB':>7}")
    cohort = None
    page_url = f"/equipe/defis/{SLUG}/?date={AS_OF.isoformat()}"
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.households.split(",")):
            path = Path(tmp) / f"bench_{n}.sqlite3"
            t_write = time.perf_counter()
            rows, edition_id = write_db(path, n)
            t_write = time.perf_counter() - t_write
            print(f"# {n:,} households: {rows:,} weigh-ins written in {t_write:.0f} s "
                  f"({rows / t_write:,.0f} rows/s), load average {os.getloadavg()[0]:.1f}",
                  flush=True)
            from tracker.db import Database

            database = Database(f"sqlite:///{path}")
            t_backfill = backfill(database, edition_id)
            if args.pages_only and n > CHUNK:
                # The raw rows of 100,000 households do not fit in memory at once (~260 bytes
                # a row from the driver): read CHUNK households at a time, the times summed.
                t_load = sum(best(lambda: load(database, edition_id, ids), args.repeat)[0]
                             for ids in (list(range(lo, min(lo + CHUNK, n + 1)))
                                         for lo in range(1, n + 1, CHUNK)))
                frames = None
            else:
                t_load, frames = best(lambda: load(database, edition_id), args.repeat)
            if args.pages_only:  # design (b), rejected: 1-2x the load (docs/scaling.md)
                t_grouped = math.nan
            else:
                t_grouped, _rows = best(lambda: grouped(database, edition_id), args.repeat)
            t_read, _inputs = best(lambda: read_aggregates(database, edition_id), args.repeat)
            database.dispose()
            app, client = staff_client(path)  # the web app imported here, after the writing
            database = app.extensions["zw_db"]
            t_page, page = best(lambda: client.get(page_url), args.repeat)
            assert page.status_code == 200, page.status_code
            tail = (f"{t_backfill:>10.2f} {t_grouped:>9.3f} {t_grouped / t_load:>6.3f} "
                    f"{t_read:>10.3f} {t_read / t_load:>6.3f} {rss_mib():>7.0f}")
            if args.pages_only:
                print(f"{n:>10,} {rows:>10,} {t_load:>8.3f} {'-':>9} {'-':>6} {'-':>8} "
                      f"{'-':>6} {t_page:>7.3f} {t_page / t_load:>6.3f} "
                      f"{len(page.data) / 1024:>6.0f} {'-':>8} {'-':>7} {tail}", flush=True)
                database.dispose()
                os.remove(path)
                continue

            absences, accepted = coverage_inputs(frames[2])

            def method():
                hp = household_progress(*frames, PARAMS, AS_OF, absences, accepted)
                return cohort_progress(hp)

            t_method, cohort = best(method, args.repeat)

            def bare():
                with _NoCoverage():
                    method()

            c_method, c_bare = cpu_best([method, bare], max(args.repeat, 5))
            t_all, _ = best(lambda: progress_tables(*frames, PARAMS, AS_OF), args.repeat)
            print(f"{n:>10,} {rows:>10,} {t_load:>8.3f} {t_method:>9.3f} "
                  f"{t_method / t_load:>6.2f} {t_all:>8.3f} {t_all / t_load:>6.2f} "
                  f"{t_page:>7.3f} {t_page / t_load:>6.3f} {len(page.data) / 1024:>6.0f} "
                  f"{c_bare:>8.3f} {100 * (c_method / c_bare - 1):>7.1f} {tail}",
                  flush=True)
            database.dispose()
            os.remove(path)
    if cohort is None:
        return
    last = cohort.iloc[-1]
    print(f"cohort month {last['month']}: reduction {last['reduction_pct']:.1f} %, "
          f"{last['n_at_target']} of {last['n_with_data']} households at target")


if __name__ == "__main__":
    main()

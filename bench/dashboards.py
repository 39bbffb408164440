"""Benchmark: the progress method against the cost of loading its rows from SQLite.

For 60, 1,000 and 10,000 households over a whole 8-month edition (several weigh-ins per week
per bin), the script writes the rows to a SQLite file shaped like the tracker's tables
(times as naive UTC text, as SQLAlchemy stores them), then in the same run times:

* load: ``pandas.read_sql_query`` of households, sizes and weigh-ins, plus the parsing the
  tracker does (UTC timestamps, dates), i.e. what stands before the method;
* compute: ``household_progress`` + ``cohort_progress`` (the whole cohort figure), and
  separately ``progress_tables`` (households, bins and cohort from one pass);

and prints the ratio compute / load. The goal is compute <= 1.5 × load at 10,000 households.

    .venv/bin/python bench/dashboards.py [--households 60,1000,10000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
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

PARAMS = EditionParams(start=dt.date(2026, 3, 1))
AS_OF = dt.date(2026, 11, 1)  # the edition is over: every month complete
STREAMS = ["residual", "packaging", "glass", "biowaste"]
PER_WEEK = {"residual": 3.0, "packaging": 2.0, "glass": 1.0, "biowaste": 3.0}
MEAN_G = {"residual": 2500, "packaging": 1200, "glass": 2000, "biowaste": 900}


def generate(n: int, seed: int = 1):
    """Households, sizes and weigh-ins of ``n`` households as plain Python-free arrays."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
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


def write_db(path: Path, n: int) -> int:
    """A SQLite file with the three tables; returns the number of weigh-ins."""
    households, sizes, w = generate(n)
    with sqlite3.connect(path) as conn:
        households.to_sql("households", conn, index=False)
        sizes.to_sql("household_sizes", conn, index=False)
        w.to_sql("weighins", conn, index=False, chunksize=200_000)
        conn.execute("CREATE INDEX ix_w ON weighins (household_id, measured_at)")
    return len(w)


def load(path: Path):
    """What the tracker does before calling the method: read and type the rows."""
    with sqlite3.connect(path) as conn:
        households = pd.read_sql_query("SELECT household_id, name FROM households", conn)
        sizes = pd.read_sql_query(
            "SELECT household_id, persons, valid_from FROM household_sizes", conn)
        w = pd.read_sql_query(
            "SELECT household_id, measured_at, stream, weight_g, status FROM weighins", conn)
    sizes["valid_from"] = pd.to_datetime(sizes["valid_from"]).dt.date
    w["measured_at"] = pd.to_datetime(w["measured_at"], utc=True, format="ISO8601")
    return w, sizes, households


def best(fn, repeat: int):
    """Best wall time of ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", default="60,1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"{'households':>10} {'weigh-ins':>10} {'load s':>8} {'method s':>9} "
          f"{'ratio':>6} {'all 3 s':>8} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.households.split(",")):
            path = Path(tmp) / f"bench_{n}.sqlite3"
            rows = write_db(path, n)
            t_load, frames = best(lambda: load(path), args.repeat)

            def method():
                hp = household_progress(*frames, PARAMS, AS_OF)
                return cohort_progress(hp)

            t_method, cohort = best(method, args.repeat)
            t_all, _ = best(lambda: progress_tables(*frames, PARAMS, AS_OF), args.repeat)
            print(f"{n:>10,} {rows:>10,} {t_load:>8.3f} {t_method:>9.3f} "
                  f"{t_method / t_load:>6.2f} {t_all:>8.3f} {t_all / t_load:>6.2f}")
            os.remove(path)
    last = cohort.iloc[-1]
    print(f"cohort month {last['month']}: reduction {last['reduction_pct']:.1f} %, "
          f"{last['n_at_target']} of {last['n_with_data']} households at target")


if __name__ == "__main__":
    main()

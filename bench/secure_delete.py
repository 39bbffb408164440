"""Benchmark: what SQLite's ``secure_delete`` (set on every connection by tracker.db) costs.

With it, a deleted or updated row is overwritten with zeros, so an erased household does not
linger in the file's free space. Side by side in one run, on a migrated tracker database with
``secure_delete`` OFF then ON (``--repeat`` rounds, alternating), the script times:

* insert: one web weigh-in per transaction (``services.record_weighin`` and a commit), what a
  family's phone or the API does;
* batch: 1,000 weigh-ins in one transaction (what the ingest commits);
* delete: the weigh-ins of one household (erasure), then a commit;

and prints the medians and the ratio ON / OFF.

    .venv/bin/python bench/secure_delete.py [--inserts 500] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, event  # noqa: E402

from tracker import services  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import WeighIn  # noqa: E402

START = dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone.utc)


def _database(folder: Path, secure: bool) -> tuple[Database, int]:
    path = folder / f"bench-{'on' if secure else 'off'}.sqlite3"
    path.unlink(missing_ok=True)
    upgrade(f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")

    @event.listens_for(database.engine, "connect")
    def _secure(dbapi_conn, _record):  # runs after tracker.db's own pragmas
        dbapi_conn.execute(f"PRAGMA secure_delete={'ON' if secure else 'OFF'}")

    with database.session() as s:
        edition = services.create_edition(s, slug="bench", name="Bench", start=START.date())
        household = services.create_household(s, edition, name="Foyer", persons=3)
        return database, household.id


def _round(folder: Path, secure: bool, inserts: int) -> dict[str, float]:
    database, hid = _database(folder, secure)
    from tracker.models import Household

    timings = {}
    began = time.perf_counter()
    for i in range(inserts):
        with database.session() as s:
            services.record_weighin(s, s.get(Household, hid), stream="residual",
                                    weight_g=1000 + i, source="web", check_median=False,
                                    measured_at=START + dt.timedelta(minutes=i))
    timings["insert"] = (time.perf_counter() - began) / inserts * 1e6
    rows = [{"household_id": hid, "stream": "packaging", "weight_g": 500 + i % 1000,
             "measured_at": START + dt.timedelta(seconds=i), "source": "scale",
             "status": "accepted", "note": "", "flag_reason": "", "created_at": START}
            for i in range(1000)]
    began = time.perf_counter()
    with database.session() as s:
        s.execute(WeighIn.__table__.insert(), rows)
    timings["batch"] = (time.perf_counter() - began) * 1e3
    began = time.perf_counter()
    with database.session() as s:
        s.execute(delete(WeighIn).where(WeighIn.household_id == hid))
    timings["delete"] = (time.perf_counter() - began) * 1e3
    database.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inserts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="zw-bench-") as tmp:
        for _ in range(args.repeat):
            for secure in (False, True):
                results[secure].append(_round(Path(tmp), secure, args.inserts))
    units = {"insert": "µs per weigh-in (own transaction)",
             "batch": "ms per 1,000 weigh-ins (one transaction)",
             "delete": f"ms to delete {args.inserts + 1000} weigh-ins"}
    for key, unit in units.items():
        off = statistics.median(r[key] for r in results[False])
        on = statistics.median(r[key] for r in results[True])
        print(f"{key:7} OFF {off:9.1f}  ON {on:9.1f}  ON/OFF {on / off:5.2f}   {unit}")


if __name__ == "__main__":
    main()

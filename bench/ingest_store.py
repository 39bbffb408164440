"""Benchmark of the ingest's storing side on PostgreSQL (not a test): each way of storing a
batch, side by side in one run, by wall time and by the CPU of the client and of the server.

    python bench/ingest_store.py --database-url postgresql+psycopg://... [--rows 100000]
                                 [--batches 40] [--sizes 1000,1]

Makes a scratch database on the server (bench.scratch, dropped at the end), an edition, a
household and 10 scales, fills the weigh-ins with --rows readings (most of them flagged by
the hourly limit, as after bench/ingest.py's backlog), then stores --batches batches of each
size with each way, taking turns (plain, executemany, unnest, copy, auto, plain, ...) so that a
busy moment of the machine falls on all of them:
  plain        one query at a time through SQLAlchemy (what SQLite keeps)
  executemany  tracker.services.ingest_pipeline: reads in one pipeline, writes in another,
               the weigh-ins as one INSERT per row (psycopg's executemany, pipelined)
  unnest       the same, the weigh-ins as one INSERT ... SELECT FROM unnest(arrays)
  copy         the same, the weigh-ins by COPY into a temporary table then INSERT ... SELECT
  auto         copy from 100 rows, unnest below (what the ingest does)
Each batch is what a storing process does with it (ingest.store.BatchStore: prepare in its
own read, store and commit), decoding left out. Client CPU is this process's
(time.process_time), server CPU the scratch database's backends' (utime + stime in /proc:
run the bench on the server's machine, as root or as the server's user).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import scratch_database  # noqa: E402
from ingest.store import BatchStore  # noqa: E402
from tracker import services  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.services import ingest_pipeline  # noqa: E402
from tracker.services.devices import provision_device  # noqa: E402
from tracker.services.ingest import ScaleReading  # noqa: E402

SCALES = 10
WAYS = ("plain", "executemany", "unnest", "copy", "auto")
TICK = os.sysconf("SC_CLK_TCK")


def backends_cpu(database: str) -> float:
    """CPU seconds used so far by the server's backends connected to `database`."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if not cmdline.startswith(b"postgres: ") or f" {database} ".encode() not in cmdline:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def readings(scales, start_seq: int, n: int, at: dt.datetime) -> list[ScaleReading]:
    return [ScaleReading(device_id=scales[i % len(scales)], seq=start_seq + i,
                         measured_at=at, weight_g=300 + i % 900,
                         topic=f"zw/scales/{scales[i % len(scales)]}/weighin", payload=b"{}")
            for i in range(n)]


def store_one(store: BatchStore, way: str, batch: list, now) -> None:
    store._pipeline = way != "plain"
    if way != "plain":
        ingest_pipeline.INSERT = way
    prepared = store._prepare(batch, now)
    store._commit(batch, now, prepared)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--sizes", default="1000,1")
    parser.add_argument("--max-per-hour", type=int, default=30)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql+psycopg"):
        sys.exit("a PostgreSQL URL through psycopg 3 (postgresql+psycopg://...)")
    with scratch_database(args.database_url) as url:
        run(args, url)


def run(args, url: str) -> None:
    upgrade(url)
    database = url.rsplit("/", 1)[1].split("?", 1)[0]
    db = Database(url)
    today = dt.date.today()
    with db.session() as s:
        edition = services.create_edition(s, slug=f"bench-{os.getpid()}", name="Bench",
                                          start=today.replace(day=1))
        home = services.create_household(s, edition, name="Bench", persons=3)
        scales = [provision_device(s, home, device_id=f"bench-{i:02d}")[0].id
                  for i in range(SCALES)]
    db.dispose()
    store = BatchStore(url, flag_weight_g=15_000, max_per_hour=args.max_per_hour)
    at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=5)
    seq = 1
    t = time.perf_counter()
    while seq <= args.rows:
        n = min(1000, args.rows - seq + 1)
        store_one(store, "unnest", readings(scales, seq, n, at), at)
        seq += n
    print(f"table filled: {args.rows} readings in {time.perf_counter() - t:.1f}s; "
          f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for size in (int(x) for x in args.sizes.split(",")):
        wall = {w: [] for w in WAYS}
        client = dict.fromkeys(WAYS, 0.0)
        server = dict.fromkeys(WAYS, 0.0)
        for _ in range(args.batches):
            for way in WAYS:
                batch = readings(scales, seq, size, at)
                seq += size
                now = dt.datetime.now(dt.timezone.utc)
                s0, c0, w0 = backends_cpu(database), time.process_time(), time.perf_counter()
                store_one(store, way, batch, now)
                wall[way].append(time.perf_counter() - w0)
                client[way] += time.process_time() - c0
                server[way] += backends_cpu(database) - s0
        n = args.batches * size
        print(f"\nbatches of {size} ({args.batches} per way, taken in turns; load average "
              f"{os.getloadavg()[0]:.2f}):")
        print(f"  {'way':12} {'wall p50':>9} {'wall mean':>10} {'client CPU':>13} "
              f"{'server CPU':>13} {'mean / plain':>13}")
        base = statistics.mean(wall["plain"])
        for way in WAYS:
            mean = statistics.mean(wall[way])
            print(f"  {way:12} {statistics.median(wall[way]) * 1000:7.1f}ms "
                  f"{mean * 1000:8.1f}ms {client[way] / n * 1e6:8.0f} µs/r "
                  f"{server[way] / n * 1e6:8.0f} µs/r {mean / base:12.2f}x")
    store.close()


if __name__ == "__main__":
    main()

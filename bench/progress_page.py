"""Benchmark of the family progress page in-process (not a test): its CPU against a trivial
endpoint, and against a weigh-in POST, requests interleaved in the same run.

    python bench/progress_page.py [--households 60] [--rounds 300] [--database-url URL]
                                  [--profile]

1. A fresh database (SQLite in a temporary folder; with --database-url of a PostgreSQL server,
   a scratch database made on it and dropped at the end) seeded as `bench/web.py` seeds it:
   an edition that started two months ago, --households households with two months of
   history (about 1.5 weigh-ins a day).
2. The app (`tracker.app.create_app()`) and Flask's test client, no server: what the Python
   of a request costs, without sockets and queueing.
3. --rounds rounds, each: `GET /healthz` (no database), `POST /api/v1/weighins` (one phone's
   household) and `GET /progres` (the same household's page, chart included), round-robin
   over 20 phones' households (fewer households: one phone each). Each request's CPU
   (`time.process_time`) and wall time.
4. Prints mean / median / p95 of each in ms and the ratios to `/healthz`; the goal is a progress
   page of at most 5 ms of CPU at 60 households. --profile prints cProfile's top functions
   of the progress page (--profile progres) or of the weigh-in (--profile post); SORT=tottime
   and TOP=60 in the environment change the listing.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import in_process_app, scratch_database  # noqa: E402
from bench.web import seed  # noqa: E402

PHONES = 20


def timed(call) -> tuple[float, float, int]:
    """(CPU ms, wall ms, status) of one request."""
    c0, w0 = time.process_time(), time.perf_counter()
    response = call()
    return ((time.process_time() - c0) * 1000, (time.perf_counter() - w0) * 1000,
            response.status_code)


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return (statistics.fmean(values), statistics.median(values),
            ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", choices=["progres", "post"],
                        help="then profile 100 requests of this kind (cProfile)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zw-bench-page-") as tmp, \
            scratch_database(args.database_url or f"sqlite:///{tmp}/zw.sqlite3") as url:
        phones = min(PHONES, args.households)  # one phone per household at most
        tokens = seed(url, args.households, phones)
        app = in_process_app(tmp, url, "bench")
        client = app.test_client()
        rng = random.Random(5)
        headers = [{"Authorization": f"Bearer {t}"} for t in tokens]
        calls = {
            "GET /healthz": lambda h: client.get("/healthz"),
            "POST /api/v1/weighins": lambda h: client.post(
                "/api/v1/weighins", headers=h,
                json={"stream": rng.choice(("residual", "packaging", "glass")),
                      "weight_kg": f"{rng.uniform(0.4, 3.5):.2f}"}),
            "GET /progres": lambda h: client.get("/progres", headers=h),
        }
        ok = {"GET /healthz": 200, "POST /api/v1/weighins": 201, "GET /progres": 200}
        for i in range(30):  # warm-up: imports, caches, the pool
            for kind, call in calls.items():
                status = timed(lambda: call(headers[i % phones]))[2]
                if status != ok[kind]:
                    raise SystemExit(f"{kind} answered {status}")
        cpu: dict[str, list[float]] = {k: [] for k in calls}
        wall: dict[str, list[float]] = {k: [] for k in calls}
        for i in range(args.rounds):
            for kind, call in calls.items():
                c, w, status = timed(lambda: call(headers[i % phones]))
                if status != ok[kind]:
                    raise SystemExit(f"{kind} answered {status}")
                cpu[kind].append(c)
                wall[kind].append(w)
        backend = url.split(":")[0]
        print(f"\n{args.households} households, {backend}, {args.rounds} rounds, in-process "
              f"(Flask test client), {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.2f}")
        print(f"{'request':<24}{'CPU mean':>10}{'median':>8}{'p95':>8}{'wall mean':>11}"
              f"{'median':>8}  CPU ratio to /healthz (mean)")
        base = statistics.fmean(cpu["GET /healthz"])
        for kind in calls:
            cm, c50, c95 = summary(cpu[kind])
            wm, w50, _ = summary(wall[kind])
            print(f"{kind:<24}{cm:>10.2f}{c50:>8.2f}{c95:>8.2f}{wm:>11.2f}{w50:>8.2f}"
                  f"  {cm / base:.1f}")
        page = statistics.fmean(cpu["GET /progres"])
        print(f"progress page: {page:.2f} ms of CPU (mean), /healthz {base:.2f} ms: "
              f"{page - base:.2f} ms above the trivial endpoint (goal: the page at most 5 ms)")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            kind = "GET /progres" if args.profile == "progres" else "POST /api/v1/weighins"
            for i in range(100):
                calls[kind](headers[i % phones])
            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
                int(os.environ.get("TOP", "45")))


if __name__ == "__main__":
    main()

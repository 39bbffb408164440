"""Benchmark of `zw weighins import` (not a test): time and peak memory of a big CSV.

    python bench/imports.py [--rows 100000] [--database-url URL]

A fresh database (SQLite in a temporary folder unless --database-url) with an edition in its
8th month and 60 households; a weigh-in CSV of --rows rows (French headers, `;`, decimal comma,
one note in ten). Each case runs in its own Python process, so that its peak resident memory
(`ru_maxrss`) is its own:
- `csv.reader pass`: the app created, then one plain `csv.reader` pass over the file (the
  yardstick: reading the file at all);
- `import`: the real `zw weighins import` command (validates, inserts, commits);
- `re-import`: the same file again (every row already present: nothing added).
Prints wall and CPU seconds (CPU time is the steadier figure on a loaded machine), the ratio of
CPU time to the csv.reader pass measured in the same run, the peak memory of the process and
what the case added to the peak of the process once the app was created.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOUSEHOLDS = 60
STREAMS = ("OMR", "emballages", "verre", "biodéchets")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build(url: str, path: Path, rows: int, seed: int = 5) -> None:
    """The database (edition and households) and the CSV file."""
    from tracker import services
    from tracker.db import Database
    from tracker.domain import add_months
    from tracker.migrate import upgrade

    upgrade(url)
    database = Database(url)
    start = add_months(dt.date.today().replace(day=1), -7)
    with database.session() as s:
        edition = services.create_edition(s, slug="bench", name="Bench", start=start)
        for i in range(HOUSEHOLDS):
            services.create_household(s, edition, name=f"Foyer {i:03d}", persons=1 + i % 5)
    database.dispose()
    rng = random.Random(seed)
    days = (dt.date.today() - start).days - 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["foyer", "date", "heure", "flux", "poids", "remarque"])
        for n in range(rows):
            day = start + dt.timedelta(days=rng.randrange(days))
            writer.writerow([f"Foyer {rng.randrange(HOUSEHOLDS):03d}", day.strftime("%d/%m/%Y"),
                             f"{rng.randrange(7, 22):02d}:{rng.randrange(60):02d}",
                             rng.choice(STREAMS), f"{rng.uniform(0.1, 9):.3f}".replace(".", ","),
                             f"sac n°{n}, pesé avant la collecte" if n % 10 == 0 else ""])


def child(case: str, path: str) -> None:
    """One case in this process; prints a JSON line with seconds and memory."""
    from tracker.entry import _cli_app

    app = _cli_app()
    before = _maxrss_mb()
    t0, cpu0 = time.perf_counter(), _cpu_s()
    if case == "csv":
        with open(path, encoding="utf-8", newline="") as fh:
            count = sum(1 for _ in csv.reader(fh, delimiter=";"))
        out = f"{count} lines"
    else:
        result = app.test_cli_runner().invoke(args=["weighins", "import", path,
                                                    "--challenge", "bench"])
        out = result.stdout.strip() or result.output.strip() or repr(result.exception)
        out = out.splitlines()[-1]
    seconds, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": _maxrss_mb(),
                      "app_mb": before, "out": out}))


def run_case(case: str, path: Path, env: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", case, str(path)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    from scratch import scratch_database

    with tempfile.TemporaryDirectory() as tmp:
        with scratch_database(args.database_url or f"sqlite:///{tmp}/bench.sqlite3") as url:
            path = Path(tmp) / "pesees.csv"
            build(url, path, args.rows)
            env = {**os.environ, "ZW_DATABASE_URL": url, "ZW_INSTANCE_PATH": f"{tmp}/instance",
                   "ZW_LOCALE": "en"}
            size = path.stat().st_size / 1e6
            print(f"{args.rows:,} rows, {size:.1f} MB, {url.split(':')[0]}")
            print(f"{'case':<16} {'wall s':>7} {'CPU s':>6} {'× csv (CPU)':>11} {'peak MB':>8} "
                  f"{'+MB':>5}  output")
            base = None
            for case, label in (("csv", "csv.reader pass"), ("import", "import"),
                                ("import", "re-import")):
                r = run_case(case, path, env)
                base = base or max(r["cpu"], 1e-3)
                print(f"{label:<16} {r['seconds']:>7.2f} {r['cpu']:>6.2f} {r['cpu'] / base:>11.0f} "
                      f"{r['peak_mb']:>8.0f} {r['peak_mb'] - r['app_mb']:>5.0f}  {r['out']}")


if __name__ == "__main__":
    main()

"""Benchmark of the challenge-life read paths (not a test), beside the progress method they use.

    python bench/life.py [--households 60,1000] [--database-url URL]

For each size: a fresh database (SQLite in a temporary folder unless --database-url) with an
edition in its 8th and last month, households of 1 to 5 persons with about 1.5 weigh-ins
a day (residual, packaging, glass), 10 teams. Then, each timed as the best of 3 runs:
- `progress.compute` (the method alone: the yardstick),
- the cohort report (`reports.cohort_report`: method + kg avoided + per-bin reductions),
- the team leaderboard, one household's report, the silent-households scan,
- the delivery of 1,000 queued mails to the outbox folder (per message).
Prints milliseconds and each one's ratio to `progress.compute` measured in the same run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from tracker import progress, services  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.domain import add_months  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import Edition, Household, WeighIn  # noqa: E402
from tracker.services import mail, reminders, reports, teams  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
STREAMS = (("residual", 0.9, 3500), ("packaging", 0.45, 1400), ("glass", 0.12, 2500))


def build(database: Database, households: int, seed: int = 3) -> int:
    rng = random.Random(seed)
    today = dt.date.today()
    start = add_months(today.replace(day=1), -7)  # month 8 in progress: reminders apply
    with database.session() as s:
        edition = services.create_edition(s, slug="bench", name="Bench", start=start)
        team_list = [teams.create_team(s, edition, f"Équipe {i + 1}") for i in range(10)]
        ids = []
        for i in range(households):
            h = services.create_household(s, edition, name=f"Foyer {i:05d}",
                                          persons=rng.randint(1, 5))
            teams.assign(s, h, team_list[i % 10])
            ids.append((h.id, h.sizes[0].persons))
        edition_id = edition.id
    rows = []
    end = today
    for hid, persons in ids:
        effort = rng.uniform(0, 0.4)
        day = start
        while day < end:
            k = (day - start).days / 30.4
            for stream, per_day, grams in STREAMS:
                if rng.random() < per_day:
                    w = grams * persons / 7 / per_day * (1 - effort * min(1, max(0, k - 1) / 6))
                    at = dt.datetime.combine(day, dt.time(rng.randint(7, 21)), PARIS)
                    rows.append({"household_id": hid, "stream": stream,
                                 "weight_g": int(min(14000, max(50, rng.gauss(w, w / 4)))),
                                 "measured_at": at, "source": "web", "status": "accepted",
                                 "note": "", "flag_reason": ""})
            day += dt.timedelta(days=1)
    with database.engine.begin() as conn:
        for i in range(0, len(rows), 20000):
            conn.execute(insert(WeighIn), rows[i:i + 20000])
    return edition_id, len(rows)


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", default="60,1000")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    print(f"{'households':>10} {'weigh-ins':>10} {'case':<26} {'ms':>9} {'× compute':>10}")
    for n in [int(x) for x in args.households.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
            upgrade(url)
            database = Database(url)
            edition_id, count = build(database, n)
            with database.session() as s:
                edition = s.get(Edition, edition_id)
                one = s.scalar(select(Household).where(Household.edition_id == edition_id))
                cases = {
                    "progress.compute": lambda: progress.compute(s.connection(), edition),
                    "cohort report": lambda: reports.cohort_report(s, edition),
                    "team leaderboard": lambda: teams.leaderboard(s, edition),
                    "one household report": lambda: reports.household_report(s, one),
                    "silent households scan": lambda: reminders.silent_households(s),
                }
                timings = {name: best(fn) for name, fn in cases.items()}
                for _ in range(1000):
                    mail.queue_mail(s, to="famille@example.org", subject="Rappel", body="x" * 600)
                s.commit()
                t0 = time.perf_counter()
                mail.deliver_pending(s, mail.MailSettings(), Path(tmp) / "outbox", limit=1000)
                s.commit()
                per_mail = (time.perf_counter() - t0)
            base = timings["progress.compute"]
            for name, ms in timings.items():
                print(f"{n:>10} {count:>10} {name:<26} {ms:>9.1f} {ms / base:>10.2f}")
            print(f"{n:>10} {count:>10} {'1,000 mails to outbox':<26} {per_mail * 1000:>9.1f}"
                  f" {'(' + format(per_mail, '.2f') + ' ms/mail)':>10}")
            database.dispose()


if __name__ == "__main__":
    main()

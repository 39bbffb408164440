"""A check, not a test: the family progress page's HTML for seeded households, to compare before
and after a change that must not change the page (issue 19: the page made cheaper).

    python bench/progress_snapshot.py OUT_DIR

Seeds one SQLite database (a fixed edition from 1 March 2026, 8 months, 12 households with
random weigh-ins in every bin and status, size changes, absences, a household with nothing),
then writes OUT_DIR/<date>-<lang>-<household>.html for four frozen dates (reference month,
first days of a month, a month with a forecast, after the end) in French and English: 96
pages. The CSRF tokens and CSP nonces are blanked. ``diff -r before after`` must be empty.
"""
from __future__ import annotations

import datetime as dt
import functools
import random
import re
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bench.scratch import in_process_app  # noqa: E402

import tracker.services.accounts as accounts  # noqa: E402
from tracker import clock, services  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import Absence, WeighIn  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
START = dt.date(2026, 3, 1)
DATES = (dt.datetime(2026, 3, 20, 10, tzinfo=dt.timezone.utc),
         dt.datetime(2026, 6, 2, 10, tzinfo=dt.timezone.utc),
         dt.datetime(2026, 8, 17, 10, tzinfo=dt.timezone.utc),
         dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc))
STREAMS = (("residual", 0.8, 3500), ("packaging", 0.4, 1400), ("glass", 0.1, 2500),
           ("biowaste", 0.3, 900))


def seed(url: str) -> list[str]:
    accounts.generate_password_hash = functools.partial(generate_password_hash,
                                                        method="pbkdf2:sha256:1000")
    upgrade(url)
    database = Database(url)
    rng = random.Random(11)
    tokens = []
    end = dt.date(2026, 11, 30)
    with database.session() as s:
        edition = services.create_edition(s, slug="snap", name="Snap", start=START)
        rows = []
        for n in range(12):
            household = services.create_household(s, edition, name=f"Foyer {n:02d}",
                                                  persons=rng.randint(1, 5), commune="Orsay")
            account = services.create_account(s, email=f"foyer{n:02d}@snap.zw",
                                              password="snap-password", household=household)
            tokens.append(services.issue_api_token(s, account))
            if n % 4 == 1:
                services.set_household_size(s, household, persons=rng.randint(1, 6),
                                            valid_from=dt.date(2026, 5, rng.randint(1, 28)))
            if n % 3 == 2:
                first = dt.date(2026, rng.randint(3, 9), rng.randint(1, 20))
                s.add(Absence(household_id=household.id, date_from=first,
                              date_to=first + dt.timedelta(days=rng.randint(3, 16))))
            if n == 11:
                continue  # nothing weighed
            day = START - dt.timedelta(days=3 if n == 3 else 0)
            decline = rng.uniform(0.0, 0.5)
            gap = (dt.date(2026, 7, 1), dt.date(2026, 7, 20)) if n % 5 == 4 else None
            while day <= end:
                if gap and gap[0] <= day <= gap[1]:
                    day += dt.timedelta(days=1)
                    continue
                for stream, chance, grams in STREAMS:
                    if rng.random() < chance:
                        moment = dt.datetime.combine(day, dt.time(rng.randint(6, 22),
                                                                  rng.randint(0, 59)), PARIS)
                        share = 1 - decline * (day - START).days / 240
                        rows.append({"household_id": household.id, "stream": stream,
                                     "weight_g": max(1, int(grams * share
                                                            * rng.uniform(0.5, 1.4))),
                                     "measured_at": moment, "source": "web",
                                     "status": rng.choices(("accepted", "flagged", "rejected"),
                                                           (0.94, 0.04, 0.02))[0],
                                     "note": "", "flag_reason": ""})
                day += dt.timedelta(days=1)
        s.execute(insert(WeighIn), rows)
    database.dispose()
    return tokens


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zw-snap-") as tmp:
        url = f"sqlite:///{tmp}/zw.sqlite3"
        tokens = seed(url)
        app = in_process_app(tmp, url, "snap")
        client = app.test_client()
        real_now = clock.now
        try:
            for when in DATES:
                clock.now = lambda when=when: when
                for lang in ("fr", "en"):
                    for i, token in enumerate(tokens):
                        page = client.get(f"/progres?lang={lang}",
                                          headers={"Authorization": f"Bearer {token}"})
                        assert page.status_code == 200, page.status_code
                        html = page.get_data(as_text=True)
                        html = re.sub(r'(nonce|value)="[^"]{20,}"', r'\1=""', html)
                        (out / f"{when.date()}-{lang}-{i:02d}.html").write_text(html)
        finally:
            clock.now = real_now
    print(f"{len(DATES) * 2 * len(tokens)} pages in {out}")


if __name__ == "__main__":
    main()

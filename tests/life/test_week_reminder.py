"""The reminder of a week still without weigh-ins, two days before the week ends."""
from __future__ import annotations

import datetime as dt

from tracker import clock, services
from tracker.models import Household
from tracker.services import coverage
from tracker.services.preferences import household_settings

UTC = dt.timezone.utc


def _weigh(app, household_id, when):
    with app.extensions["zw_db"].session() as s:
        services.record_weighin(s, s.get(Household, household_id), stream="residual",
                                weight_g=1000, source="web", measured_at=when, now=when)


def test_week_reminder_on_the_last_but_one_day_of_an_uncovered_week(app, runner, world,
                                                                   outbox, monkeypatch):
    # April's week 2 is April 8..14: the reminder goes on April 13. Martin weighed in
    # week 1 only; Durand too (April 7, so not "silent" for 14 days by the 20th), but was
    # away April 8 to 11 (4 of 7 dates: its week 2 is covered).
    _weigh(app, world["martin"], dt.datetime(2026, 4, 2, 8, tzinfo=UTC))
    _weigh(app, world["durand"], dt.datetime(2026, 4, 7, 8, tzinfo=UTC))
    with app.extensions["zw_db"].session() as s:
        coverage.declare_absence(s, s.get(Household, world["durand"]),
                                 date_from=dt.date(2026, 4, 8), date_to=dt.date(2026, 4, 11))

    def run(day, *extra):
        monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 4, day, 7, tzinfo=UTC))
        result = runner.invoke(args=["reminders", "send", *extra])
        assert result.exit_code == 0, result.output
        return result.output

    assert "0 household(s) of a week" in run(12)
    assert "1 household(s) of a week" in run(13, "--dry-run")
    assert outbox.to("martin@example.org") == []
    assert "1 household(s) of a week" in run(13)
    message = outbox.last("martin@example.org")
    assert message["Subject"] == "Pas encore de pesée cette semaine"
    body = outbox.body(message)
    assert "semaine du 8/04 au 14/04" in body and "/pesee" in body and "/absences" in body
    assert outbox.to("durand@example.org") == []
    assert "0 household(s) of a week" in run(13)  # once a week
    # week 3 (April 15..21), reminder on the 20th: Martin switched off by staff
    with app.extensions["zw_db"].session() as s:
        household_settings(s, s.get(Household, world["martin"])).reminders_enabled = False
    assert "1 household(s) of a week" in run(20)  # Durand only
    assert len(outbox.to("martin@example.org")) == 1
    assert len(outbox.to("durand@example.org")) == 1

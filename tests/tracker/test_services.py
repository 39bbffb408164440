"""The service layer every entry point calls (on SQLite and on PostgreSQL)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tracker import services
from tracker.domain import DomainError, NotFound
from tracker.models import WeighIn

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def homes(database):
    with database.session() as s:
        edition = services.create_edition(s, slug="defi", name="Défi",
                                          start=dt.date(2026, 3, 1))
        a = services.create_household(s, edition, name="A", persons=3)
        b = services.create_household(s, edition, name="B", persons=2)
        return {"edition": edition.id, "a": a.id, "b": b.id}


def _household(s, hid):
    from tracker.models import Household

    return s.get(Household, hid)


def _count(s):
    return s.scalar(select(func.count(WeighIn.id)))


def _record(s, hid, **kw):
    args = dict(stream="residual", weight_g=1200,
                measured_at=dt.datetime(2026, 4, 1, 8, 0, tzinfo=PARIS), source="web", now=NOW)
    args.update(kw)
    return services.record_weighin(s, _household(s, hid), **args)


def test_record_and_read_back_aware_utc(database, homes):
    with database.session() as s:
        w = _record(s, homes["a"])
        wid = w.id
    with database.session() as s:
        w = s.get(WeighIn, wid)
        assert w.measured_at == dt.datetime(2026, 4, 1, 6, 0, tzinfo=dt.timezone.utc)
        assert w.measured_at.tzinfo is not None
        assert (w.status, w.source, w.weight_g) == ("accepted", "web", 1200)


@pytest.mark.parametrize("change,field", [
    ({"weight_g": 0}, "weight"), ({"weight_g": -5}, "weight"), ({"weight_g": 50001}, "weight"),
    ({"stream": "textile"}, "stream"),
    ({"measured_at": dt.datetime(2026, 4, 16, 9, 0, tzinfo=dt.timezone.utc)}, "measured_at"),
    ({"measured_at": dt.datetime(2026, 2, 28, 23, 0, tzinfo=PARIS)}, "measured_at"),
    ({"measured_at": dt.datetime(2026, 11, 1, 0, 0, tzinfo=PARIS)}, "measured_at"),
    ({"measured_at": dt.datetime(2026, 4, 1, 8, 0)}, "measured_at")])
def test_record_refusals_store_nothing(database, homes, change, field):
    with database.session() as s:
        with pytest.raises(DomainError) as err:
            _record(s, homes["a"], **change)
        assert err.value.field == field
    with database.session() as s:
        assert _count(s) == 0


def test_edition_edges_in_local_time(database, homes):
    with database.session() as s:
        # 1 March 00:00 Paris is 28 Feb 23:00 UTC: inside. 31 Oct 23:59 Paris: inside.
        _record(s, homes["a"], measured_at=dt.datetime(2026, 2, 28, 23, 0,
                                                       tzinfo=dt.timezone.utc))
        _record(s, homes["a"], measured_at=dt.datetime(2026, 10, 31, 23, 59, tzinfo=PARIS),
                now=dt.datetime(2026, 11, 5, tzinfo=dt.timezone.utc))
        assert _count(s) == 2


def test_heavy_reading_is_flagged(database, homes):
    with database.session() as s:
        w = _record(s, homes["a"], weight_g=16000)
        assert w.status == "flagged" and "15 kg" in w.flag_reason


def test_ten_times_median_is_flagged(database, homes):
    with database.session() as s:
        for day in range(1, 7):
            _record(s, homes["a"], weight_g=500,
                    measured_at=dt.datetime(2026, 3, day, 9, tzinfo=PARIS))
        assert _record(s, homes["a"], weight_g=5001).status == "flagged"
        assert _record(s, homes["a"], weight_g=4000).status == "accepted"


def test_device_seq_unique(database, homes):
    from sqlalchemy.exc import IntegrityError

    from tracker.models import Device

    with database.session() as s:
        s.add(Device(id="scale-1", household_id=homes["a"], secret_hash="x"))
        s.flush()
        device = s.get(Device, "scale-1")
        _record(s, homes["a"], source="scale", device=device, seq=1)
        with pytest.raises(IntegrityError):
            _record(s, homes["a"], source="scale", device=device, seq=1)
        s.rollback()


def test_correct_and_delete_only_own(database, homes):
    with database.session() as s:
        wid = _record(s, homes["a"]).id
    with database.session() as s:
        with pytest.raises(NotFound):
            services.correct_weighin(s, _household(s, homes["b"]), wid, weight_g=1)
        with pytest.raises(NotFound):
            services.delete_weighin(s, _household(s, homes["b"]), wid)
    with database.session() as s:
        w = services.correct_weighin(s, _household(s, homes["a"]), wid, weight_g=900,
                                     stream="glass")
        assert (w.weight_g, w.stream) == (900, "glass")
        with pytest.raises(DomainError):
            services.correct_weighin(s, _household(s, homes["a"]), wid, weight_g=60000)
    with database.session() as s:
        assert s.get(WeighIn, wid).weight_g == 900
        services.delete_weighin(s, _household(s, homes["a"]), wid)
    with database.session() as s:
        assert _count(s) == 0


def test_household_size_history(database, homes):
    with database.session() as s:
        a = _household(s, homes["a"])
        services.set_household_size(s, a, persons=4, valid_from=dt.date(2026, 5, 10))
        services.set_household_size(s, a, persons=5, valid_from=dt.date(2026, 5, 10))
        assert [(z.persons, z.valid_from.isoformat()) for z in a.sizes] == [
            (3, "2026-03-01"), (5, "2026-05-10")]
        assert a.persons_on(dt.date(2026, 5, 9)) == 3 and a.persons_on(dt.date(2026, 6, 1)) == 5
        with pytest.raises(DomainError):
            services.set_household_size(s, a, persons=0, valid_from=dt.date(2026, 6, 1))
        with pytest.raises(DomainError):
            services.set_household_size(s, a, persons=2, valid_from=dt.date(2027, 1, 1))


@pytest.mark.parametrize("kwargs", [{"slug": "Bad Slug"}, {"months": 1}, {"baseline_months": 8},
                                    {"target_pct": 0}, {"counted_streams": ["plutonium"]},
                                    {"timezone": "Mars/Olympus"}, {"slug": "defi"}])
def test_edition_refusals(database, homes, kwargs):
    args = dict(slug="autre", name="Autre", start=dt.date(2026, 1, 1))
    args.update(kwargs)
    with database.session() as s:
        with pytest.raises(DomainError):
            services.create_edition(s, **args)


def test_edition_streams_include_counted_extras(database):
    with database.session() as s:
        e = services.create_edition(s, slug="x2", name="X", start=dt.date(2026, 1, 1),
                                    counted_streams=["residual", "textile"])
        assert "textile" in e.streams and "biowaste" in e.streams
        assert e.counted_streams == ["residual", "textile"]


def test_accounts_and_tokens(database, homes):
    with database.session() as s:
        a = _household(s, homes["a"])
        account = services.create_account(s, email="Ana@Example.org", password="longenough",
                                          household=a)
        assert services.authenticate(s, "ana@example.org", "longenough").id == account.id
        assert services.authenticate(s, "ana@example.org", "wrong-password") is None
        assert services.authenticate(s, "nobody@example.org", "longenough") is None
        token = services.issue_api_token(s, account)
        assert all(token not in t.token_hash for t in services.accounts.api_tokens(s, account))
        assert services.account_for_token(s, token).id == account.id
        with pytest.raises(DomainError):
            services.create_account(s, email="ana@example.org", password="longenough",
                                    household=a)
        with pytest.raises(DomainError):
            services.create_account(s, email="b@example.org", password="short", household=a)

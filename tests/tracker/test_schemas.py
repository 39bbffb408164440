"""The shared schemas: what a phone, the API, a CSV row and a scale may send."""
import datetime as dt
import math

import pytest
from hypothesis import given, settings, strategies as st
from marshmallow import ValidationError

from tracker.domain import normalize_stream
from tracker import schemas
from tracker.schemas import (import_row, load_reading, messages_as_text, parse_date,
                             parse_weight_kg, reading, weighin_input)


@pytest.mark.parametrize("typed,grams", [("1,25", 1250), ("1.25", 1250), (" 2 ", 2000),
                                         ("0,5 kg", 500), (3, 3000), (0.75, 750), ("50", 50000),
                                         (",5", 500), ("1\u00a0,2", 1200)])
def test_weight_accepts_comma_and_dot(typed, grams):
    assert parse_weight_kg(typed) == grams


@pytest.mark.parametrize("typed,message", [
    ("-1", "more than 0"), ("0", "more than 0"), ("0,0001", "more than 0"),
    ("50,001", "50 kg"), ("abc", "number"), ("", "number"), ("1,2,3", "number"),
    ("nan", "number"), ("inf", "number"), (float("nan"), "number"), (True, "number"),
    (None, "number"), ("1e3", "number")])
def test_weight_refuses_bad_values(typed, message):
    with pytest.raises(ValidationError) as err:
        parse_weight_kg(typed)
    assert message in str(err.value.messages)


@given(st.decimals(min_value="0.001", max_value="50", places=3))
def test_weight_round_trips_any_gram(kg):
    text = format(kg, "f")
    assert parse_weight_kg(text) == parse_weight_kg(text.replace(".", ",")) == int(kg * 1000)


@pytest.mark.parametrize("name,stream", [("OMR", "residual"), ("ordures ménagères", "residual"),
                                         ("Ordures Menageres", "residual"),
                                         ("emballages", "packaging"), ("Verre", "glass"),
                                         ("biodéchets", "biowaste"), ("compost", "biowaste"),
                                         ("glass", "glass"), ("papiers", "paper")])
def test_french_and_english_bin_names(name, stream):
    assert normalize_stream(name) == stream


def test_unknown_bin():
    assert normalize_stream("plutonium") is None
    with pytest.raises(ValidationError) as err:
        weighin_input.load({"stream": "plutonium", "weight_kg": "1"})
    assert "stream" in err.value.messages


def test_form_input_loads_grams():
    data = weighin_input.load({"stream": "verre", "weight_kg": "1,25"})
    assert data == {"stream": "glass", "weight_g": 1250, "measured_at": None, "note": ""}


def test_form_input_refuses_unknown_fields():
    with pytest.raises(ValidationError):
        weighin_input.load({"stream": "glass", "weight_kg": "1", "household_id": 3})


@pytest.mark.parametrize("text,day", [("2026-03-14", dt.date(2026, 3, 14)),
                                      ("14/03/2026", dt.date(2026, 3, 14)),
                                      ("01/12/2026", dt.date(2026, 12, 1))])
def test_dates(text, day):
    assert parse_date(text) == day


def test_bad_date():
    with pytest.raises(ValidationError):
        parse_date("2026-14-03")


def test_import_row():
    row = import_row.load({"household": "A", "date": "14/03/2026", "stream": "OMR",
                           "weight_kg": "1,2", "time": "8h30", "note": ""})
    assert row["time"] == dt.time(8, 30) and row["weight_g"] == 1200


GOOD = {"seq": 42, "ts": "2026-03-14T08:21:05+01:00", "weight_g": 1234, "stream": "residual"}


def test_canonical_reading():
    data = reading.load(GOOD)
    assert data["seq"] == 42 and data["weight_g"] == 1234
    assert data["ts"].utcoffset() == dt.timedelta(hours=1)
    assert reading.load({**GOOD, "ts": "2026-03-14T07:21:05Z"})["ts"] == data["ts"]


@pytest.mark.parametrize("change", [
    {"seq": "42"}, {"seq": True}, {"seq": -1}, {"seq": 1.5}, {"weight_g": 0},
    {"weight_g": 50001}, {"weight_g": "1234"}, {"weight_g": 12.5}, {"weight_g": math.nan},
    {"ts": "2026-03-14T08:21:05"}, {"ts": "hier"}, {"ts": 1710400865}, {"stream": "plutonium"},
    {"battery_pct": 140}, {"battery_pct": math.nan}, {"stream": 3}])
def test_canonical_reading_refusals(change):
    with pytest.raises(ValidationError):
        reading.load({**GOOD, **change})


def _outcome(load, data):
    """What a load gives: the dict (each value with its type, a time with its zone's repr)
    or the error's messages."""
    try:
        loaded = load(data)
    except ValidationError as exc:
        return "error", messages_as_text(exc.messages)
    return "ok", {key: (value, type(value), repr(getattr(value, "tzinfo", None)))
                  for key, value in loaded.items()}


_TIMES = st.one_of(
    st.datetimes(timezones=st.none() | st.sampled_from([
        dt.timezone.utc, dt.timezone(dt.timedelta(hours=1)),
        dt.timezone(-dt.timedelta(hours=9, minutes=30)),
        dt.timezone(dt.timedelta(hours=5, minutes=45, seconds=30))]))
    .map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.just(dt.timezone.utc)).map(
        lambda d: d.isoformat().replace("+00:00", "Z")),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{1,2}"
                  r"(:[0-9]{1,2}(\.[0-9]{1,8})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?\n?",
                  fullmatch=True),
    st.text(max_size=40), st.integers(), st.none(), st.floats())
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 2**53 + 5),
                    st.sampled_from([0, 1, 100, 101, 50_000, 50_001, 2**53, 2**53 + 1, 10**400]),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["residual", "glass", "paper", "plutonium", "", "50"]),
                    st.lists(st.integers(), max_size=2))
_READINGS = st.dictionaries(
    st.sampled_from(sorted(schemas.READING_FIELDS) + ["extra"]),
    _VALUES, max_size=7).flatmap(lambda d: st.fixed_dictionaries(
        {}, optional={"ts": _TIMES}).map(lambda t: {**d, **t}))


@settings(max_examples=400)
@given(_READINGS)
def test_load_reading_is_the_schema(data):
    """The ingest's fast path gives what the schema gives, value, type and zone, or the same
    error, for any payload."""
    assert _outcome(load_reading, data) == _outcome(reading.load, data)


@given(st.fixed_dictionaries({
    "seq": st.integers(0, 2**53) | _VALUES, "weight_g": st.integers(1, 50_000) | _VALUES,
    "ts": _TIMES.filter(lambda t: isinstance(t, str))},
    optional={"stream": st.sampled_from(["residual", "glass", None]) | _VALUES,
              "battery_pct": st.none() | st.integers(0, 100) | st.floats(0, 100) | _VALUES,
              "device_id": st.none() | st.text(max_size=10) | _VALUES}))
@settings(max_examples=600)
def test_load_reading_is_the_schema_for_readings(data):
    """The same on payloads close to a good reading: each field good or not."""
    assert _outcome(load_reading, data) == _outcome(reading.load, data)


@pytest.mark.parametrize("change", [
    {}, {"seq": True}, {"seq": False}, {"seq": 0}, {"seq": 2**53}, {"seq": 2**53 + 1},
    {"seq": 1.0}, {"weight_g": True}, {"weight_g": 1.0}, {"weight_g": 1}, {"weight_g": 50_000},
    {"weight_g": 50_001}, {"battery_pct": True}, {"battery_pct": False}, {"battery_pct": 0},
    {"battery_pct": 100}, {"battery_pct": 100.5}, {"battery_pct": -0.1}, {"battery_pct": 49.5},
    {"battery_pct": "49"}, {"battery_pct": math.inf}, {"battery_pct": None}, {"stream": None},
    {"stream": "plutonium"}, {"stream": 3}, {"stream": ["glass"]}, {"device_id": 7},
    {"device_id": None}, {"device_id": ""}, {"extra": 1}, {"ts": "2026-03-14T08:21:05"},
    {"ts": "2026-03-14T08:21:05Z\n"}, {"ts": "2026-03-14T08:21:05.1234567+01:00"},
    {"ts": "2026-03-14 08:21:05+01"}, {"ts": "2026-02-30T08:21:05Z"},
    {"ts": "2026-03-14T08:21:05+24:00"}, {"ts": "2026-03-14T08:21:05-00:30"},
    {"ts": "\u0662026-03-14T08:21:05Z"}, {"ts": ""}, {"ts": None}, {"ts": 1710400865}])
def test_load_reading_edges(change):
    data = {**GOOD, **change}
    assert _outcome(load_reading, data) == _outcome(reading.load, data)


def test_load_reading_takes_the_fast_path(monkeypatch):
    """The usual reading does not go through marshmallow (the point of load_reading), an
    unusual one does; a field added to the schema turns the fast path off until it is
    taught here."""
    assert set(reading.fields) == schemas.READING_FIELDS
    assert schemas._READING_BOUNDS is not None
    expected = reading.load({**GOOD, "battery_pct": 49.5, "ts": "2026-03-14T08:21:05.5Z"})
    called = []
    monkeypatch.setattr(reading, "load", lambda data: called.append(data) or {})
    assert load_reading({**GOOD, "battery_pct": 49.5, "ts": "2026-03-14T08:21:05.5Z"}) \
        == expected and not called
    load_reading({**GOOD, "battery_pct": "49"})
    load_reading({**GOOD, "ts": "2026-03-14 08:21:05+01"})
    assert len(called) == 2


def test_missing_fields():
    with pytest.raises(ValidationError) as err:
        reading.load({"stream": "glass"})
    assert set(messages_as_text(err.value.messages)) == {"seq", "ts", "weight_g"}


@pytest.mark.parametrize("typed,grams", [
    ("1 250 g", 1250), ("1\u00a0250 g", 1250), ("1\u202f250g", 1250), ("1 250,5 g", 1250),
    ("250 g", 250), ("12 500 G", 12500), ("1,250", 1250), ("1.250 kg", 1250), ("1,25 KG", 1250),
    ("1 ,2", 1200), ("12 345,5 g", 12346)])
def test_weight_reads_grams_and_thousands_spaces(typed, grams):
    """docs/challenge-life.md, "Typed weights": spaces group thousands, `g` is grams."""
    assert parse_weight_kg(typed) == grams


@pytest.mark.parametrize("typed,asked", [
    ("1 250", "For 1\u202f250 grams, write 1,25 (kilograms) or 1\u202f250 g"),
    ("1\u202f250", "For 1\u202f250 grams"), ("1250", "For 1\u202f250 grams"),
    ("120", "For 120 grams, write 0,12 (kilograms) or 120 g"),
    ("1 250,5", "For 1\u202f250,5 grams, write 1,2505 (kilograms) or 1\u202f250,5 g"),
    ("1,250 g", "1,25 gram or 1\u202f250 grams? For 1\u202f250 grams, write 1\u202f250 g or "
                "1,25 kg"),
    ("1.250 g", "1,25 gram or 1\u202f250 grams?")])
def test_an_ambiguous_weight_is_asked_about(typed, asked):
    with pytest.raises(ValidationError) as err:
        parse_weight_kg(typed)
    assert asked in str(err.value.messages)


@pytest.mark.parametrize("typed", ["1 25", "12 34 5", "1 2500", "1 250 kg", "50 001 g", "g",
                                   "kg", "1 250 lb", "\x01\n\x01", "1\n250",
                                   "\n", "\n\n"])
def test_spaces_elsewhere_and_heavy_weights_are_refused(typed):
    with pytest.raises(ValidationError):
        parse_weight_kg(typed)


@pytest.mark.parametrize("typed", ["50,5", "75", "99", "60 kg", "120,5"])
def test_heavy_weights_that_do_not_read_as_grams_are_plainly_refused(typed):
    with pytest.raises(ValidationError) as err:
        parse_weight_kg(typed)
    assert "cannot be more than 50 kg" in str(err.value.messages)


def test_the_question_reads_in_french(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(ValidationError) as err:
            parse_weight_kg("1 250")
        assert str(err.value.messages) == (
            "Le poids est en kilos : 1\u202f250 kg, c'est plus que 50 kg. Pour 1\u202f250 "
            "grammes, écrivez 1,25 (en kilos) ou 1\u202f250 g.")


@pytest.mark.parametrize("slug", ["defi-2026\n", "a\nb", "defi\r\n"])
def test_a_slug_with_a_line_break_is_refused(slug):
    from tracker.services.editions import SLUG_RE
    assert not SLUG_RE.match(slug)

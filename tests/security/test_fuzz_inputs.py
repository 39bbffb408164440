"""Fuzzing (hypothesis) of what arrives from outside without a person in front of it: MQTT
payloads and CSV files. No crash other than the documented outcomes, nothing stored when refused.

- `ingest.decode.decode` never raises: a ScaleReading, a StatusChange or a Refusal (with its
  reason); a reading it lets through is within the canonical ranges, and storing it or its
  dead letter works on both databases.
- `tracker.csvio.read_rows` raises only CsvFormatError; `zw weighins import` ends with exit
  code 0 (rows added) or 1 (a message, nothing added), never a traceback.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import func, select

from ingest.decode import StatusChange, decode
from tracker.csvio import CsvFormatError, read_rows
from tracker.domain import MAX_WEIGHT_G
from tracker.models import DeadLetter, Household, WeighIn
from tracker.services import devices as device_service
from tracker.services.ingest import (Refusal, ScaleReading, record_dead_letters,
                                     record_scale_readings)

FUZZ = settings(max_examples=300, deadline=None, database=None)
DB_FUZZ = settings(max_examples=60, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])

# --------------------------------------------------------------------------- MQTT payloads

DEVICE = "zws-fuzz0001"
TOPICS = st.sampled_from([f"zw/scales/{DEVICE}/weighin", f"zw/scales/{DEVICE}/status"])
ANY_TOPIC = st.one_of(TOPICS, st.text(max_size=80),
                      st.builds("zw/scales/{}/{}".format, st.text(max_size=20),
                                st.text(max_size=10)))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30),
                         st.floats(allow_nan=True, allow_infinity=True))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
TIMESTAMPS = st.one_of(
    st.datetimes(timezones=st.one_of(st.just(dt.timezone.utc), st.timezones()))
    .map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # no offset: refused
    st.text(max_size=30), st.integers())
READINGS = st.fixed_dictionaries(
    {"seq": st.one_of(st.integers(min_value=-5, max_value=2**64), JSON_SCALARS),
     "ts": TIMESTAMPS,
     "weight_g": st.one_of(st.integers(min_value=-10, max_value=MAX_WEIGHT_G + 10),
                           JSON_SCALARS)},
    optional={"stream": st.one_of(st.sampled_from(["residual", "glass", "packaging",
                                                   "biowaste", "paper", "nope"]), JSON_SCALARS),
              "battery_pct": st.one_of(st.floats(), st.integers(), JSON_SCALARS),
              "device_id": st.one_of(st.just(DEVICE), st.text(max_size=20), JSON_SCALARS),
              "extra": JSON_VALUES})


def _json_bytes(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


PAYLOADS = st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode),
                     READINGS.map(_json_bytes), JSON_VALUES.map(_json_bytes),
                     st.sampled_from([b"online", b"offline", b" ONLINE\n", b"1e999", b"NaN",
                                      b"[" * 5000, b"{" + b" " * 20000 + b"}"]))


def _check_decoded(result, topic: str, payload: bytes) -> None:
    assert isinstance(result, (ScaleReading, StatusChange, Refusal)), result
    if isinstance(result, Refusal):
        assert isinstance(result.reason, str) and result.reason
        assert result.payload == payload and result.topic == topic
    elif isinstance(result, ScaleReading):
        assert 0 < result.weight_g <= MAX_WEIGHT_G and isinstance(result.weight_g, int)
        assert isinstance(result.seq, int) and result.seq >= 0
        assert result.measured_at.utcoffset() is not None
        assert result.battery_pct is None or 0 <= result.battery_pct <= 100


@FUZZ
@given(topic=ANY_TOPIC, payload=PAYLOADS, retained=st.booleans())
@example(topic=f"zw/scales/{DEVICE}/weighin", payload=b'{"seq": 1, "ts": "2026-03-14T08:21:05'
         b'+01:00", "weight_g": 1e999}', retained=False)
def test_decode_never_raises(topic, payload, retained):
    _check_decoded(decode(topic, payload, retained), topic, payload)


@pytest.fixture
def scale(app, world):
    with app.extensions["zw_db"].session() as s:
        device_service.provision_device(s, s.get(Household, world["martin"]), device_id=DEVICE)
    return DEVICE


def test_decoded_messages_are_stored_or_dead_lettered(app, scale, now_in_edition):
    @DB_FUZZ
    @given(payload=st.one_of(READINGS.map(_json_bytes), PAYLOADS))
    def store(payload):
        result = decode(f"zw/scales/{scale}/weighin", payload)
        with app.extensions["zw_db"].session() as s:
            if isinstance(result, ScaleReading):
                batch = record_scale_readings(s, [result])
                record_dead_letters(s, batch.refused)
            else:
                assert isinstance(result, Refusal)
                assert record_dead_letters(s, [result]) == 1
    store()
    with app.extensions["zw_db"].session() as s:
        assert s.scalar(select(func.count(DeadLetter.id))) > 0

# --------------------------------------------------------------------------- CSV files


REQUIRED = ("household", "date", "stream", "weight_kg")
HEADERS = st.sampled_from([
    "household,date,stream,weight_kg", "foyer;date;flux;poids", "household,date,stream,"
    "weight_kg,time,note", "Foyer;Jour;Bac;Poids (kg);Heure;Remarque", "household,date",
    "household\tdate\tstream\tweight_kg", ""])
CSVISH = st.text(alphabet=st.sampled_from(list("Martin Durand,;\t\n\r\"'0123456789./-:h"
                                               "éÉ€ kgOMRverre")), max_size=300)
CELLS = {
    "household": st.one_of(st.sampled_from(["Martin", "Durand", "martin", " Martin ", ""]),
                           st.text(max_size=20)),
    "date": st.one_of(st.dates(dt.date(2026, 2, 20), dt.date(2026, 12, 1))
                      .flatmap(lambda d: st.sampled_from([d.isoformat(),
                                                          d.strftime("%d/%m/%Y")])),
                      st.text(max_size=12)),
    "stream": st.one_of(st.sampled_from(["OMR", "ordures ménagères", "emballages", "verre",
                                         "biodéchets", "residual", "glass", "nope"]),
                        st.text(max_size=12)),
    "weight_kg": st.one_of(st.decimals(min_value=-1, max_value=60, places=3,
                                       allow_nan=False).map(str),
                           st.sampled_from(["1,25", "0", "-1", "1e3", "NaN", "inf", "50,001",
                                            "1 000", "12kg"]),
                           st.text(max_size=8)),
    "time": st.one_of(st.sampled_from(["08:00", "8h30", "25:00", ""]), st.text(max_size=6)),
    "note": st.text(max_size=30),
}
ROWS = st.lists(st.fixed_dictionaries(CELLS), max_size=8)
VALID_ROWS = st.lists(st.fixed_dictionaries({
    "household": st.sampled_from(["Martin", "Durand"]),
    "date": st.dates(dt.date(2026, 3, 1), dt.date(2026, 4, 14)).map(dt.date.isoformat),
    "stream": st.sampled_from(["OMR", "verre", "emballages"]),
    "weight_kg": st.decimals(min_value="0.1", max_value="9", places=2).map(str),
    "time": st.sampled_from(["08:00", "19h30", ""]),
    "note": st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20)}),
    min_size=1, max_size=5)


def _csv_of(rows, separator: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\n")
    writer.writerow(list(CELLS))
    for row in rows:
        writer.writerow([row[k] for k in CELLS])
    return out.getvalue()


FILES = st.one_of(
    st.binary(max_size=500),
    st.tuples(HEADERS, CSVISH).map(lambda p: f"{p[0]}\n{p[1]}")
    .flatmap(lambda text: st.sampled_from([text.encode("utf-8"),
                                           text.encode("cp1252", "replace"),
                                           b"\xef\xbb\xbf" + text.encode("utf-8")])),
    st.tuples(ROWS, st.sampled_from([",", ";"])).map(lambda p: _csv_of(*p).encode("utf-8")),
)


@FUZZ
@given(data=FILES)
@example(data=b'household,date,stream,weight_kg\n"' + b"x" * 140_000 + b'",1,2,3\n')
@example(data=b"household,date,stream,weight_kg\nMartin,2026-04-01,OMR,1\x00\n")
def test_read_rows_raises_only_csv_format_errors(data):
    try:
        header, rows = read_rows(data, REQUIRED)
    except CsvFormatError as exc:
        assert str(exc)
        return
    assert set(REQUIRED) <= set(header)
    assert all(isinstance(r.line, int) and r.line >= 2 for r in rows)


def _weighins(app) -> int:
    with app.extensions["zw_db"].session() as s:
        return s.scalar(select(func.count(WeighIn.id)))


def test_zw_weighins_import_adds_all_or_nothing_and_never_crashes(app, runner, world, tmp_path,
                                                                  now_in_edition):
    path = tmp_path / "fuzz.csv"
    outcomes = set()

    @DB_FUZZ
    @given(data=st.one_of(FILES, VALID_ROWS.map(lambda rows: _csv_of(rows, ";").encode())))
    def import_file(data):
        path.write_bytes(data)
        before = _weighins(app)
        result = runner.invoke(args=["weighins", "import", str(path), "--challenge",
                                     "defi-2026"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"crash: {result.exception!r}\n{result.output}")
        after = _weighins(app)
        if result.exit_code != 0:
            assert after == before, f"a refused file stored {after - before} weigh-in(s)"
            outcomes.add("refused")
        else:
            assert after >= before
            outcomes.add("added" if after > before else "nothing new")
    import_file()
    assert {"refused", "added"} <= outcomes, outcomes

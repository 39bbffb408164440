"""Firmware adapters on the payload corpus (tests/bridge/corpus)."""

import logging
from datetime import datetime, timedelta, timezone

import pytest

from firmware_bridge.adapters import (AdapterError, EsphomeAdapter, LinearCalibration,
                                      TasmotaAdapter, TheengsAdapter, calibration_from,
                                      make_adapter, parse_points)
from .helpers import corpus_messages

RECEIVED = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)


def parse_all(adapter, name):
    out = []
    for message in corpus_messages(name):
        try:
            out.append(adapter.parse(message["topic"], message["payload"], RECEIVED))
        except AdapterError as exc:
            out.append(exc)
    return out


def test_tasmota_design_example_attaches_paris_time():
    adapter = TasmotaAdapter()
    [sample] = adapter.parse(
        "tele/cuisine/SENSOR",
        b'{"Time":"2026-03-14T08:21:05","HX711":{"Weight":1.234,"WeightRaw":1240,"AbsRaw":110004}}',
        RECEIVED)
    assert sample.grams == pytest.approx(1234)
    assert sample.ts.isoformat() == "2026-03-14T08:21:05+01:00"
    summer = adapter.parse("tele/cuisine/SENSOR",
                           '{"Time":"2026-07-14T08:21:05","HX711":{"Weight":0.5}}', RECEIVED)
    assert summer[0].ts.isoformat() == "2026-07-14T08:21:05+02:00"


def test_tasmota_configured_zone():
    adapter = TasmotaAdapter(tz="America/Montreal")
    [sample] = adapter.parse("tele/x/SENSOR", '{"Time":"2026-03-14T08:21:05","HX711":{"Weight":1}}',
                             RECEIVED)
    assert sample.ts.utcoffset() == timedelta(hours=-4)


def test_tasmota_corpus_misc():
    results = parse_all(TasmotaAdapter(), "tasmota_misc.jsonl")
    offset, count, unset_clock, other_sensor, no_weight, not_json = results
    assert offset[0].ts.isoformat() == "2026-03-14T08:21:05+01:00"
    assert offset[0].grams == pytest.approx(2480)
    assert count[0].grams == pytest.approx(450)  # Count does not disturb Weight
    assert unset_clock[0].ts == RECEIVED  # 1970: the device clock is not set
    assert other_sensor == []
    assert isinstance(no_weight, AdapterError)
    assert isinstance(not_json, AdapterError)


def test_tasmota_ignores_other_telemetry():
    assert TasmotaAdapter().parse("tele/x/STATE", '{"Time":"2026-03-14T08:00:00"}', RECEIVED) == []
    assert TasmotaAdapter().default_device_id("tele/cuisine-omr/SENSOR") == "cuisine-omr"


def test_tasmota_weight_res_0_warns_once(caplog):
    adapter = TasmotaAdapter()
    with caplog.at_level(logging.WARNING):
        results = parse_all(adapter, "tasmota_weightres0.jsonl")
    assert [r[0].grams for r in results] == [0, 1000, 1000, 0, 3000, 0]
    warnings = [r for r in caplog.records if "WeightRes 3" in r.getMessage()]
    assert len(warnings) == 1 and adapter.warned_weight_res


def test_tasmota_weight_res_3_never_warns(caplog):
    adapter = TasmotaAdapter()
    with caplog.at_level(logging.WARNING):
        parse_all(adapter, "tasmota_weightres3.jsonl")
        for _ in range(10):  # "0.000" and "2.000" are printed with decimals: not WeightRes 0
            adapter.parse("tele/x/SENSOR",
                          '{"Time":"2026-03-14T08:00:00","HX711":{"Weight":2.000}}', RECEIVED)
    assert not adapter.warned_weight_res
    assert not [r for r in caplog.records if "WeightRes" in r.getMessage()]


def test_esphome_kg_and_nan():
    results = parse_all(EsphomeAdapter(unit="kg"), "esphome_kg.jsonl")
    grams = [r[0].grams for r in results]
    assert grams[3] == pytest.approx(2470) and grams[7] == pytest.approx(2480)
    assert all(r[0].ts == RECEIVED for r in results)  # no timestamp: receive time
    raw = parse_all(EsphomeAdapter(unit="raw", calibration=calibration_from(
        points="-481989 -> 0, -1478338 -> 1000")), "esphome_raw.jsonl")
    assert raw[1] == []  # <node>/status is not a sensor state
    assert raw[10] == []  # nan: sensor unavailable
    assert raw[0][0].grams == pytest.approx(0, abs=0.01)
    assert raw[6][0].grams == pytest.approx(732.7, abs=0.1)


@pytest.mark.parametrize("unit,value,grams", [
    ("g", "1234", 1234), ("kg", "1.234", 1234), ("lb", "2", 907.18474)])
def test_esphome_units(unit, value, grams):
    [sample] = EsphomeAdapter(unit=unit).parse("n/sensor/w/state", value, RECEIVED)
    assert sample.grams == pytest.approx(grams)


def test_esphome_calibrations():
    hx = LinearCalibration.from_scale_offset(scale=-996.349, offset=-481989)  # counts per g
    assert hx.apply(-1478338) == pytest.approx(1000)
    points = LinearCalibration.from_points(parse_points("0 -> 1.0\n10.0 -> 12.1"))
    assert points.apply(10) == pytest.approx(12.1)
    lsq = LinearCalibration.from_points([(0, 0), (1, 1.1), (2, 1.9), (3, 3.0)])
    assert lsq.slope == pytest.approx(0.98)
    with pytest.raises(ValueError):
        EsphomeAdapter(unit="raw")
    with pytest.raises(ValueError):
        parse_points("1 => 2")
    with pytest.raises(ValueError):
        EsphomeAdapter(unit="stone")
    with pytest.raises(AdapterError):
        EsphomeAdapter().parse("n/sensor/w/state", "heavy", RECEIVED)
    assert EsphomeAdapter().default_device_id("balance/sensor/hx711/state") == "balance"


def test_theengs_corpus():
    results = parse_all(TheengsAdapter(), "theengs_miscale.jsonl")
    grams = [r[0].grams if r else None for r in results]
    assert grams[:3] == [pytest.approx(9550)] * 3
    assert grams[3] is None  # a person weighing herself
    assert grams[4] == pytest.approx(1995.8, abs=0.1)  # 4.4 lb
    assert grams[6] == pytest.approx(4998.6, abs=0.1)  # 11.02 lbs (Mi Body Composition Scale)
    assert grams[7] is None  # a thermometer on the same gateway
    assert TheengsAdapter().default_device_id(
        "home/OpenMQTTGateway/BTtoMQTT/C8478C010203") == "C8478C010203"


BT = "home/OMG_ESP32_BLE/BTtoMQTT/C8478C010203"


def test_theengs_filters_mac_and_reads_battery():
    adapter = TheengsAdapter(mac="c8:47:8c:01:02:03")
    other = {"id": "AA:BB:CC:DD:EE:FF", "type": "SCALE", "weight": 1.0, "unit": "kg"}
    assert adapter.parse(BT, other, RECEIVED) == []
    mine = {"id": "C8:47:8C:01:02:03", "weight": 1.5, "unit": "kg", "batt": 64}
    assert adapter.parse(BT, mine, RECEIVED)[0].battery_pct == 64
    with pytest.raises(AdapterError):
        adapter.parse(BT, {"id": "C8:47:8C:01:02:03", "weight": 1.5, "unit": "stone"}, RECEIVED)


def test_make_adapter():
    assert make_adapter("tasmota").kind == "tasmota"
    assert make_adapter("esphome", unit="kg").kind == "esphome"
    assert make_adapter("theengs").settled is True
    with pytest.raises(ValueError):
        make_adapter("zigbee")

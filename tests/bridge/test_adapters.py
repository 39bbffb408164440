"""Firmware adapters on the payload corpus (tests/bridge/corpus)."""

import logging
from datetime import datetime, timedelta, timezone

import pytest

from firmware_bridge.adapters import (AdapterError, EsphomeAdapter, LinearCalibration,
                                      TasmotaAdapter, TheengsAdapter, calibration_from,
                                      make_adapter, parse_points)
from .helpers import corpus_messages

RECEIVED = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)
BT = "home/OMG_ESP32_BLE/BTtoMQTT/C8478C010203"


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
    assert EsphomeAdapter().default_device_id("balance/status") == "balance"


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


# --- issue 16: only the weight, whatever else a firmware publishes ----------------------

def test_unavailable_values_are_ignored_on_every_firmware():
    for text in ("nan", "None", "NaN", "unknown", "null", ""):
        assert EsphomeAdapter().parse("n/sensor/poids/state", text, RECEIVED) == []
    assert TasmotaAdapter().parse("tele/s/SENSOR", '{"HX711":{"Weight":null}}', RECEIVED) == []
    assert TasmotaAdapter().parse("tele/s/SENSOR", '{"HX711":{"Weight":NaN}}', RECEIVED) == []
    assert TheengsAdapter().parse(BT, {"type": "SCALE", "weight": None}, RECEIVED) == []
    for adapter, topic, lwt in ((TasmotaAdapter(), "tele/s/LWT", "Offline"),
                                (EsphomeAdapter(), "n/status", "offline"),
                                (TheengsAdapter(), "home/OpenMQTTGateway/LWT", "offline"),
                                (TheengsAdapter(), "home/TheengsGateway/LWT", "online")):
        assert adapter.parse(topic, lwt, RECEIVED) == []


def test_absurd_numbers_are_refused_not_overflowed():
    for payload in ('{"HX711":{"Weight":1e400}}', '{"HX711":{"Weight":-1e12}}'):
        with pytest.raises(AdapterError):
            TasmotaAdapter().parse("tele/s/SENSOR", payload, RECEIVED)
    with pytest.raises(AdapterError):
        EsphomeAdapter().parse("n/sensor/poids/state", "1e400", RECEIVED)


def test_esphome_reads_only_the_weight_sensor_of_a_node(caplog):
    adapter = EsphomeAdapter(unit="kg")
    assert adapter.parse("n/sensor/wifi_signal/state", "-67", RECEIVED) == []
    assert adapter.parse("n/sensor/uptime/state", "4000", RECEIVED) == []
    assert adapter.parse("n/sensor/poids/state", "1.5", RECEIVED)[0].grams == 1500
    assert adapter.parse("n/sensor/other_scale/state", "2.0", RECEIVED) == []  # poids chosen
    guessed = EsphomeAdapter(unit="kg")
    assert guessed.parse("n/sensor/last_tare/state", "0.2", RECEIVED)[0].grams == 200
    assert guessed.parse("n/sensor/hx711_weight/state", "1.5", RECEIVED)[0].grams == 1500
    assert guessed.parse("n/sensor/last_tare/state", "0.2", RECEIVED) == []  # a weight won
    named = EsphomeAdapter(unit="kg", object_id="poubelle")
    assert named.parse("n/sensor/poids/state", "1.5", RECEIVED) == []
    assert named.parse("n/sensor/poubelle/state", "0.5", RECEIVED)[0].grams == 500


def test_tasmota_sensor_key_and_full_topic_in_another_order():
    both = '{"DS18B20":{"Temperature":19.8},"HX711":{"Weight":0.2},"HX711-2":{"Weight":0.9}}'
    assert TasmotaAdapter().parse("tele/s/SENSOR", both, RECEIVED)[0].grams == 200
    assert TasmotaAdapter(sensor_key="HX711-2").parse("tele/s/SENSOR", both,
                                                      RECEIVED)[0].grams == 900
    adapter = TasmotaAdapter()
    assert adapter.default_device_id("home/cuisine/tele/SENSOR") == "cuisine"
    assert adapter.default_device_id("tele/cuisine/SENSOR") == "cuisine"
    assert adapter.default_device_id("cuisine/tele/SENSOR") == "cuisine"


def test_tasmota_ble_mi_scale_json():
    adapter = TasmotaAdapter()

    def sample(**fields):
        scale = dict({"wgh_removed": 0, "wgh_stabilized": 1, "wgh_unit": "kg",
                      "Weight": 9.55, "RSSI": -70}, **fields)
        return adapter.parse("tele/ble/SENSOR", {"Time": "2026-03-14T08:21:05",
                                                 "MSCALE2-a1b2c3": scale}, RECEIVED)
    [stable] = sample()
    assert stable.grams == pytest.approx(9550) and stable.settled and stable.removed is False
    assert sample(wgh_stabilized=0) == []  # live value while the scale settles
    assert sample(wgh_removed=1)[0].removed is True
    assert sample(wgh_unit="lbs", Weight=4.4)[0].grams == pytest.approx(1995.8, abs=0.1)
    other = {"weight_unit": "jin", "stabilized": 1, "weight_removed": 0, "Weight": 4}
    assert adapter.parse("tele/ble/SENSOR", {"MI_SCALE-010203": other},
                         RECEIVED)[0].grams == 2000


def test_theengs_skale_in_grams_through_the_detector_and_gateway_topics():
    adapter = TheengsAdapter()
    skale = {"brand": "Atomax", "model": "Skale I/II", "model_id": "SKALE", "type": "SCALE",
             "cidc": False, "weight": 29.6}
    [sample] = adapter.parse("home/TheengsGateway/BTtoMQTT/EF81D70400FF", skale, RECEIVED)
    assert sample.grams == pytest.approx(29.6) and sample.settled is False
    mi = {"model_id": "XMTZC01HM/XMTZC04HM", "type": "SCALE", "weighing_mode": "object",
          "unit": "kg", "weight": 9.55}
    for gateway in ("OpenMQTTGateway", "OMG_ESP32_BLE", "TheengsGateway"):
        topic = "home/%s/BTtoMQTT/C8478C010203" % gateway
        assert adapter.parse(topic, mi, RECEIVED)[0].grams == pytest.approx(9550)
        assert adapter.default_device_id(topic) == "C8478C010203"


def test_theengs_person_weighings_warn_once(caplog):
    adapter = TheengsAdapter()
    person = {"type": "SCALE", "weighing_mode": "person", "unit": "kg", "weight": 61.75}
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert adapter.parse(BT, person, RECEIVED) == []
    assert sum("small-object" in r.getMessage() for r in caplog.records) == 1

"""The per-scale pipeline: detector state kept across restarts, ticks, Tasmota's zero."""

from datetime import datetime, timedelta

from firmware_bridge.adapters import EsphomeAdapter, TasmotaAdapter, TheengsAdapter
from firmware_bridge.detect import DetectorConfig
from firmware_bridge.pipeline import ScalePipeline
from firmware_bridge.spool import Spool

from .helpers import T0

CFG = DetectorConfig(settle_s=2.0)


def tasmota(ts: datetime, kg: float) -> str:
    return '{"Time":"%s","HX711":{"Weight":%.3f}}' % (ts.replace(tzinfo=None).isoformat(), kg)


def test_tasmota_starts_from_zero_so_the_first_load_counts():
    pipe = ScalePipeline(TasmotaAdapter(), CFG)
    assert pipe.handle("tele/s/SENSOR", tasmota(T0, 1.2), T0) == []
    [event] = pipe.handle("tele/s/SENSOR", tasmota(T0 + timedelta(minutes=2), 0.0), T0)
    assert round(event.weight_g) == 1200


def test_state_survives_a_restart_through_the_spool(tmp_path):
    spool = Spool(tmp_path / "s.db")

    def pipeline():
        return ScalePipeline(TasmotaAdapter(), CFG, state=spool.load_state("d"),
                             on_state=lambda e, l: spool.save_state("d", e, l))

    first = pipeline()
    first.handle("tele/s/SENSOR", tasmota(T0, 0.0), T0)
    assert first.handle("tele/s/SENSOR", tasmota(T0 + timedelta(seconds=5), 2.0), T0) == []
    assert first.tick(T0 + timedelta(seconds=10)) == []
    assert spool.load_state("d")[1] == 2000  # the load standing there, not reported yet
    second = pipeline()  # restarted with the bag still on the scale: counted once, when out
    assert second.handle("tele/s/SENSOR", tasmota(T0 + timedelta(minutes=5), 2.0), T0) == []
    assert second.tick(T0 + timedelta(minutes=1)) == []
    [event] = second.handle("tele/s/SENSOR", tasmota(T0 + timedelta(minutes=9), 0.0), T0)
    assert round(event.weight_g) == 2000
    assert spool.load_state("d")[1] is None
    spool.close()


def test_tick_maps_the_bridge_clock_onto_a_skewed_device_clock():
    pipe = ScalePipeline(TasmotaAdapter(), CFG)
    device_time = T0 - timedelta(hours=3)  # the device clock is 3 h late
    pipe.handle("tele/s/SENSOR", tasmota(device_time, 0.0), T0)
    pipe.handle("tele/s/SENSOR", tasmota(device_time + timedelta(seconds=1), 0.9), T0)
    assert pipe.tick(T0 + timedelta(seconds=1)) == [] and pipe._detector.load_g is None
    assert pipe.tick(T0 + timedelta(seconds=3)) == [] and pipe._detector.load_g == 900
    [event] = pipe.handle("tele/s/SENSOR", tasmota(device_time + timedelta(seconds=9), 0.0),
                          T0 + timedelta(seconds=4))
    assert round(event.weight_g) == 900 and event.ts.hour == device_time.hour


def test_esphome_dense_stream_and_theengs_repeats():
    pipe = ScalePipeline(EsphomeAdapter(unit="kg"), CFG)
    events = []
    for i, kg in enumerate([0, 0, 0, 0, 1.5, 1.5, 1.5, 1.5, 0, 0, 0]):
        events += pipe.handle("n/sensor/w/state", str(kg), T0 + timedelta(seconds=i))
    assert [round(e.weight_g) for e in events] == [1500]
    ble = ScalePipeline(TheengsAdapter(), CFG, repeat_window_s=30)
    msg = {"weighing_mode": "object", "unit": "kg", "weight": 2.0}
    out = []
    for s in (0, 5, 20, 100):
        out += ble.handle("home/TheengsGateway/BTtoMQTT/C8478C010203", msg,
                          T0 + timedelta(seconds=s))
    assert len(out) == 2 and ble.tick(T0) == [] and ble.flush() == []

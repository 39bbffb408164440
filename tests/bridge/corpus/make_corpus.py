"""Writes the corpus of real-world message sequences (``sequences/*.jsonl``, ``sequences.json``).

Each firmware is reproduced from its own source (README.md cites them): what a family does
with the scale is a *load over time* (grams, 10 Hz), the firmware model turns it into the
messages the firmware would publish, with the timing and rounding of the real thing. The
files are committed; run this again only to change the corpus (``python -m
tests.bridge.corpus.make_corpus``), then check the diff. Deterministic (fixed seeds).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Callable, Iterator

HERE = Path(__file__).parent
OUT = HERE / "sequences"
T0 = datetime(2026, 3, 14, 8, 0, 0)  # local wall time (Europe/Paris, UTC+1 that day)
OFFSET = "+01:00"


# --- what happens on the scale ----------------------------------------------------------
@dataclass
class Scene:
    """A load over time: (time in s, grams) points, linear in between, held after the last."""

    points: list[tuple[float, float]]

    def at(self, t: float) -> float:
        pts = self.points
        if t <= pts[0][0]:
            return pts[0][1]
        for (t1, g1), (t2, g2) in zip(pts, pts[1:]):
            if t1 <= t <= t2:
                return g1 if t2 == t1 else g1 + (g2 - g1) * (t - t1) / (t2 - t1)
        return pts[-1][1]

    @property
    def end(self) -> float:
        return self.points[-1][0]


def place(t: float, grams: float, base: float = 0.0, over: float = 0.6):
    """Points of a load put on over ``over`` seconds (on top of ``base``)."""
    return [(t, base), (t + over, base + grams)]


def iso(t: float) -> str:
    return (T0 + timedelta(seconds=t)).isoformat(timespec="seconds")


def received(t: float) -> str:
    return (T0 + timedelta(seconds=t)).isoformat(timespec="milliseconds") + OFFSET


def line(topic: str, payload, t: float) -> dict:
    return {"topic": topic, "payload": payload, "received_at": received(t)}


# --- Tasmota HX711 (xsns_34_hx711.ino) --------------------------------------------------
def tasmota_hx711(scene: Scene, topic: str = "tele/cuisine/SENSOR", *, tele_s: float = 300,
                  delta_g: int = 4, noise_g: float = 1.5, drift_g_per_h: float = 0.0,
                  seed: int = 1, weight_res: int = 3, key: str = "HX711",
                  extra: Callable[[float], list[dict]] | None = None) -> list[dict]:
    """HxEvery100mSecond: 10 reads, the 2 highest and 2 lowest dropped, averaged every second;
    clamped at 0 (tared at boot); Sensor34 8 1 publishes once the weight changed by more than
    ``delta_g`` and then held within it (ResponseAppendTime + HxShow + MqttPublishTeleSensor);
    TelePeriod publishes the current weight too. Weight in kg with WeightRes decimals."""
    rng = random.Random(seed)
    out: list[dict] = []
    diff, changed = 0, False
    next_tele = tele_s
    t = 0.0
    while t <= scene.end:
        reads = sorted(scene.at(t + i / 10) + drift_g_per_h * (t + i / 10) / 3600
                       + rng.gauss(0, noise_g) for i in range(10))
        weight = max(0, int(sum(reads[2:8]) / 6))
        t += 1.0
        publish = False
        if abs(weight - diff) > delta_g:
            diff, changed = weight, True
        elif changed and abs(weight - diff) < delta_g:
            publish, changed = True, False
        if t >= next_tele:
            publish, next_tele = True, next_tele + tele_s
        if publish:
            kg = "%.*f" % (weight_res, weight / 1000)
            payload = ('{"Time":"%s","%s":{"Weight":%s,"WeightRaw":%d,"AbsRaw":%d}}'
                       % (iso(t), key, kg, weight + 12, (weight + 12) * 120 + 109000))
            out.append(line(topic, payload, t + 0.05))
        if extra:
            out.extend(extra(t))
    return out


# --- ESPHome hx711 sensor ----------------------------------------------------------------
def esphome_hx711(scene: Scene, node: str = "balance-cuisine", object_id: str = "poids", *,
                  update_s: float = 1.0, window: int = 1, send_every: int = 1,
                  median3: bool = False, noise_g: float = 2.0, seed: int = 2,
                  decimals: int = 3, others: bool = False, nan_at_boot: int = 0) -> list[dict]:
    """One HX711 conversion per update_interval, then the filters in order (median 3,
    calibrate_linear to kg, sliding_window_moving_average(window, send_every)), published on
    <node>/sensor/<object_id>/state with accuracy_decimals. With ``others``, what a node
    publishes besides: <node>/status (birth/will), wifi_signal and uptime every 60 s, and a
    debug sensor whose state is None."""
    rng = random.Random(seed)
    out: list[dict] = []
    topic = "%s/sensor/%s/state" % (node, object_id)
    if others:
        out.append(line("%s/status" % node, "online", 0.0))
    raw: list[float] = []
    averaged: list[float] = []
    count = 0
    t = 0.0
    for _ in range(nan_at_boot):
        out.append(line(topic, "nan", t))
        t += update_s
    while t <= scene.end:
        grams = scene.at(t) + rng.gauss(0, noise_g)
        raw.append(grams)
        value = median(raw[-3:]) if median3 else grams
        averaged.append(value / 1000)
        averaged = averaged[-window:]
        count += 1
        if count % send_every == 0:
            out.append(line(topic, "%.*f" % (decimals, sum(averaged) / len(averaged)), t))
        if others and int(t) % 60 == 0 and t == int(t):
            out.append(line("%s/sensor/wifi_signal/state" % node, "%d" % rng.randint(-72, -58),
                            t + 0.3))
            out.append(line("%s/sensor/uptime/state" % node, "%d" % (int(t) + 4000), t + 0.4))
            out.append(line("%s/sensor/last_tare/state" % node, "None", t + 0.5))
        t += update_s
    if others:
        out.append(line("%s/status" % node, "offline", t))
    return out


# --- BLE scales through Theengs decoder (OpenMQTTGateway, Theengs Gateway) -------------------
MI_SCALE = {"brand": "Xiaomi", "model": "Mi Smart Scale", "model_id": "XMTZC01HM/XMTZC04HM",
            "type": "SCALE"}
MI_BODY = {"brand": "Xiaomi", "model": "Mi Body Composition Scale",
           "model_id": "XMTZC02HM/XMTZC05HM", "type": "SCALE"}
SKALE = {"brand": "Atomax", "model": "Skale I/II", "model_id": "SKALE", "type": "SCALE",
         "cidc": False}


def scans(cycle_s: float, scan_s: float, end: float, start: float = 0.0) -> Iterator[float]:
    """When a gateway sees a device: once per scan, somewhere in the scan window."""
    t = start
    rng = random.Random(int(cycle_s * 1000))
    while t <= end:
        yield t + rng.uniform(0.2, scan_s)
        t += cycle_s


def ble_weighings(weighings: list[tuple[float, dict]], gateway: str, mac: str, *,
                  cycle_s: float, scan_s: float, rebroadcast_s: float = 1200,
                  end: float | None = None, lwt: bool = True) -> list[dict]:
    """A Mi scale advertises each stabilised weighing for ~20 min (then the next one); the
    decoder gives the same JSON each time; the gateway publishes it once per scan."""
    topic = "home/%s/BTtoMQTT/%s" % (gateway, mac.replace(":", ""))
    rng = random.Random(7)
    out = [line("home/%s/LWT" % gateway, "online", 0.0)] if lwt else []
    end = end if end is not None else weighings[-1][0] + rebroadcast_s
    for t in scans(cycle_s, scan_s, end):
        current = [w for w in weighings if w[0] <= t <= w[0] + rebroadcast_s]
        if not current:
            continue
        payload = dict({"id": mac, "rssi": rng.randint(-80, -60)}, **current[-1][1])
        out.append(line(topic, json.dumps(payload), t))
    return out


def ble_live(scene: Scene, gateway: str, mac: str, model: dict, *, cycle_s: float,
             scan_s: float, grams_per_unit: float = 1.0, decimals: int = 1) -> list[dict]:
    """A scale that advertises its live value (the Skale, in grams): one per scan."""
    topic = "home/%s/BTtoMQTT/%s" % (gateway, mac.replace(":", ""))
    rng = random.Random(8)
    out = [line("home/%s/LWT" % gateway, "online", 0.0)]
    for t in scans(cycle_s, scan_s, scene.end):
        value = round((scene.at(t) + rng.gauss(0, 0.3)) / grams_per_unit, decimals)
        payload = dict({"id": mac, "rssi": rng.randint(-80, -60)}, **model, weight=value)
        out.append(line(topic, json.dumps(payload), t))
    return out


def mi_weighing(kg: float, mode: str = "object", unit: str = "kg", base=MI_SCALE) -> dict:
    return dict(base, weighing_mode=mode, unit=unit, weight=kg)


# --- Tasmota BLE (MI32 / HM-10 drivers): a Mi scale in the SENSOR message ------------------
def tasmota_miscale(weighings: list[tuple[float, float]], topic: str = "tele/ble/SENSOR",
                    period_s: float = 60, rebroadcast_s: float = 1200) -> list[dict]:
    """The driver keeps the last advertisement's values; each period the SENSOR message
    carries them: live (not stabilised) while the load settles, then stabilised, then the
    same weight with weight_removed once it is off, until the next weighing."""
    out = []
    t = 0.0
    end = weighings[-1][0] + rebroadcast_s
    while t <= end:
        t += period_s
        past = [w for w in weighings if w[0] <= t]
        if not past:
            continue
        start, kg = past[-1]
        age = t - start
        stabilized, removed = (0, 0) if age < 5 else (1, 0) if age < 120 else (1, 1)
        weight = kg * 0.6 if not stabilized else kg
        scale = {"wgh_removed": removed, "wgh_stabilized": stabilized, "wgh_unit": "kg",
                 "Weight": round(weight, 2), "dtime": (T0 + timedelta(seconds=start))
                 .strftime("%d/%m/%Y %H:%M:%S"), "RSSI": -71}
        payload = json.dumps({"Time": iso(t), "MSCALE2-a1b2c3": scale}, separators=(",", ":"))
        out.append(line(topic, payload, t + 0.1))
        if age < 5:  # the next message comes sooner while the scale settles
            t = start + 5 - period_s
    return out


# --- the sequences ------------------------------------------------------------------------
def tasmota_misc_topics(t: float) -> list[dict]:
    """What else a Tasmota publishes: LWT at boot, STATE and a DS18B20 each TelePeriod."""
    out = []
    if t == 1.0:
        out.append(line("tele/cuisine/LWT", "Online", t))
        out.append(line("tele/cuisine/INFO1", '{"Info1":{"Module":"Generic","Version":"14.3.0"}}',
                        t))
    if t % 300 == 0:
        out.append(line("tele/cuisine/STATE", '{"Time":"%s","Uptime":"0T01:00:00","Wifi":'
                        '{"RSSI":62,"Signal":-69}}' % iso(t), t + 0.1))
        out.append(line("tele/cuisine/SENSOR", '{"Time":"%s","DS18B20":{"Id":"01144A3B5AAA",'
                        '"Temperature":19.8},"TempUnit":"C"}' % iso(t), t + 0.2))
    return out


def build() -> dict[str, dict]:
    """Every sequence: its messages and what it must give."""
    seqs: dict[str, dict] = {}

    def add(name, messages, firmware, weighins, *, case=None, resolution_g=5, options=None,
            device_id=None, bad_lines=0, live=None, source, why):
        seqs[name] = {"messages": messages, "firmware": firmware, "weighins": weighins,
                      "resolution_g": resolution_g, "options": options or {},
                      "device_id": device_id, "bad_lines": bad_lines, "issue_case": case,
                      "live_weighins": live if live is not None else weighins,
                      "source": source, "why": why}

    tasmota = "arendst/Tasmota tasmota/tasmota_xsns_sensor/xsns_34_hx711.ino"
    esphome = "esphome/esphome esphome/components/hx711 + esphome/components/sensor filters"
    omg = ("theengs/decoder src/devices/XMTZC04HMKG_json.h, tests/BLE/test_ble.cpp; "
           "1technophile/OpenMQTTGateway main/config_BT.h (TimeBtwRead 55555)")
    tgw = "theengs/gateway TheengsGateway/config.py (publish_topic, scan 5 s + 5 s)"

    add("tasmota_quick_bag", tasmota_hx711(Scene(
        [(0, 0)] + place(20, 1234) + [(140, 1234), (140.5, 0), (200, 0)])), "tasmota", [1234],
        source=tasmota, why="a bag put on quickly, taken out two minutes later")
    add("tasmota_pause_while_placing", tasmota_hx711(Scene(
        [(0, 0), (20, 0), (20.4, 609), (23.4, 610), (24, 1234), (150, 1234), (150.5, 0),
         (210, 0)])), "tasmota", [1234], case=1,
        source=tasmota, why="a hand holds the bag half on for 3 s: the driver publishes 609 g, "
        "then 1234 g")
    add("tasmota_lift_half_way", tasmota_hx711(Scene(
        [(0, 0)] + place(20, 3400) + [(80, 3400), (80.5, 1700), (85, 1700), (85.5, 3400),
                                      (200, 3400), (200.5, 0), (260, 0)])), "tasmota", [3400],
        case=2, source=tasmota, why="the bin lifted half-way for 4 s and set back")
    add("tasmota_bounce", tasmota_hx711(Scene(
        [(0, 0), (20, 0), (20.2, 3100), (20.5, 1500), (21, 1620), (21.4, 1500), (120, 1500),
         (120.5, 0), (180, 0)])), "tasmota", [1500],
        source=tasmota, why="a bag dropped on the scale bounces")
    add("tasmota_bag_on_top", tasmota_hx711(Scene(
        [(0, 0)] + place(20, 1200) + place(60, 1700, 1200) + [(180, 2900), (180.5, 0),
                                                               (240, 0)])), "tasmota", [2900],
        source=tasmota, why="a bag put on top of a bin already on the scale, both taken out")
    add("tasmota_long_session_drift", tasmota_hx711(Scene(
        [(0, 0)] + place(600, 2480) + [(7800, 2480), (7801, 0), (9000, 0)]),
        drift_g_per_h=6, tele_s=300), "tasmota", [2480], resolution_g=10,
        source=tasmota, why="a bin left two hours, TelePeriod messages, the zero drifting")
    add("tasmota_other_topics", tasmota_hx711(Scene(
        [(0, 0)] + place(30, 850) + [(100, 850), (100.5, 0), (320, 0)]),
        extra=tasmota_misc_topics), "tasmota", [850],
        source=tasmota + "; tasmota/tasmota_support/support_tasmota.ino (LWT, STATE)",
        why="LWT, INFO1, STATE and a DS18B20 beside the weight")
    add("tasmota_fulltopic_home", tasmota_hx711(Scene(
        [(0, 0)] + place(20, 1234) + [(90, 1234), (90.5, 0), (150, 0)]),
        topic="home/cuisine/tele/SENSOR"), "tasmota", [1234], case=9, device_id="cuisine",
        source=tasmota + "; FullTopic %prefix% and %topic% in another order",
        why="FullTopic home/%topic%/%prefix%/")
    add("tasmota_empty_drift", tasmota_hx711(Scene([(0, 0), (86400, 0)]), drift_g_per_h=2.5,
                                             tele_s=600), "tasmota", [],
        source=tasmota, why="an empty scale for a day, the zero creeping up 60 g")
    week = [(0, 0)]
    level = 0.0
    rng = random.Random(5)
    for day in range(6):
        for _ in range(3):
            t = day * 86400 + rng.uniform(25000, 75000)
            t = max(t, week[-1][0] + 10)
            item = rng.uniform(80, 260)
            week += place(t, item, level)
            level += item
    t_out = 6 * 86400 + 30000
    week += [(t_out, level), (t_out + 1, 0), (t_out + 3600, 0)]
    add("tasmota_kitchen_bin_week", tasmota_hx711(Scene(week), tele_s=3600), "tasmota",
        [round(level)], resolution_g=10,
        source=tasmota, why="a scale under the kitchen bin: items thrown in all week, the bag "
        "taken out on Sunday (one weigh-in, the bag)")
    overflow = tasmota_hx711(Scene([(0, 0)] + place(20, 700) + [(90, 700), (90.5, 0),
                                                                (150, 0)]))
    overflow.insert(2, line("tele/cuisine/SENSOR", '{"Time":"%s","HX711":{"Weight":1e400}}'
                            % iso(25), 25))
    add("tasmota_absurd_value", overflow, "tasmota", [700], case=9, bad_lines=1,
        source=tasmota, why="a corrupted Weight of 1e400 is a bad line, not a crash")
    add("tasmota_mi32_miscale", tasmota_miscale([(100, 9.55), (2000, 2.2)]), "tasmota",
        [9550, 2200], case=8, resolution_g=10,
        source="arendst/Tasmota tasmota/tasmota_xsns_sensor/xsns_62_MI_HM10.ino "
        "(MiScaleV1Packet_t, wgh_removed/wgh_stabilized/wgh_unit) and xsns_62_esp32_mi.ino",
        why="a Mi scale through Tasmota's BLE driver: live, stabilised, removed")

    add("tasmota_slow_placement", tasmota_hx711(Scene(
        [(0, 0), (20, 0), (21, 900), (22, 2400), (23, 3900), (24.5, 5200), (150, 5200),
         (151.5, 2600), (153, 0), (220, 0)])), "tasmota", [5200],
        source=tasmota, why="a heavy glass bin lowered over 4.5 s and lifted off slowly")
    add("esphome_slow_placement", esphome_hx711(Scene(
        [(0, 0), (20, 0), (21, 900), (22, 2400), (23, 3900), (24.5, 5200), (100, 5200),
         (101.5, 2600), (103, 0), (140, 0)]), median3=True), "esphome", [5200],
        options={"unit": "kg"}, source=esphome,
        why="a heavy glass bin lowered over 4.5 s, one sample a second")
    add("esphome_left_on_at_the_end", esphome_hx711(Scene(
        [(0, 0)] + place(20, 1800) + [(200, 1800)])), "esphome", [1800], live=[],
        options={"unit": "kg"}, source=esphome,
        why="a recording that ends with the bin still on: translate counts it at the end of "
        "its input, the live bridge only when it comes off (docs/firmware.md, section 4)")
    add("esphome_raw_median", esphome_hx711(Scene(
        [(0, 0)] + place(15, 2480) + [(75, 2480), (75.5, 0), (110, 0)]), median3=True,
        nan_at_boot=2), "esphome", [2480], options={"unit": "kg"},
        source=esphome, why="update_interval 1s, median 3, calibrate_linear to kg; nan at boot")
    add("esphome_pause_while_placing", esphome_hx711(Scene(
        [(0, 0), (20, 0), (20.4, 609), (23.4, 610), (24, 1234), (100, 1234), (100.5, 0),
         (140, 0)])), "esphome", [1234], case=1, options={"unit": "kg"},
        source=esphome, why="a hand holds the bag half on for 3 s")
    add("esphome_moving_average_2s", esphome_hx711(Scene(
        [(0, 0)] + place(40, 1200) + [(120, 1200), (120.5, 0)] + place(200, 600)
        + [(280, 600), (280.5, 0), (360, 0)]), update_s=2, window=15, noise_g=3),
        "esphome", [1200, 600], case=3, options={"unit": "kg"},
        source=esphome + " (sliding_window_moving_average window_size 15, send_every 1)",
        why="every 2 s through a 15-sample moving average: a 30 s ramp up and down")
    add("esphome_whole_node", esphome_hx711(Scene(
        [(0, 0)] + place(65, 1500) + [(150, 1500), (150.5, 0), (250, 0)]), others=True,
        nan_at_boot=1), "esphome", [1500], case=4, options={"unit": "kg"},
        device_id="balance-cuisine",
        source=esphome + "; esphome/components/mqtt (birth/will <node>/status), wifi_signal, "
        "uptime", why="a recording of <node>/#: other sensors, status, nan, None")

    mac = "C8:47:8C:01:02:03"
    add("omg_miscale_default_cycle", ble_weighings(
        [(60, mi_weighing(9.55))], "OMG_ESP32_BLE", mac, cycle_s=65.5, scan_s=10),
        "theengs", [9550], case=5, device_id="C8478C010203",
        source=omg, why="one weighing rebroadcast 20 min, seen every 65.5 s by an "
        "OpenMQTTGateway image, its LWT online")
    add("omg_miscale_bag_on_top", ble_weighings(
        [(60, mi_weighing(1.2)), (400, mi_weighing(2.9))], "OpenMQTTGateway", mac,
        cycle_s=65.5, scan_s=10), "theengs", [1200, 1700], case=5,
        source=omg, why="a bin weighed, then a bag put on top: the increase counts")
    add("theengs_gateway_two_bins", ble_weighings(
        [(30, mi_weighing(4.4, unit="lb")), (1500, mi_weighing(5.1, base=MI_BODY))],
        "TheengsGateway", mac, cycle_s=10, scan_s=5), "theengs", [1996, 5100],
        case=8, resolution_g=10, source=tgw + "; " + omg,
        why="Theengs Gateway's default topic, every 10 s; lb then kg")
    add("theengs_person_then_object", ble_weighings(
        [(30, mi_weighing(72.45, mode="person", base=MI_BODY)),
         (1500, mi_weighing(5.1, base=MI_BODY))], "TheengsGateway", mac, cycle_s=10, scan_s=5),
        "theengs", [5100], case=10, source=tgw + "; theengs/decoder XMTZC05HMKG_json.h",
        why="small-object weighing off: 'person' ignored (with a warning), then an object")
    add("theengs_skale_grams", ble_live(Scene(
        [(0, 0)] + place(40, 312.4) + [(160, 312.4), (160.5, 0), (260, 0)]),
        "TheengsGateway", "EF:81:D7:04:00:FF", SKALE, cycle_s=10, scan_s=5),
        "theengs", [312], case=6, resolution_g=2,
        source="theengs/decoder src/devices/Skale_json.h (weight /10, unit g), "
        "tests/BLE/test_ble.cpp; " + tgw,
        why="a kitchen scale streaming grams, no unit field")
    return seqs


def main() -> None:
    OUT.mkdir(exist_ok=True)
    manifest = {}
    for name, seq in build().items():
        path = OUT / (name + ".jsonl")
        with path.open("w", encoding="utf-8") as handle:
            for message in seq.pop("messages"):
                handle.write(json.dumps(message) + "\n")
        manifest[name] = seq
    (HERE / "sequences.json").write_text(json.dumps(manifest, indent=1) + "\n",
                                         encoding="utf-8")


if __name__ == "__main__":
    main()

"""The bridge against real brokers: outages, restarts, kills. Nothing lost or reordered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from firmware_bridge.bridge import Bridge
from firmware_bridge.config import BrokerSettings, load_config
from firmware_bridge.link import ScaleLink
from firmware_bridge.spool import Spool
from tests.support.mqtt import MQTTv311, Probe

pytestmark = pytest.mark.broker

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 14, 8, 0)


def wait_for(predicate, timeout=20.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def ingest_probe(mosquitto, client_id="bridge-test-ingest"):
    """A persistent-session subscriber standing for the ingest service."""
    probe = Probe.for_broker(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password,
                             client_id=client_id, clean=False, protocol=MQTTv311)
    probe.connect()
    probe.subscribe("zw/scales/+/weighin", qos=1)
    return probe


def readings(probes, device_id):
    """Payloads received for one device by one or several probes, in arrival order."""
    probes = probes if isinstance(probes, (list, tuple)) else [probes]
    return [json.loads(m.payload) for probe in probes for m in list(probe.messages)
            if m.topic == "zw/scales/%s/weighin" % device_id]


def reconnect(probe, mosquitto, client_id):
    """The same persistent session again after a broker restart (a fresh paho client)."""
    probe.close()
    again = Probe.for_broker(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password,
                             client_id=client_id, clean=False, protocol=MQTTv311)
    again.connect()
    return again


def first_occurrences(payloads):
    seen, out = set(), []
    for payload in payloads:
        if payload["seq"] not in seen:
            seen.add(payload["seq"])
            out.append(payload)
    return out


class Tasmota:
    """Publishes what a Tasmota HX711 with Sensor34 8 1 sends: one message per settled change."""

    def __init__(self, source_broker, topic="cuisine"):
        self.topic = "tele/%s/SENSOR" % topic
        self.clock = START
        self.probe = Probe(source_broker.host, source_broker.port, protocol=MQTTv311)
        self.probe.connect()

    def weight(self, kg: float) -> None:
        self.clock += timedelta(minutes=3)
        payload = {"Time": self.clock.isoformat(), "HX711": {
            "Weight": round(kg, 3), "WeightRaw": int(kg * 1000), "AbsRaw": 110000}}
        self.probe.publish(self.topic, json.dumps(payload), qos=1, wait=True)

    def load(self, kg: float) -> None:
        """Put a bag on, take it off: one weigh event."""
        self.weight(kg)
        self.weight(0.0)


def config_file(tmp_path, source_broker, mosquitto, device_id, password):
    path = tmp_path / "bridge.ini"
    path.write_text(textwrap.dedent("""
        [broker]
        source_host = {sh}
        source_port = {sp}
        tracker_host = {th}
        tracker_port = {tp}
        spool = {spool}
        tick_s = 0.2

        [cuisine]
        firmware = tasmota
        source_topic = tele/cuisine/SENSOR
        device_id = {dev}
        password = {pw}
        stream = residual
    """).format(sh=source_broker.host, sp=source_broker.port, th=mosquitto.host,
                tp=mosquitto.port, spool=tmp_path / "spool.sqlite3", dev=device_id,
                pw=password))
    return path


def test_link_publishes_status_and_readings_in_order(mosquitto, tmp_path):
    password = mosquitto.add_scale("link-1")
    status = Probe.for_broker(mosquitto, mosquitto.admin_username, mosquitto.admin_password,
                              protocol=MQTTv311)
    status.connect()
    status.subscribe("zw/scales/link-1/status", qos=1)
    ingest = ingest_probe(mosquitto, "link-test-ingest")
    spool = Spool(tmp_path / "spool.sqlite3")
    link = ScaleLink("link-1", spool, BrokerSettings(mosquitto.host, mosquitto.port),
                     password=password, stream="glass")
    link.start()
    try:
        assert link.connected.wait(10)
        now = datetime.now(PARIS)
        for grams in range(100, 2100, 100):
            link.submit(now, grams)
        assert link.wait_drained(15)
        assert wait_for(lambda: len(readings(ingest, "link-1")) >= 20)
        got = first_occurrences(readings(ingest, "link-1"))
        assert [p["seq"] for p in got] == list(range(1, 21))
        assert [p["weight_g"] for p in got] == list(range(100, 2100, 100))
        assert {p["stream"] for p in got} == {"glass"}
        assert wait_for(lambda: any(m.payload == b"online" and m.topic.endswith("/status")
                                    for m in status.messages))
    finally:
        link.stop()
        spool.close()
    assert wait_for(lambda: status.messages and status.messages[-1].payload == b"offline")
    status.close()
    ingest.close()


def test_bad_credentials_stop_retrying_with_a_clear_log(mosquitto, tmp_path, caplog):
    mosquitto.add_scale("link-bad")
    spool = Spool(tmp_path / "spool.sqlite3")
    link = ScaleLink("link-bad", spool, BrokerSettings(mosquitto.host, mosquitto.port),
                     password="wrong")
    link.start()
    try:
        assert wait_for(lambda: link.fatal is not None, timeout=10)
        assert link.fatal in ("not authorized", "bad user name or password")
        link.submit(datetime.now(PARIS), 500)  # still spooled, for after the fix
        time.sleep(1.5)
        assert not link.connected.is_set() and link.pending() == 1
    finally:
        link.stop()
        spool.close()
    assert any("not retrying" in r.getMessage() for r in caplog.records)


def test_bridge_survives_broker_outage_and_restart(mosquitto, source_broker, tmp_path):
    """Offline for a while, restarted in between: everything arrives, in order, seq goes on."""
    password = mosquitto.add_scale("kitchen-1")
    ingest = ingest_probe(mosquitto)
    config = load_config(config_file(tmp_path, source_broker, mosquitto, "kitchen-1", password))
    scale = Tasmota(source_broker)

    bridge = Bridge(config)
    bridge.start()
    assert bridge.scales[0].link.connected.wait(10)
    source_broker.wait_subscribed()  # the home broker keeps no session: publish after it
    scale.weight(0.0)
    for kg in (1.234, 0.5, 2.75):
        scale.load(kg)
    assert wait_for(lambda: len(readings(ingest, "kitchen-1")) >= 3)

    mosquitto.stop()  # the tracker's broker goes away for a while
    ingest.wait_disconnected(10)
    for kg in (3.1, 0.42, 1.0):
        scale.load(kg)
    link = bridge.scales[0].link
    assert wait_for(lambda: link.spool.count("kitchen-1") == 3)
    bridge.stop()  # and the bridge is restarted while the broker is still away

    subscribed = source_broker.subscriptions()
    bridge = Bridge(config)
    bridge.start()
    source_broker.wait_subscribed(subscribed)
    for kg in (4.2, 0.3):
        scale.load(kg)
    assert wait_for(lambda: bridge.scales[0].link.spool.count("kitchen-1") == 5)
    mosquitto.start()
    # persistent session: what was queued for it while away is delivered on reconnect
    ingest2 = reconnect(ingest, mosquitto, "bridge-test-ingest")
    both = [ingest, ingest2]
    try:
        assert wait_for(lambda: bridge.scales[0].link.pending() == 0, timeout=30)
        assert wait_for(lambda: len(first_occurrences(readings(both, "kitchen-1"))) >= 8)
    finally:
        bridge.stop()
    got = first_occurrences(readings(both, "kitchen-1"))
    assert [p["seq"] for p in got] == list(range(1, 9))
    assert [p["weight_g"] for p in got] == [1234, 500, 2750, 3100, 420, 1000, 4200, 300]
    arrival = [p["seq"] for p in readings(both, "kitchen-1")]
    assert arrival == sorted(arrival)  # never reordered (a duplicate may follow its original)
    # dated when the bag came off (08:09), the weigh-event model
    assert got[0]["ts"] == "2026-03-14T08:09:00+01:00" and got[0]["stream"] == "residual"
    scale.probe.close()
    ingest2.close()


def test_killed_bridge_process_resends_spool_and_leaves_offline_status(
        mosquitto, source_broker, tmp_path):
    """SIGKILL with readings spooled: the next process sends them; the will says offline."""
    password = mosquitto.add_scale("kitchen-2")
    ingest = ingest_probe(mosquitto, "kill-test-ingest")
    status = Probe.for_broker(mosquitto, mosquitto.admin_username, mosquitto.admin_password,
                              protocol=MQTTv311)
    status.connect()
    status.subscribe("zw/scales/kitchen-2/status", qos=1)
    path = config_file(tmp_path, source_broker, mosquitto, "kitchen-2", password)
    scale = Tasmota(source_broker)
    cmd = [sys.executable, "-m", "firmware_bridge", "-v", "bridge", "--config", str(path)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")

    mosquitto.stop()
    subscribed = source_broker.subscriptions()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        spool_file = tmp_path / "spool.sqlite3"
        assert wait_for(lambda: spool_file.exists(), timeout=15)
        source_broker.wait_subscribed(subscribed)
        scale.weight(0.0)
        for kg in (1.5, 2.5):
            scale.load(kg)

        def spooled():
            with Spool(spool_file) as spool:
                return spool.count("kitchen-2")
        assert wait_for(lambda: spooled() == 2, timeout=15)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    mosquitto.start()
    ingest = reconnect(ingest, mosquitto, "kill-test-ingest")
    status.close()
    status = Probe.for_broker(mosquitto, mosquitto.admin_username, mosquitto.admin_password,
                              protocol=MQTTv311)
    status.connect()
    status.subscribe("zw/scales/kitchen-2/status", qos=1)
    log_path = tmp_path / "bridge-2.log"
    subscribed = source_broker.subscriptions()
    with open(log_path, "wb") as log_file:  # a file, not a pipe nobody reads
        proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: len(first_occurrences(readings(ingest, "kitchen-2"))) >= 2,
                        timeout=30)
        assert wait_for(lambda: any(m.payload == b"online" for m in status.messages))
        # The home broker keeps no session for the bridge: publish only once it subscribed.
        source_broker.wait_subscribed(subscribed)
        scale.load(0.8)
        assert wait_for(lambda: len(first_occurrences(readings(ingest, "kitchen-2"))) >= 3,
                        timeout=15)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    got = first_occurrences(readings(ingest, "kitchen-2"))
    assert [(p["seq"], p["weight_g"]) for p in got] == [(1, 1500), (2, 2500), (3, 800)]
    assert wait_for(lambda: status.messages[-1].payload == b"offline", timeout=10)
    for probe in (ingest, status, scale.probe):
        probe.close()

"""``zw bridge record``: a live broker's messages saved as lines that translate replays."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time

import pytest

from firmware_bridge import cli
from firmware_bridge.config import BrokerSettings
from firmware_bridge.record import Recorder
from tests.support.mqtt import MQTTv311, Probe

pytestmark = pytest.mark.broker


def test_recorded_lines_replay_through_translate(source_broker, monkeypatch, capsys):
    out = io.StringIO()
    recorder = Recorder(BrokerSettings(source_broker.host, source_broker.port),
                        ["balance-verre/#"], out, count=7)
    stop = threading.Event()
    result = []
    thread = threading.Thread(target=lambda: result.append(recorder.run(stop, 20)))
    thread.start()
    assert recorder.subscribed.wait(10)
    scale = Probe(source_broker.host, source_broker.port, protocol=MQTTv311)
    scale.connect()
    scale.publish("balance-verre/status", "online", qos=1, wait=True)
    scale.publish("autre/sensor/poids/state", "9.999", qos=1, wait=True)  # not recorded
    for value in ("0.000", "nan", "2.480", "2.481"):
        scale.publish("balance-verre/sensor/poids/state", value, qos=1, wait=True)
        if value == "0.000":
            time.sleep(2.2)  # the empty scale, long enough to be the empty level
    # The bag stays on a while: longer than the settling time the detector derives from the
    # gaps it saw (2.5 x their median, at least 2 s; the gaps here are ~2.2 s and ~0 s).
    time.sleep(4.0)
    scale.publish("balance-verre/sensor/wifi_signal/state", "-67", qos=1, wait=True)
    scale.publish("balance-verre/sensor/poids/state", b"0.001", qos=1, wait=True)
    thread.join(20)
    scale.close()
    assert result == [0] and recorder.recorded == 7
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["topic"] for line in lines][:2] == [
        "balance-verre/status", "balance-verre/sensor/poids/state"]
    assert all(json.loads(line)["received_at"].endswith("+01:00") for line in lines)
    monkeypatch.setattr("sys.stdin", io.StringIO(out.getvalue()))
    code = cli.main(["bridge", "translate", "--firmware", "esphome", "--unit", "kg"])
    replayed, err = capsys.readouterr()
    assert code == 0, err
    [weighin] = [json.loads(line) for line in replayed.splitlines()]
    assert weighin["topic"] == "zw/scales/balance-verre/weighin"
    assert abs(weighin["payload"]["weight_g"] - 2480) <= 1


def test_record_command_writes_a_file(source_broker, tmp_path):
    path = tmp_path / "rec.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "firmware_bridge", "bridge", "record", "tele/cuisine/#",
         "--out", str(path), "--count", "1", "--duration", "30",
         "--source-host", source_broker.host, "--source-port", str(source_broker.port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    source_broker.wait_subscribed()
    scale = Probe(source_broker.host, source_broker.port, protocol=MQTTv311)
    scale.connect()
    scale.publish("tele/cuisine/SENSOR", '{"HX711":{"Weight":1.234}}', qos=1, wait=True)
    scale.close()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    [line] = path.read_text().splitlines()
    assert json.loads(line)["payload"] == '{"HX711":{"Weight":1.234}}'


@pytest.mark.parametrize("hostile", ["\x1b]0;pwned\x07\x1b[2J", "\x9b2J\x9d0;x\x9c",
                                     "\x7f", "poids \u202eJ2[\u202c", "\u2066x\u2069"])
def test_a_recorded_line_cannot_drive_the_terminal_it_is_printed_on(hostile):
    """`zw bridge record` prints to the terminal by default, and topic and payload come from
    whatever publishes on the firmwares' broker: no control character (C0, DEL, C1) or bidi
    override reaches the terminal raw, and the line reads back as the same value."""
    from datetime import datetime, timezone

    from firmware_bridge.record import record_line

    line = record_line(f"balance-{hostile}/state", f"2.5{hostile}".encode(),
                       datetime(2026, 3, 14, 8, 21, tzinfo=timezone.utc))
    assert not [c for c in line if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f
                or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069], line
    back = json.loads(line)
    assert back["topic"] == f"balance-{hostile}/state" and back["payload"] == f"2.5{hostile}"

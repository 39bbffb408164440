"""The command line: translate through main(argv) and a subprocess, config, light imports."""

import io
import json
import subprocess
import sys
import textwrap

import pytest

from firmware_bridge import cli
from firmware_bridge.config import ConfigError, load_config

from .helpers import CORPUS, corpus_lines


def run_main(argv, stdin_text, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_translate_tasmota_corpus(monkeypatch, capsys):
    code, out, err = run_main(
        ["bridge", "translate", "--firmware", "tasmota", "--device-id", "dev-1",
         "--stream", "residual"], "\n".join(corpus_lines("tasmota_weightres3.jsonl")),
        monkeypatch, capsys)
    assert code == 0, err
    assert out == [
        {"topic": "zw/scales/dev-1/weighin", "payload": {
            "seq": 1, "ts": "2026-03-14T08:26:30+01:00", "weight_g": 1235, "stream": "residual"}},
        {"topic": "zw/scales/dev-1/weighin", "payload": {
            "seq": 2, "ts": "2026-03-14T19:02:40+01:00", "weight_g": 868, "stream": "residual"}}]
    # dated when the bag came off (the weigh-event model), no longer when it settled


def test_translate_reports_bad_lines_and_goes_on(monkeypatch, capsys):
    lines = ["{not json", '{"payload": "1"}', "[1, 2]",
             '{"topic": "tele/s/SENSOR", "payload": "{\\"HX711\\": {}}"}', ""]
    lines += corpus_lines("tasmota_weightres0.jsonl")
    code, out, err = run_main(["bridge", "translate", "--firmware", "tasmota"],
                              "\n".join(lines), monkeypatch, capsys)
    assert code == 1
    assert [o["payload"]["weight_g"] for o in out] == [1000, 3000]
    assert out[0]["topic"] == "zw/scales/scale/weighin"  # device id from the Tasmota topic
    for number in (1, 2, 3, 4):
        assert "line %d:" % number in err
    assert "4 bad line(s)" in err


def test_translate_esphome_raw_and_theengs(monkeypatch, capsys):
    code, out, err = run_main(
        ["bridge", "translate", "--firmware", "esphome", "--unit", "raw",
         "--calibration", "-481989 -> 0, -1478338 -> 1000"],
        "\n".join(corpus_lines("esphome_raw.jsonl")), monkeypatch, capsys)
    assert code == 0, err
    assert [(o["topic"], o["payload"]["weight_g"]) for o in out] == [
        ("zw/scales/balance-cuisine/weighin", 733)]
    code, out, err = run_main(["bridge", "translate", "--firmware", "theengs"],
                              "\n".join(corpus_lines("theengs_miscale.jsonl")),
                              monkeypatch, capsys)
    assert code == 0, err
    assert [(o["topic"].split("/")[2], o["payload"]["seq"], o["payload"]["weight_g"])
            for o in out] == [("C8478C010203", 1, 9550), ("C8478C010203", 2, 1996),
                              ("C8478C010203", 3, 9550), ("5CCAD370D4A2", 1, 4999)]


def test_translate_refuses_raw_without_calibration(monkeypatch, capsys):
    code, _, err = run_main(["bridge", "translate", "--firmware", "esphome", "--unit", "raw"],
                            "", monkeypatch, capsys)
    assert code == 2 and "calibration" in err


def test_translate_as_a_subprocess_with_python_m():
    proc = subprocess.run(
        [sys.executable, "-m", "firmware_bridge", "bridge", "translate", "--firmware", "tasmota"],
        input=(CORPUS / "tasmota_weightres3.jsonl").read_text(), capture_output=True,
        text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["payload"]["weight_g"] for line in proc.stdout.splitlines()] == [
        1235, 868]


def test_usage_errors_return_2(capsys):
    assert cli.main(["bridge", "translate"]) == 2
    assert cli.main(["simulate", "--scales", "0", "--rate", "1"]) == 2
    assert cli.main(["bridge", "--config", "/nonexistent/bridge.ini"]) == 2
    assert cli.main(["--help"]) == 0
    capsys.readouterr()


def test_bridge_modules_do_not_load_the_web_stack():
    code = textwrap.dedent("""
        import sys
        import firmware_bridge, firmware_bridge.cli, firmware_bridge.spool
        import firmware_bridge.bridge, firmware_bridge.link, firmware_bridge.simulate
        import firmware_bridge.translate, firmware_bridge.detect, firmware_bridge.adapters
        import firmware_bridge.topics, firmware_bridge.config, firmware_bridge.pipeline
        import firmware_bridge.record
        from firmware_bridge import cli
        cli.build_parser()
        heavy = sorted(m for m in sys.modules if m.split('.')[0] in
                       {'flask', 'sqlalchemy', 'pandas', 'marshmallow', 'tracker', 'click',
                        'numpy', 'plotly', 'ingest', 'dashboards'})
        print(','.join(heavy))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_topics_module_imports_nothing_but_future():
    code = ("import sys; before = set(sys.modules); import firmware_bridge.topics; "
            "print(sorted(set(sys.modules) - before))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "['firmware_bridge', 'firmware_bridge.topics']"


def write(tmp_path, text):
    path = tmp_path / "bridge.ini"
    path.write_text(textwrap.dedent(text))
    return path


def test_config_file_many_scales(tmp_path, monkeypatch):
    monkeypatch.setenv("VERRE_PASSWORD", "from-env")
    config = load_config(write(tmp_path, """
        [broker]
        source_host = 192.168.1.10
        source_username = bridge
        source_password = s3cret
        tracker_host = tracker.example.org
        tracker_tls = true
        timezone = Europe/Paris
        spool = %s/spool.sqlite3

        [cuisine]
        firmware = tasmota
        source_topic = tele/cuisine/SENSOR
        device_id = 7f3c9a
        password = p1
        stream = residual

        [verre]
        firmware = esphome
        source_topic = balance-verre/sensor/poids/state
        device_id = 81ab02
        password_env = VERRE_PASSWORD
        unit = raw
        calibration = -481989 -> 0, -1478338 -> 1000
        settle_s = 3

        [salle-de-bain]
        firmware = theengs
        mac = C8:47:8C:01:02:03
        device_id = 99cc00
        password = p3   ; inline comments are fine
    """ % tmp_path))
    assert (config.source.host, config.source.username, config.source.port) == (
        "192.168.1.10", "bridge", 1883)
    assert (config.tracker.host, config.tracker.port, config.tracker.tls) == (
        "tracker.example.org", 8883, True)
    cuisine, verre, sdb = config.scales
    assert cuisine.mqtt_username == "7f3c9a" and cuisine.stream == "residual"
    assert verre.password == "from-env" and verre.detector.settle_s == 3
    assert verre.calibration.apply(-1478338) == pytest.approx(1000)
    assert sdb.source_topic == "home/+/BTtoMQTT/C8478C010203"  # any gateway's name
    assert sdb.password == "p3"
    assert cuisine.spool == str(tmp_path / "spool.sqlite3")


@pytest.mark.parametrize("body,message", [
    ("[a]\nfirmware = zigbee\ndevice_id = x\nsource_topic = t\n", "firmware"),
    ("[a]\nfirmware = tasmota\nsource_topic = t\n", "device_id"),
    ("[a]\nfirmware = tasmota\ndevice_id = x\n", "source_topic"),
    ("[a]\nfirmware = esphome\ndevice_id = x\nsource_topic = t\nunit = raw\n", "raw"),
    ("[a]\nfirmware = tasmota\ndevice_id = x\nsource_topic = t\npasword = typo\n", "pasword"),
    ("[a]\nfirmware = tasmota\ndevice_id = x\nsource_topic = t\n"
     "[b]\nfirmware = tasmota\ndevice_id = x\nsource_topic = u\n", "already used"),
    ("[broker]\nhost = h\n", "no scale"),
    ("[broker]\ntimezone = Mars/Olympus\n[a]\nfirmware = tasmota\ndevice_id = x\n"
     "source_topic = t\n", "time zone"),
    ("[a]\nfirmware = tasmota\ndevice_id = x/y\nsource_topic = t\n", "device_id"),
])
def test_config_errors_name_the_key(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, body))


def test_translate_has_the_live_bridge_options(monkeypatch, capsys):
    node = ["n/sensor/poids/state", "autre/sensor/poids/state"]
    lines = []
    for i, kg in enumerate([0.0] * 5 + [1.2] * 6 + [0.0] * 3):
        for topic in node:
            lines.append(json.dumps({"topic": topic, "payload": "%.3f" % (kg * 2 if topic
                                     == node[1] else kg), "received_at":
                                     "2026-03-14T08:00:%02d+01:00" % i}))
    code, out, err = run_main(["bridge", "translate", "--firmware", "esphome", "--unit", "kg",
                               "--source-topic", "n/#"], "\n".join(lines), monkeypatch, capsys)
    assert code == 0, err
    assert [(o["topic"], o["payload"]["weight_g"]) for o in out] == [
        ("zw/scales/n/weighin", 1200)]
    code, out, err = run_main(["bridge", "translate", "--firmware", "esphome", "--unit", "kg",
                               "--threshold-g", "1500", "--repeat-window-s", "30",
                               "--interval-factor", "0", "--max-settle-s", "10"],
                              "\n".join(lines), monkeypatch, capsys)
    assert code == 0 and [o["payload"]["weight_g"] for o in out] == [2400]


def test_reading_refuses_non_finite_weights():
    from datetime import datetime, timezone

    from firmware_bridge.reading import Reading, ReadingError

    for weight in (float("inf"), float("nan")):
        with pytest.raises(ReadingError):
            Reading.build(1, datetime(2026, 3, 14, tzinfo=timezone.utc), weight)


def test_config_keys_of_issue_16(tmp_path):
    config = load_config(write(tmp_path, """
        [a]
        firmware = esphome
        source_topic = balance/#
        device_id = x
        unit = kg
        sensor = poids
        interval_factor = 3
        max_settle_s = 20
        repeat_window_s = 600
        stacking = false  ; accepted, no effect any more
    """))
    [scale] = config.scales
    assert (scale.sensor, scale.detector.interval_factor, scale.detector.max_settle_s,
            scale.repeat_window_s) == ("poids", 3, 20, 600)


def test_the_bridge_log_cannot_drive_the_terminal(monkeypatch, capsys):
    """The bridge logs topics (and adapters' complaints about payloads) from the home broker,
    where any device publishes: on stderr every control character of a message is escaped,
    one message stays one line, and a traceback keeps its lines."""
    import logging

    from firmware_bridge import cli as bridge_cli

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    bridge_cli._setup_logging(0)
    hostile = "tele/x\x1b]0;pwned\x07\x9b2J\u202e/SENSOR\r\n2026 ERROR fake line"
    logging.getLogger("firmware_bridge.bridge").warning("unreadable message on %s", hostile)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("firmware_bridge.bridge").exception("handling %s", "t")
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "\\x1b]0;pwned\\x07\\x9b2J\\u202e/SENSOR\\r\\n2026 ERROR fake line" in lines[0]
    assert not [c for c in err if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f
                or 0x202a <= ord(c) <= 0x202e]
    assert "Traceback (most recent call last):" in lines and "ValueError: boom" in lines

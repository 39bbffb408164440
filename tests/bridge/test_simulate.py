"""The fleet simulator: realistic weights, and a real run against the project's broker."""

import json
import random
import sys

import pytest

from firmware_bridge import cli
from firmware_bridge.simulate import STREAM_WEIGHTS, simulated_weight_g
from tests.support.mqtt import MQTTv311, Probe

from .test_broker import first_occurrences, wait_for


@pytest.mark.parametrize("stream", sorted(STREAM_WEIGHTS))
def test_weights_stay_in_the_bin_ranges(stream):
    rng = random.Random(1)
    _, _, low, high = STREAM_WEIGHTS[stream]
    for persons in range(1, 7):
        grams = [simulated_weight_g(stream, persons, rng) for _ in range(300)]
        assert low * 1000 <= min(grams) and max(grams) <= high * 1000
    small = sum(simulated_weight_g(stream, 1, rng) for _ in range(500))
    large = sum(simulated_weight_g(stream, 6, rng) for _ in range(500))
    assert large > small  # bigger households, heavier bins


def test_noisy_scales_stay_valid_readings():
    rng = random.Random(2)
    grams = [simulated_weight_g("residual", 3, rng, noisy=True) for _ in range(3000)]
    assert all(0 < g <= 50000 for g in grams)
    assert any(g > 15000 for g in grams)  # the odd outlier for the tracker to flag


@pytest.mark.broker
def test_simulated_fleet_delivers_everything_with_offline_scales(mosquitto, tmp_path,
                                                                  monkeypatch, capsys):
    ids = ["sim-%02d" % i for i in range(6)]
    creds = {d: {"username": d, "password": mosquitto.add_scale(d)} for d in ids}
    cred_file = tmp_path / "creds.json"
    cred_file.write_text(json.dumps(creds))
    ingest = Probe.for_broker(mosquitto, mosquitto.ingest_username, mosquitto.ingest_password,
                              client_id="sim-test-ingest", clean=False, protocol=MQTTv311)
    ingest.connect()
    ingest.subscribe("zw/scales/+/weighin", qos=1)
    code = cli.main(["simulate", "--scales", "6", "--rate", "40", "--duration", "4",
                     "--host", mosquitto.host, "--port", str(mosquitto.port),
                     "--credentials", str(cred_file), "--offline-fraction", "0.5",
                     "--noisy-fraction", "0.5", "--seed", "3", "--spool-dir",
                     str(tmp_path / "spools"), "--drain-timeout", "30"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0, summary
    assert summary["drained"] and summary["pending"] == 0 and summary["went_offline"] >= 1
    assert summary["generated"] >= 100
    assert wait_for(lambda: len({(m.topic, json.loads(m.payload)["seq"])
                                 for m in ingest.messages}) >= summary["generated"])
    by_device: dict[str, list] = {}
    for m in ingest.messages:
        by_device.setdefault(m.topic.split("/")[2], []).append(json.loads(m.payload))
    total = 0
    for device, payloads in by_device.items():
        seqs = [p["seq"] for p in first_occurrences(payloads)]
        assert seqs == list(range(1, len(seqs) + 1)), device  # in order, no gap
        assert all(p["stream"] in STREAM_WEIGHTS for p in payloads)
        total += len(seqs)
    assert total == summary["generated"]
    ingest.close()


def test_simulate_refuses_too_few_credentials(tmp_path, capsys):
    cred_file = tmp_path / "creds.json"
    cred_file.write_text(json.dumps({"a": {"username": "a", "password": "p"}}))
    assert cli.main(["simulate", "--scales", "2", "--rate", "1",
                     "--credentials", str(cred_file)]) == 2
    assert "credentials" in capsys.readouterr().err
    sys.stdout.flush()

"""The rendered mosquitto.conf, the seeded dynamic-security.json and the Broker runner."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import subprocess

import pytest

from tracker.adapters import broker as zw_broker
from tracker.adapters.broker import (DEFAULT_TEMPLATE, Broker, BrokerError, free_port,
                                     hash_password, init_dynsec, render_config)

pytestmark = pytest.mark.broker


def _options(path) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.strip().partition(" ")
            options.setdefault(key, []).append(value)
    return options


def test_rendered_config_fills_every_placeholder(tmp_path):
    path = render_config(DEFAULT_TEMPLATE, tmp_path / "data", 18999, "127.0.0.1")
    text = path.read_text()
    assert not re.search(r"@[A-Z_]+@", "\n".join(
        line for line in text.splitlines() if not line.startswith("#")))
    options = _options(path)
    assert options["listener"] == ["18999 127.0.0.1"]
    assert options["persistence_location"] == [str((tmp_path / "data").resolve())]
    assert options["plugin"] == [str(zw_broker.find_dynsec_plugin())]
    assert options["plugin_opt_config_file"] == [
        str((tmp_path / "data" / "dynamic-security.json").resolve())]


def test_config_choices_that_protect_readings(tmp_path):
    options = _options(render_config(DEFAULT_TEMPLATE, tmp_path, 18999))
    assert options["allow_anonymous"] == ["false"]
    assert options["persistence"] == ["true"]
    assert 0 < int(options["autosave_interval"][0]) <= 60
    assert options["autosave_on_changes"] == ["false"]
    assert int(options["max_queued_messages"][0]) >= 100_000
    assert int(options["max_queued_bytes"][0]) >= 100_000 * 1024 or \
        options["max_queued_bytes"] == ["0"]
    assert int(options["max_inflight_messages"][0]) >= 1000  # >= the ingest's batch
    assert options["persistent_client_expiration"] == ["30d"]
    assert int(options["max_packet_size"][0]) > 16 * 1024 + 4096  # ingest sees what it refuses
    assert "message_size_limit" not in options


@pytest.mark.parametrize("field", ["bind", "data_dir"])
def test_values_with_whitespace_are_refused(tmp_path, field):
    kwargs = {"bind": "127.0.0.1", "data_dir": tmp_path / "data"}
    kwargs[field] = "127.0.0.1 0.0.0.0" if field == "bind" else tmp_path / "my data"
    with pytest.raises(ValueError):
        render_config(DEFAULT_TEMPLATE, kwargs["data_dir"], 18999, kwargs["bind"])


def test_dynsec_file_is_private_and_holds_no_password(tmp_path):
    path = init_dynsec(tmp_path, "zw-admin", "admin-pw-123", "zw-ingest", "ingest-pw-456")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "admin-pw-123" not in text and "ingest-pw-456" not in text
    document = json.loads(text)
    assert {c["username"] for c in document["clients"]} == {"zw-admin", "zw-ingest"}
    assert document["defaultACLAccess"]["publishClientSend"] is False
    with pytest.raises(FileExistsError):
        init_dynsec(tmp_path, "zw-admin", "x", "zw-ingest", "y")


def test_password_hash_matches_mosquitto_ctrl(tmp_path):
    ctrl = shutil.which("mosquitto_ctrl")
    if ctrl is None:
        pytest.fail("mosquitto_ctrl (mosquitto-clients) is needed to cross-check the hash")
    subprocess.run([ctrl, "dynsec", "init", str(tmp_path / "ref.json"), "admin", "pa55-word"],
                   check=True, capture_output=True)
    reference = json.loads((tmp_path / "ref.json").read_text())["clients"][0]
    ours = hash_password("pa55-word", salt=base64.b64decode(reference["salt"]),
                         iterations=reference["iterations"])
    assert ours == {k: reference[k] for k in ("password", "salt", "iterations")}


def test_find_dynsec_plugin_and_mosquitto():
    assert zw_broker.find_dynsec_plugin().is_file()
    assert os.access(zw_broker.find_mosquitto(), os.X_OK)


def test_broker_start_stop_restart_and_context_manager(tmp_path):
    port = free_port()
    broker = zw_broker.prepare_broker(tmp_path, port, admin_user="a", admin_password="p",
                                      ingest_user="i", ingest_password="q")
    with broker:
        assert broker.running and zw_broker.port_open("127.0.0.1", port)
        first = broker.pid
        broker.restart()
        assert broker.running and broker.pid != first
    assert not broker.running and not zw_broker.port_open("127.0.0.1", port)
    broker.stop()  # idempotent
    assert "mosquitto version" in (tmp_path / "mosquitto.log").read_text()
    assert (tmp_path / "mosquitto.db").exists()  # saved on the way out


def test_broker_refuses_a_port_in_use(tmp_path, mosquitto):
    config = render_config(DEFAULT_TEMPLATE, tmp_path, mosquitto.port)
    with pytest.raises(BrokerError, match="already in use"):
        Broker(config, mosquitto.port).start()


def test_broker_that_cannot_start_says_why(tmp_path):
    config = tmp_path / "bad.conf"
    config.write_text(f"listener {free_port()} 127.0.0.1\nno_such_option 1\n")
    with pytest.raises(BrokerError, match="no_such_option"):
        Broker(config, free_port()).start()


def test_sync_dynsec_rewrites_only_what_changed(tmp_path):
    from tracker.adapters.broker import sync_dynsec

    init_dynsec(tmp_path, "zw-admin", "a-pw", "zw-ingest", "i-pw")
    assert sync_dynsec(tmp_path, "zw-admin", "a-pw", "zw-ingest", "i-pw") is False
    assert sync_dynsec(tmp_path, "zw-admin", "a-pw", "zw-ingest", "new-pw") is True
    document = json.loads((tmp_path / "dynamic-security.json").read_text())
    document["roles"][1]["acls"] = []  # an older version of the ingest role
    (tmp_path / "dynamic-security.json").write_text(json.dumps(document))
    assert sync_dynsec(tmp_path, "zw-admin", "a-pw", "zw-ingest", "new-pw") is True
    assert sync_dynsec(tmp_path, "zw-admin", "a-pw", "zw-ingest", "new-pw") is False

"""Registering and revoking scales at runtime through the dynamic security plugin."""
from __future__ import annotations

import logging
import time

import pytest

from tracker.adapters.dynsec import DynsecClient, DynsecError, check_device_id, scale_role
from tests.support.mqtt import MQTTv311

pytestmark = pytest.mark.broker


def test_registration_takes_effect_within_seconds_without_restart(mosquitto, mqtt_probe):
    pid = mosquitto.pid
    before = mqtt_probe(mosquitto, "sc-new", "its-secret")
    assert before.connack.is_failure
    started = time.monotonic()
    mosquitto.add_scale("sc-new", "its-secret")
    scale = mqtt_probe(mosquitto, "sc-new", "its-secret")
    assert not scale.connack.is_failure
    assert not scale.publish("zw/scales/sc-new/weighin", "{}").is_failure
    assert time.monotonic() - started < 3
    assert mosquitto.pid == pid  # same process: no restart, no reload


def test_revoked_scale_is_kicked_and_cannot_reconnect(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    connected = mqtt_probe(mosquitto, "sc-1", password, protocol=MQTTv311)
    assert connected.connected
    mosquitto.revoke("sc-1")
    assert connected.wait_disconnected(5), "a revoked scale must be disconnected at once"
    again = mqtt_probe(mosquitto, "sc-1", password)
    assert again.connack.is_failure and str(again.connack) == "Not authorized"
    mosquitto.restore("sc-1")
    assert not mqtt_probe(mosquitto, "sc-1", password).connack.is_failure


def test_revocation_survives_a_broker_restart(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    mosquitto.revoke("sc-1")
    mosquitto.restart()
    assert mqtt_probe(mosquitto, "sc-1", password).connack.is_failure
    assert not mqtt_probe(mosquitto, mosquitto.ingest_username,
                          mosquitto.ingest_password).connack.is_failure


def test_deleted_scale_is_kicked_and_forgotten(mosquitto, mqtt_probe):
    password = mosquitto.add_scale("sc-1")
    connected = mqtt_probe(mosquitto, "sc-1", password)
    mosquitto.revoke("sc-1", delete=True)
    assert connected.wait_disconnected(5)
    assert mqtt_probe(mosquitto, "sc-1", password).connack.is_failure
    with mosquitto.admin() as admin:
        assert "sc-1" not in admin.list_clients()
        admin.add_scale("sc-1", "new-secret")  # the id can be paired again
    assert not mqtt_probe(mosquitto, "sc-1", "new-secret").connack.is_failure


def test_admin_client_lists_reads_and_changes_passwords(mosquitto, mqtt_probe):
    mosquitto.add_scale("sc-1", "old-secret")
    with mosquitto.admin() as admin:
        assert set(admin.list_clients()) == {"zw-admin", "zw-ingest", "sc-1"}
        record = admin.get_client("sc-1")
        assert record["username"] == "sc-1"
        assert [r["rolename"] for r in record["roles"]] == [scale_role("sc-1")]
        admin.set_password("sc-1", "new-secret")
        admin.revoke_scale("sc-1")
        assert admin.get_client("sc-1").get("disabled") is True
        admin.restore_scale("sc-1")
    assert mqtt_probe(mosquitto, "sc-1", "old-secret").connack.is_failure
    assert not mqtt_probe(mosquitto, "sc-1", "new-secret").connack.is_failure


def test_error_responses_raise_clear_exceptions(mosquitto):
    mosquitto.add_scale("sc-1")
    with mosquitto.admin() as admin:
        with pytest.raises(DynsecError, match="createClient failed: Client already exists") as e:
            admin.add_scale("sc-1", "another")
        assert e.value.command == "createClient"
        with pytest.raises(DynsecError, match="disableClient failed"):
            admin.revoke_scale("never-added")
        with pytest.raises(ValueError):
            admin.add_scale("sc-1/../sc-2", "x")


def test_wrong_admin_password_fails_clearly(mosquitto):
    client = DynsecClient(mosquitto.host, mosquitto.port, mosquitto.admin_username, "wrong",
                          timeout=3)
    with pytest.raises(DynsecError, match="refused the admin login"):
        client.connect()


def test_unreachable_broker_fails_clearly():
    from tracker.adapters.broker import free_port

    with pytest.raises(DynsecError, match="cannot reach the broker"):
        DynsecClient("127.0.0.1", free_port(), "zw-admin", "x", timeout=1).connect()


def test_only_the_admin_may_administer(mosquitto):
    client = DynsecClient(mosquitto.host, mosquitto.port, mosquitto.ingest_username,
                          mosquitto.ingest_password, timeout=3)
    with pytest.raises(DynsecError, match="may not read"):  # nor even read the replies
        client.connect()


@pytest.mark.parametrize("bad", ["", "a/b", "+", "#", "$SYS", "with space", "x" * 65, "-lead"])
def test_device_ids_that_are_not_one_safe_topic_level_are_refused(bad):
    with pytest.raises(ValueError):
        check_device_id(bad)


def test_passwords_are_never_logged(mosquitto, caplog):
    caplog.set_level(logging.DEBUG)
    mosquitto.add_scale("sc-1", "S3cret-Value-1")
    with mosquitto.admin() as admin:
        admin.set_password("sc-1", "S3cret-Value-2")
    mosquitto.stop()
    text = caplog.text + mosquitto.log_text()
    assert "S3cret-Value" not in text
    assert mosquitto.admin_password not in text
    dynsec_json = (mosquitto.data_dir / "dynamic-security.json").read_text()
    assert "S3cret-Value" not in dynsec_json and mosquitto.admin_password not in dynsec_json


def test_many_scales_register_in_one_go(mosquitto, mqtt_probe):
    passwords = {f"sim-{n:04d}": f"pw-{n}" for n in range(300)}
    started = time.monotonic()
    with mosquitto.admin() as admin:
        admin.add_scales(passwords)
        assert len(admin.list_clients()) == 302
    print(f"300 scales registered in {time.monotonic() - started:.2f}s")
    scale = mqtt_probe(mosquitto, "sim-0299", "pw-299")
    assert not scale.publish("zw/scales/sim-0299/weighin", "{}").is_failure
    assert scale.publish("zw/scales/sim-0298/weighin", "{}").is_failure


def test_configured_logins_win_over_the_file_at_startup(tmp_path, mqtt_probe):
    """A changed ZW_MQTT_PASSWORD (or newer role ACLs) is applied when the broker starts."""
    from tracker.adapters.broker import prepare_broker
    from tests.support.broker import start_broker

    running = start_broker(tmp_path / "data")
    try:
        password = running.add_scale("sc-1")
        running.stop()
        old = running.ingest_password
        prepare_broker(running.data_dir, running.port, admin_user=running.admin_username,
                       admin_password=running.admin_password,
                       ingest_user=running.ingest_username, ingest_password="changed-pw-1")
        running.start()
        assert mqtt_probe(running, running.ingest_username, old).connack.is_failure
        assert not mqtt_probe(running, running.ingest_username,
                              "changed-pw-1").connack.is_failure
        assert not mqtt_probe(running, "sc-1", password).connack.is_failure  # scales kept
    finally:
        running.stop()

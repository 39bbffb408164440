"""`zw devices add/list/revoke` and `zw deadletters list` through the CLI, with a real broker."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.support.mqtt import MQTTv5
from tracker.models import Device
from tracker.models import AuditEntry
from tracker.services.devices import check_secret

pytestmark = pytest.mark.broker


@pytest.fixture
def cli(app, runner, mosquitto, world):
    app.config["ZW"] = replace(app.config["ZW"], **mosquitto.config_overrides())
    return runner


def add_scale(cli, *extra):
    result = cli.invoke(args=["devices", "add", "--household", "Martin", "--challenge",
                              "defi-2026", *extra])
    assert result.exit_code == 0, result.output
    device_id = re.search(r"device id: (\S+)", result.output).group(1)
    secret = re.search(r"secret:\s+(\S+)", result.output).group(1)
    return device_id, secret


def test_added_scale_can_publish_at_once(cli, mosquitto, mqtt_probe, session):
    device_id, secret = add_scale(cli, "--stream", "glass")
    device = session.get(Device, device_id)
    assert device.stream == "glass" and device.firmware == "canonical"
    assert secret not in device.secret_hash and check_secret(device, secret)
    scale = mqtt_probe(mosquitto, device_id, secret, client_id=device_id)
    assert not scale.connack.is_failure
    assert not scale.publish(f"zw/scales/{device_id}/weighin", b"{}").is_failure


def test_wrong_credentials_are_refused(cli, mosquitto, mqtt_probe):
    device_id, secret = add_scale(cli)
    assert mqtt_probe(mosquitto, device_id, secret + "x").connack.is_failure
    assert mqtt_probe(mosquitto, "zws-unknown", secret).connack.is_failure


def test_revoked_scale_cannot_connect(cli, mosquitto, mqtt_probe, session):
    device_id, secret = add_scale(cli)
    scale = mqtt_probe(mosquitto, device_id, secret, client_id=device_id)
    assert not scale.connack.is_failure
    result = cli.invoke(args=["devices", "revoke", device_id])
    assert result.exit_code == 0, result.output
    assert scale.wait_disconnected(10), "the broker did not kick the revoked scale"
    assert mqtt_probe(mosquitto, device_id, secret).connack.is_failure
    assert session.get(Device, device_id).revoked_at is not None
    listed = json.loads(cli.invoke(args=["devices", "list", "--format", "json"]).output)
    assert [d["id"] for d in listed if d["revoked_at"]] == [device_id]
    # Pairing and revoking through the command are in the audit log, without the secret.
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.details["device"]) for e in entries] == [("device.pair", device_id),
                                                                  ("device.revoke", device_id)]
    assert all(e.actor.startswith("zw (") and e.household_id == entries[0].household_id
               for e in entries)
    assert secret not in json.dumps([e.details for e in entries])


def test_add_fails_cleanly_without_a_broker(app, runner, world, session):
    app.config["ZW"] = replace(app.config["ZW"], mqtt_port=1)  # nothing listens there
    result = runner.invoke(args=["devices", "add", "--household", "Martin",
                                 "--challenge", "defi-2026"])
    assert result.exit_code == 1 and "nothing was saved" in result.output
    assert session.query(Device).count() == 0
    assert session.query(AuditEntry).count() == 0


def test_add_refuses_unknown_household(cli):
    result = cli.invoke(args=["devices", "add", "--household", "Nobody",
                              "--challenge", "defi-2026"])
    assert result.exit_code == 1 and "Nobody" in result.output


def test_deadletters_list(runner, session, scales):
    from tracker.services.ingest import Refusal, record_dead_letters

    record_dead_letters(session, [Refusal("zw/scales/x/weighin", b"\xff{", "not UTF-8", "x")])
    session.commit()
    rows = json.loads(runner.invoke(args=["deadletters", "list", "--format", "json"]).output)
    assert rows[0]["reason"] == "not UTF-8" and rows[0]["payload"] == "\\xff{"
    text = runner.invoke(args=["deadletters", "list"]).output
    assert "zw/scales/x/weighin" in text


def test_sync_disables_scales_revoked_while_the_broker_was_away(cli, mosquitto, mqtt_probe,
                                                                session, app):
    """A revocation made in the database only (the broker was down) is carried to the broker
    by `zw devices sync` (also run by `zw run` at start): the scale is refused from then on."""
    from tracker.services.devices import revoke_device

    revoked, revoked_secret = add_scale(cli)
    kept, kept_secret = add_scale(cli)
    with app.extensions["zw_db"].session() as s:
        revoke_device(s, revoked)
    assert not mqtt_probe(mosquitto, revoked, revoked_secret).connack.is_failure  # not yet
    result = cli.invoke(args=["devices", "sync"])
    assert result.exit_code == 0, result.output
    assert revoked in result.output and kept not in result.output
    assert mqtt_probe(mosquitto, revoked, revoked_secret).connack.is_failure
    assert not mqtt_probe(mosquitto, kept, kept_secret).connack.is_failure
    again = cli.invoke(args=["devices", "sync"])
    assert again.exit_code == 0 and revoked in again.output  # idempotent, still disabled
    assert mqtt_probe(mosquitto, revoked, revoked_secret).connack.is_failure


def test_sync_without_a_broker_fails_cleanly(app, runner, world):
    app.config["ZW"] = replace(app.config["ZW"], mqtt_port=1)
    from tracker.services.devices import provision_device, revoke_device
    from tracker import services

    with app.extensions["zw_db"].session() as s:
        edition = services.get_edition(s, "defi-2026")
        device, _ = provision_device(s, services.get_household(s, edition, "Martin"))
        revoke_device(s, device.id)
    result = runner.invoke(args=["devices", "sync"])
    assert result.exit_code == 1
    assert "could not be reached" in result.output


def test_sync_ties_older_scales_to_their_client_id_in_the_running_broker(cli, mosquitto,
                                                                         mqtt_probe):
    """A scale registered by a version that pinned nothing (no client id, zw/scales/<id>/#)
    is pinned by `zw devices sync` (and `zw run`) without a broker restart; scales already
    pinned are not touched (a changed client id would disconnect them)."""
    old, old_secret = add_scale(cli)
    new, new_secret = add_scale(cli)
    role = f"zw-scale-{old}"
    with mosquitto.admin() as admin:  # what the older version registered
        admin.execute({"command": "deleteClient", "username": old},
                      {"command": "deleteRole", "rolename": role})
        admin.execute({"command": "createRole", "rolename": role, "acls": [
            {"acltype": "publishClientSend", "topic": f"zw/scales/{old}/#", "allow": True}]})
        admin.execute({"command": "createClient", "username": old, "password": old_secret,
                       "roles": [{"rolename": role}]})
    assert not mqtt_probe(mosquitto, old, old_secret, client_id="zw-ingest").connack.is_failure
    untouched = mqtt_probe(mosquitto, new, new_secret)
    result = cli.invoke(args=["devices", "sync"])
    assert result.exit_code == 0, result.output
    assert mqtt_probe(mosquitto, old, old_secret, client_id="zw-ingest").connack.is_failure
    scale = mqtt_probe(mosquitto, old, old_secret, protocol=MQTTv5)
    assert str(scale.publish(f"zw/scales/{old}/x", "x", retain=True)) == "Not authorized"
    assert not scale.publish(f"zw/scales/{old}/status", "online", retain=True).is_failure
    assert untouched.connected
    with mosquitto.admin() as admin:
        assert admin.pin_scales([old, new]) == []  # done already

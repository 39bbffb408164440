"""The scales page: state from the database fields the ingest writes, and revocation."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.staff.conftest import csrf, page_text
from tracker.models import Device, Household
from tracker.models import AuditEntry
from tracker.services.devices import provision_device
from tracker.services.ingest import record_device_status


@pytest.fixture
def scales(app, cohort):
    """sc-on (Martin, online, battery 15 %), sc-off (Durand, offline), sc-new (never seen)."""
    secrets = {}
    with app.extensions["zw_db"].session() as s:
        martin, durand = s.get(Household, cohort["martin"]), s.get(Household, cohort["durand"])
        for device_id, home, stream in (("sc-on", martin, "residual"),
                                        ("sc-off", durand, "glass"),
                                        ("sc-new", durand, "residual")):
            _, secrets[device_id] = provision_device(s, home, stream=stream, device_id=device_id,
                                                     firmware="tasmota" if device_id == "sc-off"
                                                     else "canonical")
        seen = dt.datetime(2026, 4, 15, 7, 30, tzinfo=dt.timezone.utc)
        record_device_status(s, "sc-on", True, seen_at=seen)
        s.get(Device, "sc-on").battery_pct = 15
        record_device_status(s, "sc-off", False, seen_at=seen - dt.timedelta(days=2))
        s.commit()
    return secrets


def row(text: str, device_id: str) -> str:
    start = text.index(f"<code>{device_id}</code>")
    return text[start:text.index("</tr>", start)]


def test_devices_are_listed_with_their_state(staff, scales):
    text = page_text(staff.get("/equipe/balances/"))
    on = row(text, "sc-on")
    assert "Martin" in on and "Ordures ménagères" in on and "canonique" in on
    assert "15/04/2026 09:30" in on and "en ligne" in on and "batterie 15 %" in on
    off = row(text, "sc-off")
    assert "Durand" in off and "Verre" in off and "Tasmota" in off
    assert "13/04/2026 09:30" in off and "hors ligne" in off
    new = row(text, "sc-new")
    assert "jamais" in new and "inconnu" in new


def test_devices_of_one_edition(staff, scales):
    text = page_text(staff.get("/equipe/balances/?defi=defi-2026"))
    assert "sc-on" in text and "Défi 2026" in text


def test_revoke_without_a_broker_keeps_it_revoked_and_says_so(app, staff, scales, session):
    app.config["ZW"] = replace(app.config["ZW"], mqtt_port=1)  # nothing listens there
    response = staff.post("/equipe/balances/sc-on/revoquer",
                          data={"csrf_token": csrf(staff)}, follow_redirects=True)
    text = page_text(response)
    assert "La balance sc-on est révoquée dans le suivi" in text
    assert "le serveur des balances n'a pas pu être joint" in text
    device = session.get(Device, "sc-on")
    assert device.revoked_at is not None and device.online is False
    assert "Renvoyer au serveur des balances" in row(text, "sc-on") and "révoquée" in row(text, "sc-on")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "device.revoke")).one()
    assert entry.household_id == device.household_id and entry.details == {"device": "sc-on"}


def test_revoke_an_unknown_scale(staff, scales):
    response = staff.post("/equipe/balances/sc-nope/revoquer", data={"csrf_token": csrf(staff)})
    assert response.status_code == 404


@pytest.mark.broker
def test_revoke_through_the_broker(app, staff, scales, session, mosquitto, mqtt_probe):
    app.config["ZW"] = replace(app.config["ZW"], **mosquitto.config_overrides())
    mosquitto.add_scale("sc-on", scales["sc-on"])
    scale = mqtt_probe(mosquitto, "sc-on", scales["sc-on"], client_id="sc-on")
    assert not scale.connack.is_failure
    response = staff.post("/equipe/balances/sc-on/revoquer",
                          data={"csrf_token": csrf(staff)}, follow_redirects=True)
    assert "La balance sc-on est révoquée : le serveur des balances refuse ses connexions" in page_text(
        response)
    assert scale.wait_disconnected(10), "the broker did not kick the revoked scale"
    assert mqtt_probe(mosquitto, "sc-on", scales["sc-on"]).connack.is_failure
    assert session.get(Device, "sc-on").revoked_at is not None

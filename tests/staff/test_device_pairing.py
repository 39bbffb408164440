"""Pairing a scale on the Balances page: the secret shown once, the settings, the broker."""
from __future__ import annotations

import configparser
import json
import re
import shlex
import subprocess
from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.staff.conftest import page_text
from tracker.models import Device, Household, WeighIn
from tracker.models import AuditEntry
from tracker.services.devices import check_secret
from tracker.services.scale_settings import ScaleSettings, blocks, qr_text
from tracker.web.staff import devices as staff_devices

PAIR = "/equipe/balances/appairer"


def form_token(client) -> tuple[str, str]:
    """The CSRF token and the one-time pairing token of a freshly shown form."""
    text = client.get(PAIR).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    return csrf, token


def pair(client, household_id, *, stream="residual", firmware="canonical", label="cuisine",
         tokens=None):
    csrf, token = tokens or form_token(client)
    return client.post(PAIR, data={"csrf_token": csrf, "token": token,
                                   "household": household_id, "stream": stream,
                                   "firmware": firmware, "label": label})


def shown_secret(text: str) -> str:
    return re.search(r'class="secret" value="([^"]+)"', text).group(1)


@pytest.fixture
def broker_ok(monkeypatch):
    """A broker that registers every scale (the real one is tested below): what it got."""
    registered = {}

    def register(device_id, secret):
        registered[device_id] = secret

    monkeypatch.setattr(staff_devices, "register_at_broker", register)
    return registered


def test_pair_shows_the_secret_once(app, staff, world, session, broker_ok):
    response = pair(staff, world["martin"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = page_text(response)
    device = session.scalars(select(Device)).one()
    secret = shown_secret(text)
    assert check_secret(device, secret) and broker_ok == {device.id: secret}
    assert device.household_id == world["martin"] and device.stream == "residual"
    assert device.firmware == "canonical" and device.label == "cuisine"
    assert "une seule fois" in text and f"zw/scales/{device.id}/weighin" in text
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', text).group(1)
    assert "xmlns" in qr  # an <img> draws no SVG without it
    # The list, the form again and the audit log never show it.
    for path in ("/equipe/balances/", PAIR):
        assert secret not in staff.get(path).get_data(as_text=True)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "device.pair")).one()
    assert entry.household_id == world["martin"] and entry.actor == "staff@example.org"
    assert entry.details == {"device": device.id, "stream": "residual", "firmware": "canonical"}
    assert secret not in json.dumps(entry.details)


def test_a_reload_pairs_nothing_and_shows_no_secret(app, staff, world, session, broker_ok):
    tokens = form_token(staff)
    first = pair(staff, world["martin"], tokens=tokens)
    secret = shown_secret(page_text(first))
    again = pair(staff, world["martin"], tokens=tokens)  # the browser posts the form again
    assert again.status_code == 302
    text = page_text(staff.get(again.headers["Location"]))
    assert secret not in text and "son mot de passe n'est pas affiché à nouveau" in text
    assert len(session.scalars(select(Device)).all()) == 1 and len(broker_ok) == 1


def test_pair_refuses_a_bin_the_edition_does_not_have(app, staff, world, session, broker_ok):
    response = pair(staff, world["martin"], stream="bulky")
    assert response.status_code == 400
    assert "Poubelle inconnue" in page_text(response) or "bulky" in page_text(response)
    assert session.scalars(select(Device)).all() == [] and broker_ok == {}


def test_pair_without_a_household(app, staff, world, session, broker_ok):
    response = pair(staff, "")
    assert response.status_code == 400 and "Choisissez un foyer" in page_text(response)
    assert session.scalars(select(Device)).all() == []


def test_pair_with_the_broker_away_saves_nothing_and_says_so(app, staff, world, session):
    app.config["ZW"] = replace(app.config["ZW"], mqtt_port=1)  # nothing listens there
    response = pair(staff, world["durand"], stream="glass")
    assert response.status_code == 503
    text = page_text(response)
    assert "n'a pas pu être joint" in text and "rien n'a été enregistré" in text
    assert 'class="secret"' not in text
    assert session.scalars(select(Device)).all() == []
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "device.pair")).all() == []
    assert 'value="glass" selected' in text  # the form stays filled


@pytest.mark.parametrize("firmware, wanted", [
    ("tasmota", ["MqttHost ", "MqttUser ", "MqttPassword ", "Topic balance-", "Sensor34 8 1",
                 "source_topic = tele/balance-"]),
    ("esphome", ["platform: hx711", "mqtt:", "broker:", "username:", "password:",
                 "sensor = poids"]),
    ("theengs", ["firmware = theengs", "mac = "]),
])
def test_each_firmware_gets_its_settings(app, staff, world, session, broker_ok, firmware,
                                         wanted):
    app.config["ZW"] = replace(app.config["ZW"], mqtt_public_host="mqtt.siom.example",
                               mqtt_public_port=8883)
    text = page_text(pair(staff, world["martin"], firmware=firmware))
    device = session.scalars(select(Device)).one()
    head = text[:text.index("other-firmwares")]  # the chosen firmware's settings come first
    for piece in wanted:
        assert piece in head, piece
    assert f"device_id = {device.id}" in head and f"password = {shown_secret(text)}" in head
    assert "tracker_host = mqtt.siom.example" in head and "tracker_port = 8883" in head


def test_settings_name_the_scale_and_its_topic():
    s = ScaleSettings(device_id="zws-0a1b2c3d4e", secret="s3cr'et", stream="glass",
                      firmware="tasmota", host="mqtt.example", port=1884)
    texts = blocks(s)
    line = shlex.split(texts["mosquitto_pub"])
    assert line[line.index("-t") + 1] == "zw/scales/zws-0a1b2c3d4e/weighin"
    assert line[line.index("-u") + 1] == line[line.index("-i") + 1] == "zws-0a1b2c3d4e"
    assert line[line.index("-P") + 1] == "s3cr'et"  # quoted for the shell
    assert json.loads(line[line.index("-m") + 1])["stream"] == "glass"
    assert json.loads(qr_text(s)) == {
        "host": "mqtt.example", "port": 1884, "tls": False, "client_id": "zws-0a1b2c3d4e",
        "username": "zws-0a1b2c3d4e", "password": "s3cr'et",
        "topic": "zw/scales/zws-0a1b2c3d4e/weighin", "stream": "glass", "firmware": "tasmota"}
    assert "Topic balance-zws-0a1b2c3d4e" in texts["tasmota"]
    assert "name: balance-zws-0a1b2c3d4e" in texts["esphome"]


@pytest.mark.parametrize("key", ["tasmota_bridge", "esphome_bridge", "theengs_bridge"])
def test_the_bridge_reads_the_configuration_given(tmp_path, key):
    """Each INI text is a configuration the bridge accepts, with the scale's credentials."""
    from firmware_bridge.config import load_config

    s = ScaleSettings(device_id="zws-0a1b2c3d4e", secret="secret-1", stream="packaging",
                      firmware=key.split("_")[0], host="mqtt.example", port=8883, tls=True)
    path = tmp_path / "bridge.ini"
    path.write_text(blocks(s)[key])
    config = load_config(path)
    (scale,) = config.scales
    assert (scale.device_id, scale.password, scale.stream) == ("zws-0a1b2c3d4e", "secret-1",
                                                               "packaging")
    assert scale.firmware == s.firmware and scale.mqtt_username == "zws-0a1b2c3d4e"
    assert (config.tracker.host, config.tracker.port, config.tracker.tls) == ("mqtt.example",
                                                                              8883, True)


def test_families_cannot_pair(app, family, world, session, broker_ok):
    assert family.get(PAIR).status_code in (302, 403)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     family.get("/").get_data(as_text=True) or "")
    response = family.post(PAIR, data={"csrf_token": csrf.group(1) if csrf else "",
                                       "household": world["martin"], "stream": "residual",
                                       "firmware": "canonical"})
    assert response.status_code in (302, 400, 403)
    assert session.scalars(select(Device)).all() == [] and broker_ok == {}


@pytest.mark.broker
def test_the_secret_shown_lets_the_scale_publish_a_stored_reading(app, staff, world, session,
                                                                  mosquitto, database_url,
                                                                  tmp_path):
    """Pair on the page against a real broker, run the page's mosquitto_pub line, and the
    ingest stores the reading for the household."""
    from tests.ingest.helpers import Counter, IngestProcess

    app.config["ZW"] = replace(app.config["ZW"], **mosquitto.config_overrides())
    text = page_text(pair(staff, world["durand"], stream="glass"))
    device = session.scalars(select(Device)).one()
    line = re.search(r"<code>(mosquitto_pub .*?)</code>", text).group(1)
    ingest = IngestProcess(mosquitto, database_url, tmp_path / "ingest")
    counter = Counter(database_url)
    try:
        ingest.start()
        done = subprocess.run(shlex.split(line), capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert counter.wait_weighins(1, 30) == 1
    finally:
        counter.close()
        assert ingest.stop() == 0
    weighin = session.scalars(select(WeighIn)).one()
    assert (weighin.device_id, weighin.household_id, weighin.stream, weighin.weight_g,
            weighin.source) == (device.id, world["durand"], "glass", 1234, "scale")
    # A wrong secret is refused by the broker.
    wrong = shlex.split(line)
    wrong[wrong.index("-P") + 1] = "not-the-secret"
    assert subprocess.run(wrong, capture_output=True, timeout=30).returncode != 0


@pytest.mark.parametrize("key", ["secret", "password", "token"])
def test_the_audit_log_refuses_a_credential(session, world, key):
    from tracker.services import audit

    with pytest.raises(ValueError, match="credential"):
        audit.record(session, None, "device.pair", device="zws-1", **{key: "x"})

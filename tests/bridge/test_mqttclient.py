"""One MQTT client factory and one bad-credentials policy (firmware_bridge.mqttclient), used
by the bridge and the ingest alike; checked against a real mosquitto."""
from __future__ import annotations

import subprocess
import sys
import threading

import paho.mqtt.client as mqtt

from firmware_bridge import mqttclient


def _connack(broker, username, password, client_id="zw-policy-probe", protocol=mqtt.MQTTv311):
    """The CONNACK reason code the running broker answers to these credentials."""
    client = mqttclient.new_client(client_id, username=username, password=password,
                                   protocol=protocol)
    answered = threading.Event()
    codes = []

    def on_connect(_client, _userdata, _flags, reason_code, _properties):
        codes.append(reason_code)
        answered.set()

    client.on_connect = on_connect
    client.connect(broker.host, broker.port, keepalive=10)
    client.loop_start()
    try:
        assert answered.wait(10), "no CONNACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return codes[0]


def test_a_wrong_password_is_fatal_for_every_client(mosquitto):
    device = "sc-policy"
    secret = mosquitto.add_scale(device)
    good = _connack(mosquitto, device, secret, client_id=device)
    assert not good.is_failure and mqttclient.fatal_reason(good) is None
    for username, password in ((device, "wrong"), (mosquitto.ingest_username, "wrong"),
                               ("nobody", "x")):
        code = _connack(mosquitto, username, password, client_id=username)
        assert code.is_failure
        assert mqttclient.fatal_reason(code) in {"bad user name or password",
                                                 "not authorized"}, code
    # the admin API's client speaks MQTT 5: the same factory and the same policy
    code = _connack(mosquitto, mosquitto.admin_username, "wrong", protocol=mqtt.MQTTv5)
    assert code.is_failure and mqttclient.fatal_reason(code) is not None, code


def test_the_ingest_and_the_bridge_share_the_policy_and_the_factory():
    from firmware_bridge import link
    from ingest import service
    from tracker.adapters import dynsec

    assert service.fatal_reason is link.fatal_reason is mqttclient.fatal_reason
    assert service.new_client is dynsec.new_client is mqttclient.new_client
    assert not hasattr(service, "BAD_CREDENTIALS")  # no second table of codes
    assert mqttclient.fatal_reason(133) and mqttclient.fatal_reason(138)
    assert mqttclient.fatal_reason(128) is None and mqttclient.fatal_reason(136) is None


def test_the_factory_imports_only_paho_and_the_standard_library():
    code = ("import sys; import firmware_bridge.mqttclient; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'flask', 'sqlalchemy', 'pandas', 'tracker', 'ingest', 'dashboards', 'click'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"

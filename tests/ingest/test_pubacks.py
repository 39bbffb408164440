"""The ingest's acknowledgements: the bytes paho would send, in fewer writes."""
import paho.mqtt.client as mqtt
import pytest

from ingest import service
from ingest.service import send_pubacks


def _client(protocol=mqtt.MQTTv311):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="t", protocol=protocol)
    client.manual_ack_set(True)
    queued = []
    client._packet_queue = lambda command, packet, mid, qos, info=None: queued.append(
        (command, packet)) or mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS
    return client, queued


@pytest.mark.parametrize("protocol", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_pubacks_are_pahos_bytes_in_fewer_writes(monkeypatch, protocol):
    mids = [1, 2, 300, 65535, 7]
    one_by_one, queued_one = _client(protocol)
    for mid in mids:
        one_by_one.ack(mid, 1)
    batched, queued = _client(protocol)
    monkeypatch.setattr(service, "PUBACKS_PER_WRITE", 2)
    send_pubacks(batched, mids)
    assert len(queued_one) == 5 and len(queued) == 3
    assert {command for command, _ in queued} == {mqtt.PUBACK}
    assert b"".join(p for _, p in queued) == b"".join(p for _, p in queued_one)


def test_without_pahos_queue_each_is_acknowledged():
    acked = []

    class Bare:
        def ack(self, mid, qos):
            acked.append((mid, qos))
    send_pubacks(Bare(), [4, 5])
    assert acked == [(4, 1), (5, 1)]

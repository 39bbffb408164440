"""A synchronous paho client for tests: connect, subscribe, publish and wait, with timeouts."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt

MQTTv311 = mqtt.MQTTv311
MQTTv5 = mqtt.MQTTv5


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Probe:
    """One MQTT client whose callbacks are recorded so tests can wait on them."""

    def __init__(self, host: str, port: int, username: str | None = None,
                 password: str | None = None, *, client_id: str = "", clean: bool = True,
                 protocol: int = MQTTv5, session_expiry: int = 0, will: tuple | None = None):
        self.host, self.port, self.protocol = host, port, protocol
        self.clean, self.session_expiry = clean, session_expiry
        kwargs = {"client_id": client_id, "protocol": protocol}
        if protocol != MQTTv5:
            kwargs["clean_session"] = clean
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, **kwargs)
        self.client.reconnect_delay_set(60, 60)  # tests decide when to reconnect
        if username is not None:
            self.client.username_pw_set(username, password)
        if will:
            topic, payload = will
            self.client.will_set(topic, payload, qos=1, retain=True)
        self.client.max_inflight_messages_set(100)
        self.connack = None
        self.session_present = None
        self.disconnect_reason = None
        self.messages: list[Received] = []
        self.pubacks: dict[int, object] = {}
        self._cond = threading.Condition()
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._subacks: dict[int, list] = {}
        c = self.client
        c.on_connect, c.on_disconnect = self._on_connect, self._on_disconnect
        c.on_message, c.on_publish, c.on_subscribe = (self._on_message, self._on_publish,
                                                      self._on_subscribe)

    @classmethod
    def for_broker(cls, broker, username, password, **kwargs) -> "Probe":
        return cls(broker.host, broker.port, username, password, **kwargs)

    # --- callbacks ---
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.connack = reason_code
        self.session_present = flags.session_present
        self._disconnected.clear()
        self._connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.disconnect_reason = reason_code
        self._connected.clear()
        self._disconnected.set()

    def _on_message(self, client, userdata, message):
        with self._cond:
            self.messages.append(Received(message.topic, message.payload, message.qos,
                                          bool(message.retain)))
            self._cond.notify_all()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self._cond:
            self.pubacks[mid] = reason_code
            self._cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self._cond:
            self._subacks[mid] = list(reason_codes)
            self._cond.notify_all()

    # --- actions ---
    def connect(self, timeout: float = 5.0):
        """Connect and return the CONNACK reason code (never raises on refusal)."""
        self._connected.clear()
        self._disconnected.clear()
        self.connack = None
        props = None
        if self.protocol == MQTTv5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = self.session_expiry
        kwargs = {"clean_start": self.clean, "properties": props} if props else {}
        self.client.connect(self.host, self.port, keepalive=30, **kwargs)
        self.client.loop_start()
        deadline = time.monotonic() + timeout
        while self.connack is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.connack is None:
            raise TimeoutError("no CONNACK")
        return self.connack

    @property
    def connected(self) -> bool:
        return self._connected.is_set() and self.client.is_connected()

    def subscribe(self, topic: str, qos: int = 1, timeout: float = 5.0) -> list:
        """Subscribe and return the SUBACK reason codes."""
        result, mid = self.client.subscribe(topic, qos)
        assert result == mqtt.MQTT_ERR_SUCCESS, mqtt.error_string(result)
        with self._cond:
            assert self._cond.wait_for(lambda: mid in self._subacks, timeout), "no SUBACK"
            return self._subacks.pop(mid)

    def publish(self, topic: str, payload, qos: int = 1, retain: bool = False,
                wait: float | None = 5.0):
        """Publish; with wait, return the PUBACK reason code (None for QoS 0)."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if not wait or qos == 0:
            return info
        with self._cond:
            assert self._cond.wait_for(lambda: info.mid in self.pubacks, wait), "no PUBACK"
            return self.pubacks[info.mid]

    def wait_messages(self, count: int, timeout: float = 10.0) -> bool:
        """True once at least count messages have arrived."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.messages) >= count, timeout)

    def wait_disconnected(self, timeout: float = 5.0) -> bool:
        return self._disconnected.wait(timeout)

    def close(self) -> None:
        """Disconnect cleanly (no last will) and stop the network thread."""
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def drop(self) -> None:
        """Stop without DISCONNECT, as a crashed client would (the last will is sent)."""
        self.client.loop_stop()
        sock = self.client.socket()
        if sock:
            sock.close()

    def __enter__(self) -> "Probe":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

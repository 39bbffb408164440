"""The tracker side of one scale: its own MQTT connection, status, last will, spool drain.

Each scale connects with its own credentials (username = device id) because the broker
lets a scale publish only under ``zw/scales/<device_id>/`` and because the last will
(``offline``, retained) is per connection. Its client id is its username: the broker ties
each scale's login to that one client id (docs/broker.md) and refuses any other.

Flow: ``submit`` writes the reading to the spool (seq allocated there) and wakes the
worker thread; the worker hands spooled rows to paho in seq order (QoS 1) while
connected; paho's PUBACK (``on_publish`` with the mid) deletes the row. Paho keeps the
QoS 1 messages it was handed across reconnects and re-sends them itself, so a row is
handed over once per process; after a restart every row still in the spool is sent
again (the ingest absorbs duplicates by (device, seq)).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

from firmware_bridge import topics
from firmware_bridge.config import BrokerSettings
from firmware_bridge.mqttclient import FATAL_CONNACK, fatal_reason  # noqa: F401 (re-exported)
from firmware_bridge import mqttclient
from firmware_bridge.reading import Reading
from firmware_bridge.spool import Spool

log = logging.getLogger(__name__)

DRAIN_BATCH = 200


def new_client(client_id: str, broker: BrokerSettings, username: str | None,
               password: str | None) -> mqtt.Client:
    """The project's MQTT client (firmware_bridge.mqttclient) for one of the bridge's brokers."""
    return mqttclient.new_client(client_id, username=username, password=password,
                                 tls=broker.tls, ca_certs=broker.ca_certs)


class ScaleLink:
    """One scale's connection to the tracker broker, publishing from the spool."""

    def __init__(self, device_id: str, spool: Spool, broker: BrokerSettings,
                 username: str | None = None, password: str | None = None,
                 stream: str | None = None, client_id: str | None = None) -> None:
        self.device_id = device_id
        self.spool = spool
        self.broker = broker
        self.stream = stream
        self.status_topic = topics.status_topic(device_id)
        self.client = new_client(client_id or username or device_id, broker,
                                 username or device_id, password)
        self.client.will_set(self.status_topic, topics.STATUS_OFFLINE, qos=topics.STATUS_QOS,
                             retain=topics.STATUS_RETAIN)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.connected = threading.Event()
        self.fatal: str | None = None
        self.published = 0  # handed to paho
        self.acked = 0
        self._handed_upto = 0  # highest seq handed to paho by this process
        # Only the worker thread publishes readings and records their mids, and only it
        # consumes the PUBACKs that on_publish queues: an ack is therefore never looked
        # up before its mid was recorded, and no lock is held across paho calls (paho
        # calls on_publish while holding its own message lock).
        self._mids: dict[int, int] = {}  # paho mid -> seq
        self._acks: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._worker = threading.Thread(target=self._run, name="zw-link-" + device_id,
                                        daemon=True)
        self._paused = False

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Connect in the background (retrying with backoff) and start draining."""
        self.client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive)
        self.client.loop_start()
        self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Say ``offline`` (retained), disconnect, stop the threads. The spool stays."""
        self._stopping.set()
        self._wake.set()
        if self.connected.is_set():
            try:
                info = self.client.publish(self.status_topic, topics.STATUS_OFFLINE,
                                           qos=topics.STATUS_QOS, retain=topics.STATUS_RETAIN)
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as exc:
                log.debug("%s: offline status not sent: %s", self.device_id, exc)
        self.client.disconnect()
        self.client.loop_stop()
        if self._worker.is_alive():
            self._worker.join(timeout)
        if not self._worker.is_alive():
            self._take_acks()  # PUBACKs that arrived while stopping

    def pause(self) -> None:
        """Drop the connection, as if the network were gone (simulator, tests)."""
        self._paused = True
        self.client.disconnect()
        self.client.loop_stop()

    def resume(self) -> None:
        """Reconnect after ``pause``."""
        self._paused = False
        self.client.reconnect_delay_set(topics.RECONNECT_MIN_DELAY_S,
                                        topics.RECONNECT_MAX_DELAY_S)
        self.client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive)
        self.client.loop_start()

    # --- readings ---------------------------------------------------------------------
    def submit(self, ts: datetime, weight_g: float, battery_pct: float | None = None,
               stream: str | None = None) -> Reading:
        """Spool a weigh event (next seq), then publish it when possible."""
        reading = self.spool.append(self.device_id, ts, weight_g, stream or self.stream,
                                    battery_pct)
        self._wake.set()
        return reading

    def pending(self) -> int:
        """Readings of this scale not yet acknowledged by the broker."""
        return self.spool.count(self.device_id)

    def wait_drained(self, timeout: float) -> bool:
        """Wait until the spool holds nothing of this scale; True when drained."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.05)
        return self.pending() == 0

    # --- worker -----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            try:
                self._take_acks()
                if self._stopping.is_set() or self.fatal or not self.connected.is_set():
                    continue
                self._drain()
                self._take_acks()
            except Exception:  # never let the worker die: the spool keeps the rows
                log.exception("%s: error while publishing from the spool", self.device_id)
                time.sleep(1.0)

    def _drain(self) -> None:
        while self.connected.is_set() and not self._stopping.is_set():
            rows = self.spool.pending(self.device_id, limit=DRAIN_BATCH,
                                      after_seq=self._handed_upto)
            if not rows:
                return
            for row in rows:
                if not self.connected.is_set():
                    return
                info = self.client.publish(row.topic, row.payload, qos=topics.WEIGHIN_QOS)
                if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                    log.warning("%s: paho refused seq %d (%s); will retry", self.device_id,
                                row.seq, mqtt.error_string(info.rc))
                    return
                # MQTT_ERR_NO_CONN: paho queued it and sends it once reconnected
                self._handed_upto = row.seq
                self._mids[info.mid] = row.seq
                self.published += 1
            self._take_acks()

    def _take_acks(self) -> None:
        seqs = []
        while True:
            try:
                mid = self._acks.get_nowait()
            except queue.Empty:
                break
            seq = self._mids.pop(mid, None)
            if seq is not None:  # else: the PUBACK of a status message
                seqs.append(seq)
        if seqs:
            self.spool.ack_many(self.device_id, seqs)
            self.acked += len(seqs)

    # --- paho callbacks (no exception may escape) ---------------------------------------
    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any,
                    properties: Any) -> None:
        try:
            if reason_code.is_failure:
                reason = fatal_reason(reason_code)
                if reason:
                    self.fatal = reason
                    log.error("%s: the tracker broker refused this scale (%s). Check its "
                              "username/password (printed once by 'zw devices add'); not "
                              "retrying.", self.device_id, reason)
                    client.disconnect()
                else:
                    log.warning("%s: connection refused (%s); retrying", self.device_id,
                                reason_code)
                return
            client.publish(self.status_topic, topics.STATUS_ONLINE, qos=topics.STATUS_QOS,
                           retain=topics.STATUS_RETAIN)
            self.connected.set()
            self._wake.set()
            log.info("%s: connected to %s:%d, %d reading(s) in the spool", self.device_id,
                     self.broker.host, self.broker.port, self.pending())
        except Exception:
            log.exception("%s: error in on_connect", self.device_id)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any,
                       properties: Any) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if was_connected and not self._stopping.is_set() and not self._paused:
            log.warning("%s: disconnected from the tracker broker (%s); reconnecting",
                        self.device_id, reason_code)

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason_code: Any,
                    properties: Any) -> None:
        try:
            if getattr(reason_code, "is_failure", False):
                log.error("%s: broker refused message %d (%s); kept in the spool",
                          self.device_id, mid, reason_code)
                return
            self._acks.put(mid)
            self._wake.set()
        except Exception:
            log.exception("%s: error in on_publish", self.device_id)

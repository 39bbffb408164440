"""``zw bridge record``: what a scale publishes, saved as JSON lines that translate replays.

A family's problem becomes a test: record the scale's topics for a while (the weighing that
went wrong included), replay the file with ``zw bridge translate``, and add it to the corpus
(tests/bridge/corpus) with the weigh-ins it should give. Each line is
``{"topic": ..., "payload": ..., "received_at": ...}``: the payload as text (as published;
bytes that are not UTF-8 are kept with ``\\ufffd``), the receive time with its offset, to the
millisecond, because ESPHome and BLE messages carry no time of their own.

The lines go to the terminal by default, and topic and payload are whatever was published on
the firmwares' broker: besides the C0 controls that JSON escapes, DEL, the C1 controls and the
bidirectional overrides are written as ``\\uXXXX`` too (the same value, nothing a terminal
runs: `firmware_bridge.terminal`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import Any, Sequence, TextIO
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt

from firmware_bridge.config import BrokerSettings
from firmware_bridge.link import fatal_reason, new_client
from firmware_bridge.terminal import safe_json_text

log = logging.getLogger(__name__)


def record_line(topic: str, payload: bytes, received_at: datetime) -> str:
    """One recorded message as a JSON line (without the newline)."""
    line = json.dumps({"topic": topic, "payload": payload.decode("utf-8", errors="replace"),
                       "received_at": received_at.isoformat(timespec="milliseconds")},
                      ensure_ascii=False)
    return safe_json_text(line)


class Recorder:
    """Subscribes to topics on the firmwares' broker and writes each message as a line."""

    def __init__(self, broker: BrokerSettings, topics: Sequence[str], out: TextIO,
                 tz: str = "Europe/Paris", count: int | None = None) -> None:
        self.broker, self.topics, self.out = broker, list(topics), out
        self.zone = ZoneInfo(tz)
        self.count = count
        self.recorded = 0
        self.subscribed = threading.Event()
        self.fatal: str | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        self.client = new_client("zw-bridge-record-%d" % id(self), broker, broker.username,
                                 broker.password)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_message

    def run(self, stop: threading.Event, duration: float | None = None) -> int:
        """Record until ``stop``, ``duration`` seconds or ``count`` messages; exit code."""
        self.client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive)
        self.client.loop_start()
        deadline = None if duration is None else time.monotonic() + duration
        try:
            while not stop.is_set() and not self._done.is_set() and not self.fatal:
                if deadline is not None and time.monotonic() >= deadline:
                    break
                stop.wait(0.1)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            self.out.flush()
        log.info("recorded %d message(s)", self.recorded)
        return 1 if self.fatal else 0

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any,
                    properties: Any) -> None:
        if reason_code.is_failure:
            reason = fatal_reason(reason_code)
            if reason:
                self.fatal = reason
                log.error("the broker refused the recorder (%s)", reason)
            return
        client.subscribe([(topic, 1) for topic in self.topics])

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            line = record_line(message.topic, message.payload, datetime.now(self.zone))
            with self._lock:
                self.out.write(line + "\n")
                self.out.flush()
                self.recorded += 1
                if self.count is not None and self.recorded >= self.count:
                    self._done.set()
        except Exception:  # never kill the network loop
            log.exception("cannot record a message on %s", message.topic)

"""``zw bridge``: subscribe to the firmwares, detect weigh events, spool, publish.

One source connection (the broker the firmwares publish to) feeds every scale's
pipeline; each scale has its own tracker connection (``ScaleLink``). A timer lets held
values settle between sparse messages (Tasmota sends one per settled change).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt

from firmware_bridge.adapters import AdapterError, make_adapter
from firmware_bridge.config import BridgeConfig, ScaleConfig, spool_path
from firmware_bridge.detect import WeighEvent
from firmware_bridge.link import ScaleLink, fatal_reason, new_client
from firmware_bridge.pipeline import ScalePipeline
from firmware_bridge.reading import ReadingError
from firmware_bridge.spool import Spool

log = logging.getLogger(__name__)

SHOWN_PAYLOAD = 200  # characters of a bad payload shown in the log


class Scale:
    """A configured scale at run time: its pipeline and its tracker link."""

    def __init__(self, config: ScaleConfig, pipeline: ScalePipeline, link: ScaleLink) -> None:
        self.config = config
        self.pipeline = pipeline
        self.link = link
        self.bad_messages = 0
        self.events = 0

    def submit(self, events: list[WeighEvent]) -> None:
        """Spool (and so publish) each event; an impossible weight is logged and dropped."""
        for event in events:
            try:
                reading = self.link.submit(event.ts, event.weight_g, event.battery_pct)
            except ReadingError as exc:
                log.warning("%s: weigh event dropped: %s", self.config.device_id, exc)
                continue
            self.events += 1
            log.info("%s: weigh-in seq %d, %d g at %s", self.config.device_id, reading.seq,
                     reading.weight_g, reading.ts)


class Bridge:
    """Runs the configured scales until ``stop``."""

    def __init__(self, config: BridgeConfig) -> None:
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self.fatal: str | None = None
        self._spools: dict[str, Spool] = {}
        self.scales: list[Scale] = [self._build(scale) for scale in config.scales]
        source = config.source
        self.source = new_client("zw-bridge-source-%d" % id(self), source, source.username,
                                 source.password)
        self.source.on_connect = self._on_connect
        self.source.on_message = self._on_message
        self.source.on_disconnect = self._on_disconnect
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="zw-bridge-tick",
                                        daemon=True)

    def _build(self, scale: ScaleConfig) -> Scale:
        path = str(spool_path(scale))
        spool = self._spools.get(path)
        if spool is None:
            spool = self._spools[path] = Spool(path, seq_start=scale.seq_start)
        adapter = make_adapter(scale.firmware, tz=self.config.timezone, unit=scale.unit,
                               calibration=scale.calibration, mac=scale.mac,
                               sensor=scale.sensor)
        device_id = scale.device_id
        pipeline = ScalePipeline(adapter, scale.detector, scale.repeat_window_s,
                                 state=spool.load_state(device_id),
                                 on_state=lambda e, l: spool.save_state(device_id, e, l))
        link = ScaleLink(scale.device_id, spool, self.config.tracker, scale.mqtt_username,
                         scale.password, scale.stream)
        return Scale(scale, pipeline, link)

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Connect everything in the background."""
        for scale in self.scales:
            scale.link.start()
        self.source.connect_async(self.config.source.host, self.config.source.port,
                                  self.config.source.keepalive)
        self.source.loop_start()
        self._ticker.start()

    def run(self, stop: threading.Event | None = None) -> int:
        """Start, then wait for ``stop`` (or a fatal error); return an exit code."""
        stop = stop or threading.Event()
        self.start()
        try:
            while not stop.wait(0.5):
                if self.fatal:
                    break
                if self.scales and all(s.link.fatal for s in self.scales):
                    self.fatal = "every scale was refused by the tracker broker"
                    log.error("%s; stopping", self.fatal)
                    break
        finally:
            self.stop()
        return 1 if self.fatal else 0

    def stop(self) -> None:
        """Disconnect everything; spooled readings stay for the next start."""
        self._stop.set()
        self.source.disconnect()
        self.source.loop_stop()
        for scale in self.scales:
            scale.link.stop()
        for spool in self._spools.values():
            spool.close()

    # --- source side ------------------------------------------------------------------
    def now(self) -> datetime:
        """The receive time, in the configured zone."""
        return datetime.now(self.zone)

    def handle(self, topic: str, payload: Any, received_at: datetime | None = None) -> int:
        """Route one native message to the scales subscribed to its topic; count events."""
        received_at = received_at or self.now()
        count = 0
        for scale in self.scales:
            if not mqtt.topic_matches_sub(scale.config.source_topic, topic):
                continue
            try:
                events = scale.pipeline.handle(topic, payload, received_at)
            except AdapterError as exc:
                scale.bad_messages += 1
                log.warning("%s: unreadable %s message on %s: %s; payload: %.*r",
                            scale.config.device_id, scale.config.firmware, topic, exc,
                            SHOWN_PAYLOAD, payload)
                continue
            scale.submit(events)
            count += len(events)
        return count

    def _tick_loop(self) -> None:
        while not self._stop.wait(self.config.tick_s):
            now = self.now()
            for scale in self.scales:
                try:
                    scale.submit(scale.pipeline.tick(now))
                except Exception:
                    log.exception("%s: error while settling", scale.config.device_id)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any,
                    properties: Any) -> None:
        try:
            if reason_code.is_failure:
                reason = fatal_reason(reason_code)
                if reason:
                    self.fatal = "the source broker refused the bridge (%s)" % reason
                    log.error("%s: check source_username/source_password; not retrying",
                              self.fatal)
                    client.disconnect()
                else:
                    log.warning("source broker refused the connection (%s); retrying",
                                reason_code)
                return
            topics_ = sorted({s.config.source_topic for s in self.scales})
            client.subscribe([(t, 1) for t in topics_])  # here, so a reconnect resubscribes
            log.info("source broker %s:%d: subscribed to %s", self.config.source.host,
                     self.config.source.port, ", ".join(topics_))
        except Exception:
            log.exception("error in the source on_connect")

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any,
                       properties: Any) -> None:
        if not self._stop.is_set() and not self.fatal:
            log.warning("source broker lost (%s); reconnecting", reason_code)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            self.handle(message.topic, message.payload)
        except Exception:  # never kill the network loop
            log.exception("error while handling %s; payload: %.*r", message.topic,
                          SHOWN_PAYLOAD, message.payload)

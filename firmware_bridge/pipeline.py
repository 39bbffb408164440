"""One scale's path from native messages to weigh events: adapter, then detection.

Raw-weight firmwares (Tasmota, ESPHome) go through the ``WeighDetector``; scales that
report finished weighings (BLE via Theengs) only go through the ``RepeatFilter``.
Thread-safe: the MQTT thread feeds messages while a timer thread calls ``tick``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from firmware_bridge.adapters import Adapter
from firmware_bridge.detect import DetectorConfig, RepeatFilter, WeighDetector, WeighEvent

log = logging.getLogger(__name__)


class ScalePipeline:
    """Adapter + detector (or repeat filter) for one scale."""

    def __init__(self, adapter: Adapter, detector: DetectorConfig | None = None,
                 repeat_window_s: float = 60.0) -> None:
        self.adapter = adapter
        self.config = detector or DetectorConfig()
        self._detector = WeighDetector(self.config)
        self._repeats = RepeatFilter(tolerance_g=self.config.tolerance_g,
                                     window_s=repeat_window_s)
        self._lock = threading.Lock()
        # device time of the last sample, and when (receive time) it arrived: ticks map
        # the bridge's clock onto the device's clock so a skewed device still settles
        self._last_sample_ts: datetime | None = None
        self._last_received: datetime | None = None

    def handle(self, topic: str, payload: Any, received_at: datetime) -> list[WeighEvent]:
        """Feed one native message; return the weigh events it completes."""
        samples = self.adapter.parse(topic, payload, received_at)
        events: list[WeighEvent] = []
        with self._lock:
            for sample in samples:
                if self.adapter.settled:
                    events.extend(self._repeats.feed(sample.ts, sample.grams, sample.battery_pct))
                    continue
                self._last_sample_ts, self._last_received = sample.ts, received_at
                events.extend(self._detector.feed(sample.ts, sample.grams))
        return events

    def tick(self, now: datetime) -> list[WeighEvent]:
        """Let the last value hold until ``now`` (receive clock); return settled events."""
        with self._lock:
            if self.adapter.settled or self._last_sample_ts is None or self._last_received is None:
                return []
            elapsed = now - self._last_received
            if elapsed < timedelta(0):
                return []
            return self._detector.tick(self._last_sample_ts + elapsed)

    def flush(self) -> list[WeighEvent]:
        """End of a recorded stream: settle what is on the scale now."""
        with self._lock:
            return [] if self.adapter.settled else self._detector.flush()

"""One scale's path from native messages to weigh events: adapter, then detection.

Raw weights (Tasmota, ESPHome, a BLE kitchen scale streaming live values) go through the
``WeighDetector``; finished weighings (BLE Mi scales, through Theengs or Tasmota) only go
through the ``RepeatFilter``. Which is which is said per sample (``Sample.settled``), else
by the adapter. A firmware that publishes only stable values (Tasmota) needs no settling
derived from the gaps between samples (``interval_factor = 0``).
Thread-safe: the MQTT thread feeds messages while a timer thread calls ``tick``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable

from firmware_bridge.adapters import Adapter
from firmware_bridge.detect import (REPEAT_WINDOW_S, DetectorConfig, RepeatFilter, WeighDetector,
                                    WeighEvent)

log = logging.getLogger(__name__)


class ScalePipeline:
    """Adapter + detector (or repeat filter) for one scale."""

    def __init__(self, adapter: Adapter, detector: DetectorConfig | None = None,
                 repeat_window_s: float = REPEAT_WINDOW_S,
                 state: tuple[float | None, float | None] | None = None,
                 on_state: Callable[[float | None, float | None], None] | None = None) -> None:
        self.adapter = adapter
        self.config = detector or DetectorConfig()
        if self.config.initial_empty_g is None and getattr(adapter, "tared", False):
            # the firmware reports net weights (Tasmota tares at boot): empty is 0
            self.config = replace(self.config, initial_empty_g=0.0)
        if getattr(adapter, "self_settling", False):
            self.config = replace(self.config, interval_factor=0.0)
        self._detector = WeighDetector(self.config)
        if state is not None:
            self._detector.restore(*state)
        self._on_state = on_state
        self._saved = self._detector.snapshot()
        self._repeats = RepeatFilter(tolerance_g=self.config.tolerance_g,
                                     window_s=repeat_window_s,
                                     threshold_g=self.config.threshold_g)
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
                settled = self.adapter.settled if sample.settled is None else sample.settled
                if settled:
                    events.extend(self._repeats.feed(sample.ts, sample.grams, sample.battery_pct,
                                                     sample.removed))
                    continue
                self._last_sample_ts, self._last_received = sample.ts, received_at
                events.extend(self._detector.feed(sample.ts, sample.grams))
            self._save_if_moved()
            self._log_notices(topic)
        return events

    def tick(self, now: datetime) -> list[WeighEvent]:
        """Let the last value hold until ``now`` (receive clock); return settled events."""
        with self._lock:
            if self._last_sample_ts is None or self._last_received is None:
                return []
            elapsed = now - self._last_received
            if elapsed < timedelta(0):
                return []
            events = self._detector.tick(self._last_sample_ts + elapsed)
            self._save_if_moved()
            return events

    def _save_if_moved(self) -> None:
        """Persist the detector state when it changed meaningfully (not on every drift step)."""
        if self._on_state is None:
            return
        empty, load = self._detector.snapshot()
        old_empty, old_load = self._saved
        moved = ((load is None) != (old_load is None)
                 or (empty is None) != (old_empty is None)
                 or (empty is not None and old_empty is not None
                     and abs(empty - old_empty) > self.config.tolerance_g / 2)
                 or (load is not None and old_load is not None
                     and abs(load - old_load) > self.config.tolerance_g / 2))
        if moved:
            self._on_state(empty, load)
            self._saved = (empty, load)

    def flush(self) -> list[WeighEvent]:
        """End of a recorded stream: settle what is on the scale now."""
        with self._lock:
            return self._detector.flush()

    def _log_notices(self, topic: str) -> None:
        """The detector's warnings (a configuration that cannot settle), each logged once."""
        for notice in self._detector.notices:
            log.warning("%s: %s", topic, notice)
        self._detector.notices.clear()

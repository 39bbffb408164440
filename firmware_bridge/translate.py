"""``zw bridge translate``: native messages as JSON lines in, canonical readings out.

Input, one JSON object per line: ``{"topic": ..., "payload": ...}``; the payload is the
MQTT payload as a string, or an already decoded JSON value. An optional
``"received_at"`` (ISO 8601 with offset) replays the time the message arrived; without
it, the time of reading the line is used (fine for Tasmota, whose messages carry their
own time, not for replaying ESPHome or BLE recordings).

Output, one JSON object per weigh event: ``{"topic": "zw/scales/<id>/weighin",
"payload": {...}}``. Sequence numbers start at ``seq_start`` per device and live only in
memory: translate is for checking and replaying, the live bridge uses the spool.
At the end of input, whatever stands on a scale is taken as settled (sample-and-hold).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Iterable, TextIO
from zoneinfo import ZoneInfo

from firmware_bridge import topics
from firmware_bridge.adapters import Adapter, AdapterError
from firmware_bridge.detect import REPEAT_WINDOW_S, DetectorConfig, WeighEvent
from firmware_bridge.pipeline import ScalePipeline
from firmware_bridge.reading import Reading, ReadingError

log = logging.getLogger(__name__)

MAX_SHOWN = 200  # characters of a bad line shown in an error


@dataclass
class Translator:
    """Turns native JSON lines into canonical JSON lines, one pipeline per device."""

    make_adapter: Callable[[], Adapter]
    device_id: str | None = None
    stream: str | None = None
    tz: str = topics.DEFAULT_TIMEZONE
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    repeat_window_s: float = REPEAT_WINDOW_S
    source_topic: str | None = None  # MQTT subscription filter, as the live bridge's
    seq_start: int = topics.SEQ_MIN
    bad_lines: int = 0
    _pipelines: dict[str, ScalePipeline] = field(default_factory=dict, init=False)
    _next_seq: dict[str, int] = field(default_factory=dict, init=False)

    def run(self, lines: Iterable[str], out: TextIO, err: TextIO) -> int:
        """Translate every line; return the number of bad lines (each reported on ``err``)."""
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                device_id, events = self.handle_line(line)
            except (AdapterError, ValueError, ArithmeticError) as exc:
                self.bad_lines += 1
                shown = line.strip()[:MAX_SHOWN]
                err.write("line %d: %s: %s\n" % (number, exc, shown))
                continue
            self._emit(device_id, events, out, err)
        for device_id, pipeline in self._pipelines.items():
            self._emit(device_id, pipeline.flush(), out, err)
        out.flush()
        return self.bad_lines

    def handle_line(self, line: str) -> tuple[str, list[WeighEvent]]:
        """Parse one input line and feed it to its device's pipeline."""
        try:
            message = json.loads(line, parse_float=Decimal)
        except ValueError as exc:
            raise ValueError("not JSON (%s)" % exc) from None
        if not isinstance(message, dict) or not isinstance(message.get("topic"), str):
            raise ValueError('expected {"topic": "...", "payload": ...}')
        if "payload" not in message:
            raise ValueError("no payload")
        topic = message["topic"]
        if self.source_topic and not topic_matches(self.source_topic, topic):
            return "", []
        received_at = self._received_at(message.get("received_at", message.get("time")))
        pipeline, device_id = self._pipeline_for(topic)
        return device_id, pipeline.handle(topic, message["payload"], received_at)

    def _pipeline_for(self, topic: str) -> tuple[ScalePipeline, str]:
        if self.device_id:
            key = self.device_id
        else:
            key = self.make_adapter().default_device_id(topic)
        pipeline = self._pipelines.get(key)
        if pipeline is None:
            topics.weighin_topic(key)  # validates the id
            pipeline = ScalePipeline(self.make_adapter(), self.detector, self.repeat_window_s)
            self._pipelines[key] = pipeline
        return pipeline, key

    def _received_at(self, value: Any) -> datetime:
        if value is None:
            return datetime.now(ZoneInfo(self.tz))
        try:
            ts = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError("received_at %r is not ISO 8601" % (value,)) from None
        return ts if ts.tzinfo else ts.replace(tzinfo=ZoneInfo(self.tz))

    def _emit(self, device_id: str, events: list[WeighEvent], out: TextIO, err: TextIO) -> None:
        for event in events:
            seq = self._next_seq.get(device_id, self.seq_start)
            try:
                reading = Reading.build(seq, event.ts, event.weight_g, self.stream,
                                        event.battery_pct)
            except ReadingError as exc:
                err.write("%s: event dropped: %s\n" % (device_id, exc))
                continue
            self._next_seq[device_id] = seq + 1
            out.write(json.dumps({"topic": topics.weighin_topic(device_id),
                                  "payload": reading.to_payload()}) + "\n")


def topic_matches(subscription: str, topic: str) -> bool:
    """MQTT topic filter matching (``+`` one level, ``#`` the rest), as the broker does."""
    sub, parts = subscription.split("/"), topic.split("/")
    for i, level in enumerate(sub):
        if level == "#":
            return True
        if i >= len(parts) or (level != "+" and level != parts[i]):
            return False
    return len(sub) == len(parts)

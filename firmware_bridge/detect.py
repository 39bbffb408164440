"""Weigh-event detection: a stream of raw weights in, one event per placed load out.

Pure code (no I/O, no clock): samples carry their own time. The detector follows
*runs*: consecutive samples within ``tolerance_g`` of the run's mean. A sample holds its
value until the next one (sample-and-hold), so a run is *settled* once it has lasted
``settle_s``, whether that is seen at the next sample, at a ``tick(now)`` or at ``flush()``.

What a settled run means depends on where it sits:

- near the empty level (within ``threshold_g``): it *is* the empty level; this follows
  slow tare drift and re-learns the zero after every removal;
- more than ``threshold_g`` above the empty level while the scale was empty: a placed
  load, one event of ``level - empty``;
- again at about the same level while loaded (jitter, a hand pressing then letting go,
  the same value repeated by a firmware's periodic telemetry): nothing;
- more than ``threshold_g`` above the current load (``stacking``): a load put on top,
  one event of the increase;
- more than ``threshold_g`` below the empty level: the scale was re-tared (or started
  with something on it); the empty level is re-learned, no event.

A transient (hand pressing, a bag dropped and bouncing) is a run shorter than
``settle_s``: it never settles, so it never counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds of the weigh-event detector (grams and seconds)."""

    threshold_g: float = 50.0  # a load is more than this above the empty level
    tolerance_g: float = 20.0  # samples within +/- this of a run's mean belong to the run
    settle_s: float = 2.0  # a run that held this long is settled
    min_samples: int = 1  # ... and has at least this many samples
    initial_empty_g: float | None = None  # None: the first settled run is the empty level
    stacking: bool = True  # a load put on top of a reported load is a new event

    def __post_init__(self) -> None:
        if self.threshold_g <= 0 or self.tolerance_g <= 0:
            raise ValueError("threshold_g and tolerance_g must be positive")
        if self.settle_s < 0 or self.min_samples < 1:
            raise ValueError("settle_s must be >= 0 and min_samples >= 1")


@dataclass(frozen=True)
class WeighEvent:
    """One placed load: when it settled (start of the settled run) and its net weight."""

    ts: datetime
    weight_g: float
    level_g: float = 0.0  # settled gross reading
    base_g: float = 0.0  # what it was measured against (empty level or previous load)
    battery_pct: float | None = None


RECENT_WEIGHT = 0.2  # of each new sample in a run's moving average


@dataclass
class _Run:
    start: datetime
    n: int = 0
    total: float = 0.0
    recent: float = 0.0  # exponential moving average: where the run is now (drift)
    settled: bool = False
    role: str = ""  # "empty" or "load" once settled

    @property
    def mean(self) -> float:
        return self.total / self.n

    def add(self, grams: float) -> None:
        self.recent = grams if self.n == 0 else self.recent + RECENT_WEIGHT * (grams - self.recent)
        self.n += 1
        self.total += grams


@dataclass
class WeighDetector:
    """Stateful detector fed one sample at a time; see the module docstring."""

    config: DetectorConfig = field(default_factory=DetectorConfig)
    empty_g: float | None = None
    load_g: float | None = None  # level of the load on the scale, None when empty
    _run: _Run | None = field(default=None, init=False, repr=False)
    _last_t: datetime | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.empty_g is None:
            self.empty_g = self.config.initial_empty_g

    def feed(self, ts: datetime, grams: float) -> list[WeighEvent]:
        """Add one sample; return the events it completes (zero or one, rarely two)."""
        cfg = self.config
        if self._last_t is not None and ts < self._last_t:
            ts = self._last_t  # clocks that step back must not un-settle a run
        self._last_t = ts
        run = self._run
        if run is not None and abs(grams - run.mean) <= cfg.tolerance_g:
            run.add(grams)
            events = self._check(ts)
            self._follow(run)
            return events
        events = self._check(ts) if run is not None else []  # the old run held until now
        if (self.load_g is not None and self.empty_g is not None
                and grams - self.empty_g <= cfg.threshold_g):
            self.load_g = None  # back to (about) empty: the load was taken off
        self._run = _Run(start=ts)
        self._run.add(grams)
        return events + self._check(ts)

    def snapshot(self) -> tuple[float | None, float | None]:
        """(empty level, load level or None): what a restarted bridge needs to go on."""
        return self.empty_g, self.load_g

    def restore(self, empty_g: float | None, load_g: float | None) -> None:
        """Start from a saved snapshot (a load still on the scale is not reported again)."""
        self.empty_g, self.load_g = empty_g, load_g

    def tick(self, now: datetime) -> list[WeighEvent]:
        """Let time pass without a sample: the last value held until ``now``."""
        if self._last_t is not None and now < self._last_t:
            return []
        return self._check(now)

    def flush(self) -> list[WeighEvent]:
        """Settle the current run as if it held forever (end of a recorded stream)."""
        run = self._run
        if run is None or run.settled or run.n < self.config.min_samples:
            return []
        run.settled = True
        return self._settled(run)

    def _check(self, now: datetime) -> list[WeighEvent]:
        run = self._run
        if (run is None or run.settled or run.n < self.config.min_samples
                or (now - run.start).total_seconds() < self.config.settle_s):
            return []
        run.settled = True
        return self._settled(run)

    def _follow(self, run: _Run) -> None:
        """A settled run goes on: let the level it stands for follow its mean (drift)."""
        if run.role == "empty" and self.load_g is None:
            self.empty_g = run.recent
        elif run.role == "load" and self.load_g is not None:
            self.load_g = run.mean

    def _settled(self, run: _Run) -> list[WeighEvent]:
        cfg = self.config
        level = run.mean
        if self.empty_g is None:
            self.empty_g, run.role = run.recent, "empty"
            return []
        if self.load_g is None:
            rise = level - self.empty_g
            if rise > cfg.threshold_g:
                self.load_g, run.role = level, "load"
                return [WeighEvent(run.start, rise, level, self.empty_g)]
            self.empty_g, run.role = run.recent, "empty"  # drift, or a re-tare when far below
            return []
        if level - self.empty_g <= cfg.threshold_g:
            self.load_g, self.empty_g, run.role = None, run.recent, "empty"
            return []
        run.role = "load"
        base, self.load_g = self.load_g, level
        if cfg.stacking and level - base > cfg.threshold_g:
            return [WeighEvent(run.start, level - base, level, base)]
        return []  # the same load again, creep, or part of it taken off


def detect_events(samples: Iterable[tuple[datetime, float]],
                  config: DetectorConfig | None = None, flush: bool = True) -> list[WeighEvent]:
    """Run a detector over a whole recorded stream of (time, grams) samples."""
    detector = WeighDetector(config or DetectorConfig())
    events: list[WeighEvent] = []
    for ts, grams in samples:
        events.extend(detector.feed(ts, grams))
    if flush:
        events.extend(detector.flush())
    return events


@dataclass
class RepeatFilter:
    """For scales that report finished weighings (BLE): the same weight again soon is a repeat.

    A weight within ``tolerance_g`` of the previous one, less than ``window_s`` after
    the previous report of it, is dropped; each repeat extends the window, so a scale
    that keeps advertising a weighing for minutes still yields one event.
    """

    tolerance_g: float = 20.0
    window_s: float = 60.0
    _last_g: float | None = field(default=None, init=False)
    _last_t: datetime | None = field(default=None, init=False)

    def feed(self, ts: datetime, grams: float,
             battery_pct: float | None = None) -> list[WeighEvent]:
        """Return one event for a new weighing, nothing for a repeat."""
        repeat = (self._last_g is not None and self._last_t is not None
                  and abs(grams - self._last_g) <= self.tolerance_g
                  and abs((ts - self._last_t).total_seconds()) <= self.window_s)
        self._last_t = ts
        if repeat:
            return []
        self._last_g = grams
        return [WeighEvent(ts, grams, grams, 0.0, battery_pct)]

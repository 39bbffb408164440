"""Weigh-event detection: a stream of raw weights in, one event per load taken out.

The model (DESIGN.md, "A weigh-in is one bin (or bag) taken out"): a *session* begins when
the weight rises more than ``threshold_g`` above the empty level and ends when it falls back
below half of that (hysteresis: a small load's noise must not cut it in two). The session
gives **one** event, dated when the load came off, worth the highest *settled* level it
reached (a settled level within ``tolerance_g`` of it replaces it: the latest value of the
same load), less the empty level. Whatever happens while the load stands there does not add
events: a pause while placing it (a hand still holding the bag), a hand lifting it half-way
and setting it back, a bag put on top (counted in the total), a filter that makes the value
creep up for 30 s (each step of the ramp is lower than the top), the same value repeated by
a firmware's telemetry. Why the highest settled level rather than the last one: the last
settled level before the scale is empty again can be a pause on the way *off* (the bag
half-lifted), while the highest one is the load that stood there; the two only differ when
part of the load was taken off before the rest (then the part is in the same weigh-in).

Pure code (no I/O, no clock): samples carry their own time. Samples within ``tolerance_g``
of a run's mean belong to the run; a sample holds its value until the next one
(sample-and-hold), so a run is *settled* once it has lasted long enough, whether that is
seen at the next sample, at a ``tick(now)`` or at ``flush()``. How long is derived from the
samples actually seen: ``settle_s`` at least, and ``interval_factor`` times the typical gap
between samples (the median of the last gaps), at most ``max_settle_s``. A scale that
publishes every 2 s through a moving average so needs a value seen about three times in a
row, and a ramp step (seen once) never settles; a firmware that settles its values itself
(Tasmota's ``Sensor34 8``) sets ``interval_factor = 0``.

Outside a session, a settled run within ``tolerance_g`` of the empty level *is* the empty
level (slow tare drift is followed); one more than ``threshold_g`` below it is a re-tare (or
a start with something on the scale): the empty level is re-learned, no event. A small step
between the two (a filter's first ramp step, a crumb) leaves the empty level alone, so a
slow ramp cannot drag the zero up under a load.

A load left on the scale gives its weigh-in when it comes off (a bin left for days, a
kitchen scale under a bin that fills all week: the weigh-in is the bag taken out); only
``flush()`` (end of a recording) reports a session still open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Iterable

GAPS_KEPT = 16  # gaps between samples the typical interval is the median of
MIN_GAPS = 3  # ... once there are this many
# Finished weighings: longer than any gateway's scan cycle with a missed scan or two
# (OpenMQTTGateway: TimeBtwRead 55.5 s plus the scan; Theengs Gateway: 5 s + 5 s).
REPEAT_WINDOW_S = 300.0


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds of the weigh-event detector (grams and seconds)."""

    threshold_g: float = 50.0  # a load is more than this above the empty level
    tolerance_g: float = 20.0  # samples within +/- this of a run's mean belong to the run
    settle_s: float = 2.0  # a run that held this long (at least) is settled
    min_samples: int = 1  # ... and has at least this many samples
    initial_empty_g: float | None = None  # None: the first settled run is the empty level
    interval_factor: float = 2.5  # ... and held this many typical sample gaps
    max_settle_s: float = 30.0  # whatever the gaps, a run held this long is settled

    def __post_init__(self) -> None:
        if self.threshold_g <= 0 or self.tolerance_g <= 0:
            raise ValueError("threshold_g and tolerance_g must be positive")
        if self.settle_s < 0 or self.min_samples < 1:
            raise ValueError("settle_s must be >= 0 and min_samples >= 1")
        if self.interval_factor < 0 or self.max_settle_s < self.settle_s:
            raise ValueError("interval_factor must be >= 0 and max_settle_s >= settle_s")


@dataclass(frozen=True)
class WeighEvent:
    """One load taken out: when it came off, its net weight, what it was measured against."""

    ts: datetime
    weight_g: float
    level_g: float = 0.0  # settled gross reading
    base_g: float = 0.0  # what it was measured against (the empty level)
    battery_pct: float | None = None


RECENT_WEIGHT = 0.2  # of each new sample in a run's moving average


@dataclass
class _Run:
    start: datetime
    n: int = 0
    total: float = 0.0
    recent: float = 0.0  # exponential moving average: where the run is now (drift)
    settled: bool = False

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
    load_g: float | None = None  # highest settled level of the open session
    notices: list[str] = field(default_factory=list)  # for the caller to log, then clear
    _run: _Run | None = field(default=None, init=False, repr=False)
    _last_t: datetime | None = field(default=None, init=False, repr=False)
    _in_session: bool = field(default=False, init=False, repr=False)
    _session_start: datetime | None = field(default=None, init=False, repr=False)
    _gaps: list[float] = field(default_factory=list, init=False, repr=False)
    _warned: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.empty_g is None:
            self.empty_g = self.config.initial_empty_g

    # --- public -----------------------------------------------------------------------
    def feed(self, ts: datetime, grams: float) -> list[WeighEvent]:
        """Add one sample; return the events it completes (zero or one)."""
        cfg = self.config
        gap = None
        if self._last_t is not None:
            if ts < self._last_t:
                ts = self._last_t  # clocks that step back must not un-settle a run
            gap = (ts - self._last_t).total_seconds()
        self._last_t = ts
        run = self._run
        if run is not None and abs(grams - run.mean) <= cfg.tolerance_g:
            run.add(grams)
            self._check(ts)
            self._follow(run)
        else:
            if run is not None:
                # The old run held until now, judged by the cadence seen before this gap: a
                # value held without new samples (a firmware that publishes on change) is
                # steadiness, not a sign that samples come rarely.
                self._check(ts)
            self._run = _Run(start=ts)
            self._run.add(grams)
        if gap is not None:
            self._note_gap(gap)
        events = self._session_edge(ts, grams)
        self._check(ts)
        return events

    def snapshot(self) -> tuple[float | None, float | None]:
        """(empty level, highest settled level of the open session or None)."""
        return self.empty_g, self.load_g

    def restore(self, empty_g: float | None, load_g: float | None) -> None:
        """Start from a saved snapshot: a load still on the scale is reported when it goes."""
        self.empty_g, self.load_g = empty_g, load_g
        self._in_session = load_g is not None

    def tick(self, now: datetime) -> list[WeighEvent]:
        """Let time pass without a sample: the last value held until ``now``."""
        if self._last_t is not None and now >= self._last_t:
            self._check(now)
        return []  # events come when a load comes off, i.e. with a sample

    def flush(self) -> list[WeighEvent]:
        """End of a recording: settle the current run and report a session still open."""
        run = self._run
        if run is not None and not run.settled and run.n >= self.config.min_samples:
            run.settled = True
            self._settled(run)
        if not self._in_session or self._last_t is None:
            return []
        return self._end_session(self._last_t)

    def settle_time(self) -> float:
        """How long a run must hold to be settled, from the gaps between samples seen."""
        cfg = self.config
        if len(self._gaps) < MIN_GAPS or cfg.interval_factor == 0:
            return cfg.settle_s  # too few samples yet to know how often they come
        return min(cfg.max_settle_s, max(cfg.settle_s, cfg.interval_factor * median(self._gaps)))

    # --- sessions ---------------------------------------------------------------------
    def _session_edge(self, ts: datetime, grams: float) -> list[WeighEvent]:
        """Does a session begin or end with this sample?

        It begins above ``threshold_g`` and ends at or below half of it (hysteresis: a small
        load's noise around the threshold must not cut it into several sessions).
        """
        if self.empty_g is None:
            return []
        rise = grams - self.empty_g
        if not self._in_session and rise > self.config.threshold_g:
            self._in_session, self._session_start, self.load_g = True, ts, None
            run = self._run
            if run is not None and run.settled:  # already stood long enough
                self._raise_peak(run.mean)
            return []
        if self._in_session and rise <= self.config.threshold_g / 2:
            return self._end_session(ts)
        return []

    def _raise_peak(self, level: float) -> None:
        """A settled load level: the peak, or the peak again (the latest within tolerance)."""
        if self.empty_g is None or level - self.empty_g <= self.config.threshold_g:
            return
        peak = self.load_g
        if peak is None or level > peak or abs(level - peak) <= self.config.tolerance_g:
            self.load_g = level

    def _end_session(self, ts: datetime) -> list[WeighEvent]:
        peak, start = self.load_g, self._session_start
        self._in_session, self.load_g, self._session_start = False, None, None
        if peak is None or self.empty_g is None:
            if start is not None and (ts - start).total_seconds() >= 2 * self.settle_time():
                self._warn("unsettled", "a load stood %.0f s without its weight holding within "
                           "+/-%g g for %.1f s: nothing counted; the values move too much "
                           "(noise or filter): raise tolerance_g or smooth on the device"
                           % ((ts - start).total_seconds(), self.config.tolerance_g,
                              self.settle_time()))
            return []
        net = peak - self.empty_g
        if net <= self.config.threshold_g:
            return []
        return [WeighEvent(ts, net, peak, self.empty_g)]

    # --- runs -------------------------------------------------------------------------
    def _note_gap(self, gap: float) -> None:
        if gap <= 0:
            return
        self._gaps.append(gap)
        del self._gaps[:-GAPS_KEPT]
        cfg = self.config
        if (cfg.interval_factor and len(self._gaps) >= MIN_GAPS
                and cfg.interval_factor * median(self._gaps) > cfg.max_settle_s):
            self._warn("sparse", "samples arrive every %.0f s: a load must stay at least "
                       "%.0f s to count; publish more often (update_interval, send_every)"
                       % (median(self._gaps), cfg.max_settle_s))

    def _check(self, now: datetime) -> None:
        run = self._run
        if (run is None or run.settled or run.n < self.config.min_samples
                or (now - run.start).total_seconds() < self.settle_time()):
            return
        run.settled = True
        self._settled(run)

    def _follow(self, run: _Run) -> None:
        """A settled run goes on: let the level it stands for follow it (drift)."""
        if not run.settled:
            return
        if self._in_session:
            self._raise_peak(run.mean)
        elif self.empty_g is not None and abs(run.recent - self.empty_g) <= self.config.tolerance_g:
            self.empty_g = run.recent

    def _settled(self, run: _Run) -> None:
        cfg = self.config
        if self.empty_g is None:
            self.empty_g = run.recent
            return
        level = run.mean
        if self._in_session:
            self._raise_peak(level)
            return
        if abs(level - self.empty_g) <= cfg.tolerance_g or level - self.empty_g < -cfg.threshold_g:
            self.empty_g = run.recent  # drift, or a re-tare when far below

    def _warn(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            self.notices.append(message)


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
    """For scales that report finished weighings (BLE): the same weighing again is a repeat.

    A scale rebroadcasts a stable weighing for up to 20 minutes and a gateway reports it
    once per scan (every 10 s to 65 s): a weight within ``tolerance_g`` of the current
    weighing, less than ``window_s`` after its previous sighting, is the same weighing (each
    sighting extends the window, so the whole rebroadcast is one weighing whatever the
    gateway's cycle, as long as ``window_s`` is longer than a cycle and a missed scan or
    two). When the firmware says the weight was removed (Tasmota's Mi scale JSON), the next
    weighing is new even at the same weight.

    A heavier weighing seen right after the current one (within ``interval_factor`` gateway
    cycles, the cycle measured from the repeats) is a bag put on top: its increase is the
    new event. The decoder does not say whether the first load was taken off in between, so a
    bin swapped for a heavier one within a cycle counts as the difference too; waiting for the
    end of the rebroadcast instead would delay every weigh-in by 20 minutes.
    """

    tolerance_g: float = 20.0
    window_s: float = REPEAT_WINDOW_S
    threshold_g: float = 50.0
    interval_factor: float = 2.5
    _last_g: float | None = field(default=None, init=False)
    _last_t: datetime | None = field(default=None, init=False)
    _removed: bool = field(default=False, init=False)
    _gaps: list[float] = field(default_factory=list, init=False)

    def feed(self, ts: datetime, grams: float, battery_pct: float | None = None,
             removed: bool | None = None) -> list[WeighEvent]:
        """Return one event for a new weighing (or the increase of one), nothing for a repeat."""
        gap = None if self._last_t is None else abs((ts - self._last_t).total_seconds())
        recent = (self._last_g is not None and gap is not None and gap <= self.window_s
                  and not (self._removed and removed is False))
        self._last_t = ts
        self._removed = bool(removed)
        if recent and abs(grams - self._last_g) <= self.tolerance_g:
            if gap:
                self._gaps.append(gap)
                del self._gaps[:-GAPS_KEPT]
            return []
        on_top = (recent and gap is not None and grams - self._last_g > self.threshold_g
                  and gap <= self.interval_factor * (median(self._gaps) if self._gaps else 24))
        base = self._last_g if on_top else 0.0
        self._last_g = grams
        return [WeighEvent(ts, grams - base, grams, base, battery_pct)]

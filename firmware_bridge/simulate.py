"""``zw simulate``: a fleet of simulated scales publishing canonical readings.

Each simulated scale is what a real canonical scale does: its own connection and
credentials, a retained ``online`` status with an ``offline`` last will, and a durable
spool with its own seq. Some scales are noisy (jittery weights, the odd outlier the
tracker should flag) and some drop off the network for a while, keep weighing into
their spool, then catch up when they reconnect.

``--rate`` is weigh-ins per second for the whole fleet.
"""

from __future__ import annotations

import json
import logging
import math
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from firmware_bridge import topics
from firmware_bridge.config import BrokerSettings
from firmware_bridge.link import ScaleLink
from firmware_bridge.spool import Spool

log = logging.getLogger(__name__)

# kg per weigh-in: (base, per person, low, high); a bag is emptied every few days
STREAM_WEIGHTS = {
    "residual": (0.4, 0.8, 0.5, 6.0),
    "packaging": (0.1, 0.25, 0.2, 2.0),
    "glass": (0.3, 0.6, 0.5, 5.0),
    "biowaste": (0.1, 0.25, 0.2, 2.0),
}
STREAM_SHARE = (("residual", 0.4), ("packaging", 0.3), ("glass", 0.1), ("biowaste", 0.2))
PERSONS_SHARE = ((1, 0.15), (2, 0.3), (3, 0.2), (4, 0.2), (5, 0.1), (6, 0.05))


def simulated_weight_g(stream: str, persons: int, rng: random.Random, noisy: bool = False) -> int:
    """A realistic weigh-in (grams) for a bin of a household of ``persons``."""
    base, per_person, low, high = STREAM_WEIGHTS.get(stream, STREAM_WEIGHTS["residual"])
    mean = base + per_person * persons
    kg = min(high, max(low, rng.lognormvariate(math.log(mean), 0.35)))
    if noisy:
        kg *= rng.uniform(0.93, 1.07)
        if rng.random() < 0.03:  # a misread, a child standing on it...
            kg = rng.choice([rng.uniform(0.01, 0.05), rng.uniform(20, 45)])
    grams = int(round(kg * 1000))
    return min(topics.WEIGHT_G_MAX, max(1, grams))


@dataclass
class SimScale:
    """One simulated scale of the fleet."""

    device_id: str
    persons: int
    stream: str
    noisy: bool
    link: ScaleLink
    offline_at: float | None = None  # seconds after start
    offline_for: float = 0.0
    offline: bool = False
    generated: int = 0


@dataclass
class FleetOptions:
    """What ``zw simulate`` was asked for."""

    scales: int
    rate: float
    broker: BrokerSettings
    duration: float | None = None
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)
    username_prefix: str = "sim-"
    password: str | None = None
    spool_dir: str | None = None
    offline_fraction: float = 0.1
    noisy_fraction: float = 0.1
    drain_timeout: float = 60.0
    seed: int | None = None
    timezone: str = topics.DEFAULT_TIMEZONE
    spool_sync: str = "FULL"


def load_credentials(path: str) -> dict[str, dict[str, str]]:
    """Read ``{device_id: {"username": ..., "password": ...}}`` from a JSON file."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError("%s: expected {device_id: {username, password}}" % path)
    return data


class Fleet:
    """Builds, runs and reports on a fleet of simulated scales."""

    def __init__(self, options: FleetOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.zone = ZoneInfo(options.timezone)
        self._tmp = None if options.spool_dir else tempfile.TemporaryDirectory(prefix="zw-sim-")
        self.spool_dir = Path(options.spool_dir or self._tmp.name)  # type: ignore[union-attr]
        self.spool = Spool(self.spool_dir / "simulated-scales.sqlite3",
                           synchronous=options.spool_sync)
        self.scales = [self._build(i, device_id, creds)
                       for i, (device_id, creds) in enumerate(self._identities())]

    def _identities(self) -> list[tuple[str, dict[str, str]]]:
        opts = self.options
        if opts.credentials:
            ids = list(opts.credentials.items())
            if len(ids) < opts.scales:
                raise ValueError("the credentials file has %d scales, %d asked"
                                 % (len(ids), opts.scales))
            return ids[:opts.scales]
        return [("%s%04d" % (opts.username_prefix, i + 1), {"password": opts.password or ""})
                for i in range(opts.scales)]

    def _build(self, index: int, device_id: str, creds: dict[str, str]) -> SimScale:
        rng, opts = self.rng, self.options
        persons = _pick(rng, PERSONS_SHARE)
        # a scale paired for a bin (its credentials say which) weighs that bin
        stream = creds.get("stream") or _pick(rng, STREAM_SHARE)
        link = ScaleLink(device_id, self.spool, opts.broker,
                         username=creds.get("username") or device_id,
                         password=creds.get("password") or None, stream=stream)
        scale = SimScale(device_id, persons, stream, rng.random() < opts.noisy_fraction, link)
        if rng.random() < opts.offline_fraction:
            span = opts.duration or 600.0
            scale.offline_at = rng.uniform(0.05, 0.4) * span
            scale.offline_for = rng.uniform(0.1, 0.4) * span
        return scale

    def run(self, stop: threading.Event | None = None) -> dict[str, Any]:
        """Publish until the duration is over (or ``stop``), drain, return a summary."""
        stop = stop or threading.Event()
        opts = self.options
        for scale in self.scales:
            scale.link.start()
        start = time.monotonic()
        interval = 1.0 / opts.rate if opts.rate > 0 else None
        next_at = start
        try:
            while not stop.is_set():
                now = time.monotonic()
                elapsed = now - start
                if opts.duration is not None and elapsed >= opts.duration:
                    break
                self._network_weather(elapsed)
                if interval is None:
                    stop.wait(0.2)
                    continue
                if now < next_at:
                    stop.wait(min(next_at - now, 0.2))
                    continue
                next_at += interval
                self._weigh(self.rng.choice(self.scales))
            for scale in self.scales:  # everyone back online to catch up
                if scale.offline:
                    scale.link.resume()
                    scale.offline = False
            generated_s = time.monotonic() - start
            drained = self._drain(opts.drain_timeout)
            return self._summary(generated_s, time.monotonic() - start, drained)
        finally:
            for scale in self.scales:
                scale.link.stop()
            self.spool.close()
            if self._tmp is not None:
                self._tmp.cleanup()

    def _weigh(self, scale: SimScale) -> None:
        grams = simulated_weight_g(scale.stream, scale.persons, self.rng, scale.noisy)
        scale.link.submit(datetime.now(self.zone), grams)
        scale.generated += 1

    def _network_weather(self, elapsed: float) -> None:
        for scale in self.scales:
            if scale.offline_at is None:
                continue
            back_at = scale.offline_at + scale.offline_for
            if not scale.offline and scale.offline_at <= elapsed < back_at:
                log.info("%s: going offline for %.0f s", scale.device_id, scale.offline_for)
                scale.link.pause()
                scale.offline = True
            elif scale.offline and elapsed >= back_at:
                log.info("%s: back online, %d reading(s) to catch up", scale.device_id,
                         scale.link.pending())
                scale.link.resume()
                scale.offline = False
                scale.offline_at = None

    def _drain(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.spool.count() == 0:
                return True
            if all(s.link.fatal for s in self.scales):
                return False
            time.sleep(0.1)
        return self.spool.count() == 0

    def _summary(self, generating_s: float, total_s: float, drained: bool) -> dict[str, Any]:
        generated = sum(s.generated for s in self.scales)
        return {
            "scales": len(self.scales),
            "generated": generated,
            "acknowledged": sum(s.link.acked for s in self.scales),
            "pending": self.spool.count(),
            "drained": drained,
            "refused": sorted(s.device_id for s in self.scales if s.link.fatal),
            "went_offline": sum(1 for s in self.scales if s.offline_for > 0),
            "noisy": sum(1 for s in self.scales if s.noisy),
            "seconds": round(total_s, 2),
            "rate_per_s": round(generated / generating_s, 2) if generating_s > 0 else 0.0,
        }


def _pick(rng: random.Random, shares: tuple[tuple[Any, float], ...]) -> Any:
    values, weights = zip(*shares)
    return rng.choices(values, weights=weights, k=1)[0]

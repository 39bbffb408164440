"""Draws docs/figures/weigh-session.svg: one session through the bridge's real detector.

A bag put on with a pause, a second bag put on top, the bin lifted half-way, then taken out,
as an ESPHome scale publishing every second would report it. The samples go through
``firmware_bridge.pipeline.ScalePipeline`` (the code the bridge runs): the figure shows the
runs that settled, the session, and where the weigh-in is taken. Plain SVG, no plotting
library needed: ``python docs/figures/make_session_svg.py``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from firmware_bridge.adapters import EsphomeAdapter
from firmware_bridge.detect import DetectorConfig
from firmware_bridge.pipeline import ScalePipeline

OUT = Path(__file__).with_name("weigh-session.svg")
T0 = datetime(2026, 3, 14, 8, 0, tzinfo=timezone(timedelta(hours=1)))
SCENE = [(0, 0), (10, 0), (10.5, 609), (13.5, 612), (14, 1234), (40, 1234), (40.6, 2034),
         (62, 2034), (62.5, 1010), (66, 1010), (66.5, 2034), (84, 2034), (84.6, 0), (100, 0)]
NOTES = [(12, "pause while placing"), (40.3, "a bag on top"), (64, "lifted half-way"),
         (84.3, "taken out")]
W, H, LEFT, RIGHT, TOP, BOTTOM = 760, 330, 60, 20, 30, 50


def load(t: float) -> float:
    for (t1, g1), (t2, g2) in zip(SCENE, SCENE[1:]):
        if t1 <= t <= t2:
            return g1 + (g2 - g1) * (t - t1) / (t2 - t1)
    return SCENE[-1][1]


def samples() -> list[tuple[float, float]]:
    rng = random.Random(3)
    return [(t, load(t) + rng.gauss(0, 3)) for t in range(0, 101)]


def run() -> tuple[list[tuple[float, float]], list, list[tuple[float, float]], list[float]]:
    """Feed the samples to the bridge's pipeline; note the peak it keeps after each one."""
    pipe = ScalePipeline(EsphomeAdapter(unit="g"), DetectorConfig())
    events, peaks, session = [], [], []
    data = samples()
    for t, grams in data:
        ts = T0 + timedelta(seconds=t)
        events += [(e, t) for e in pipe.handle("cuisine/sensor/poids/state", "%.0f" % grams, ts)]
        snapshot = pipe._detector.snapshot()[1]
        if snapshot is not None:
            peaks.append((t, snapshot))
        if pipe._detector._in_session or (events and events[-1][1] == t):
            session.append(t)
    return data, events, peaks, session


def x(t: float) -> float:
    return LEFT + (W - LEFT - RIGHT) * t / 100


def y(grams: float) -> float:
    return H - BOTTOM - (H - TOP - BOTTOM) * grams / 2400


def svg() -> str:
    data, events, peaks, session = run()
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" '
             'font-family="sans-serif" font-size="12">' % (W, H),
             '<rect width="100%" height="100%" fill="white"/>']
    if session:
        start, end = session[0], session[-1]
        parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#eef4fb"/>'
                     % (x(start), TOP, x(end) - x(start), H - TOP - BOTTOM))
        parts.append('<text x="%.1f" y="%d" fill="#4a6f99">session (the load is on)</text>'
                     % (x(start) + 4, TOP + 14))
    for grams in (0, 500, 1000, 1500, 2000):
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>'
                     % (LEFT, W - RIGHT, y(grams), y(grams)))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%d g</text>'
                     % (LEFT - 6, y(grams) + 4, grams))
    for t in range(0, 101, 20):
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d s</text>'
                     % (x(t), H - BOTTOM + 18, t))
    parts.append('<polyline fill="none" stroke="#999" stroke-width="1.5" points="%s"/>'
                 % " ".join("%.1f,%.1f" % (x(t), y(g)) for t, g in data))
    for t, g in data:
        parts.append('<circle cx="%.1f" cy="%.1f" r="2" fill="#555"/>' % (x(t), y(g)))
    if peaks:
        parts.append('<polyline fill="none" stroke="#2b7" stroke-width="2.5" points="%s"/>'
                     % " ".join("%.1f,%.1f" % (x(t), y(p)) for t, p in peaks))
        parts.append('<text x="%.1f" y="%.1f" fill="#1a7f4b">highest settled level: what the weigh-in is '
                     'worth</text>' % (x(30), y(peaks[-1][1]) - 8))
    for t, note in NOTES:
        parts.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%s</text>'
                     % (x(t), H - 12, note))
    for event, t in events:
        parts.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#c33" '
                     'stroke-width="2" marker-end="url(#arrow)"/>'
                     % (x(t), x(t), y(event.level_g), y(event.base_g)))
        parts.append('<text x="%.1f" y="%.1f" fill="#c33" font-weight="bold">weigh-in: '
                     '%d g, when it came off</text>' % (x(t) - 250, y(event.level_g) - 30,
                                                         round(event.weight_g)))
    parts.append('<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="4" '
                 'refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#c33"/></marker>'
                 '</defs></svg>')
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    OUT.write_text(svg(), encoding="utf-8")
    print(OUT)

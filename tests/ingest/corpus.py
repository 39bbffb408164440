"""A corpus of bad scale messages: every kind the ingest must refuse, 100+ in all.

`bad_messages(device, revoked)` returns (name, topic, payload) triples; `device` is a known,
paired scale of the test world (edition from 2026-03-01 for 8 months, Paris time) and
`revoked` a revoked one. None of them may be stored; each must become a dead letter.
"""
from __future__ import annotations

import json

GOOD_TS = "2026-05-04T08:21:05+02:00"


def canonical(seq: int, weight_g: int = 1234, ts: str = GOOD_TS, **extra) -> bytes:
    """A valid canonical payload."""
    return json.dumps({"seq": seq, "ts": ts, "weight_g": weight_g, **extra}).encode()


def _with(**changes) -> bytes:
    data = {"seq": 7, "ts": GOOD_TS, "weight_g": 1234}
    for key, value in changes.items():
        if value is _DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return json.dumps(data).encode()


_DROP = object()


def bad_messages(device: str, revoked: str) -> list[tuple[str, str, bytes]]:
    """(name, topic, payload) of messages that must all be dead-lettered."""
    w = f"zw/scales/{device}/weighin"
    out: list[tuple[str, str, bytes]] = []

    def add(name, payload, topic=w):
        out.append((name, topic, payload if isinstance(payload, bytes) else payload.encode()))

    # --- not JSON
    for i, text in enumerate(["", " ", "{", "}", "not json", "{'seq': 1}", '{"seq": 1,}',
                              "[1, 2", "nul", '{"seq": 1} trailing', '{"seq" 1}',
                              '{"seq": 01}', '{"seq": 1 "ts": 2}', "\ufeff{}", "<xml/>"]):
        add(f"bad-json-{i}", text)
    add("deep-nesting", "[" * 5000 + "]" * 5000)
    # --- JSON but not an object
    for i, text in enumerate(["1", "[]", '"text"', "null", "true", '[{"seq": 1}]', "3.5"]):
        add(f"not-object-{i}", text)
    # --- missing fields
    add("empty-object", "{}")
    for field in ("seq", "ts", "weight_g"):
        add(f"missing-{field}", _with(**{field: _DROP}))
    # --- wrong types
    for i, value in enumerate(["1", 1.5, True, None, [1], {}, -1, 2**53 + 1, 10**30]):
        add(f"seq-type-{i}", _with(seq=value))
    for i, value in enumerate(["1234", 12.5, True, False, None, "1,2 kg", [], {"g": 1},
                               1234.0]):
        add(f"weight-type-{i}", _with(weight_g=value))
    for i, value in enumerate([123, None, "", "yesterday", "2026-13-01T00:00:00Z",
                               "2026-05-01T25:00:00Z", "2026-05-01T08:00:00",
                               "2026-05-01", "08:21:05", "2026-05-01T08:00:00+25:00",
                               "1746080465", [2026, 5, 1]]):
        add(f"ts-type-{i}", _with(ts=value))
    for i, value in enumerate([5, "compost-bin", "", "Residual", ["residual"]]):
        add(f"stream-type-{i}", _with(stream=value))
    for i, value in enumerate(["high", -5, 101, [50], {"pct": 5}]):
        add(f"battery-type-{i}", _with(battery_pct=value))
    add("device-id-type", _with(device_id=5))
    # --- not finite numbers
    for i, text in enumerate(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]):
        add(f"weight-not-finite-{i}", f'{{"seq": 7, "ts": "{GOOD_TS}", "weight_g": {text}}}')
    add("battery-nan", f'{{"seq": 7, "ts": "{GOOD_TS}", "weight_g": 5, "battery_pct": NaN}}')
    add("seq-nan", f'{{"seq": NaN, "ts": "{GOOD_TS}", "weight_g": 5}}')
    # --- weight out of range
    for i, value in enumerate([0, -1, -50000, 50001, 10**9, 2**63]):
        add(f"weight-range-{i}", _with(weight_g=value))
    # --- the payload names another device
    for i, other in enumerate(["other-scale", "", device.upper(), device + " "]):
        add(f"device-mismatch-{i}", _with(device_id=other))
    # --- unknown and revoked devices
    for i in range(3):
        add(f"unknown-device-{i}", canonical(100 + i), f"zw/scales/ghost-{i}/weighin")
        add(f"revoked-device-{i}", canonical(100 + i), f"zw/scales/{revoked}/weighin")
    # --- far in the future, or outside the edition
    for i, ts in enumerate(["2099-01-01T00:00:00Z", "2030-05-01T08:00:00+02:00",
                            "2026-12-31T23:59:59+01:00", "2027-03-01T00:00:00Z"]):
        add(f"future-{i}", _with(ts=ts))
    for i, ts in enumerate(["2025-12-31T12:00:00Z", "2026-02-28T22:59:59Z",
                            "2026-02-28T23:59:59+01:00", "2020-01-01T00:00:00Z",
                            "1970-01-01T00:00:00Z", "2026-11-01T00:00:00+01:00"]):
        add(f"outside-edition-{i}", _with(ts=ts))
    # --- a bin the edition does not have (valid bins of other editions)
    for i, stream in enumerate(["paper", "textile", "bulky"]):
        add(f"stream-not-in-edition-{i}", _with(stream=stream))
    # --- oversized
    for i, size in enumerate([16 * 1024 + 1, 64 * 1024, 200 * 1024]):
        add(f"oversized-{i}", _with(note="x" * size))
    add("oversized-garbage", b"\x00" * (17 * 1024))
    # --- not UTF-8
    add("latin-1", ('{"seq": 7, "ts": "%s", "weight_g": 5, "note": "é"}' % GOOD_TS)
        .encode("latin-1"))
    add("utf-16", ('{"seq": 7, "ts": "%s", "weight_g": 5}' % GOOD_TS).encode("utf-16"))
    add("binary", bytes(range(256)))
    add("truncated-utf8", _with(note="é")[:-3] + b"\xc3")
    add("lone-continuation", b'{"seq": 7, "x": "\x80"}')
    add("nul-bytes", b'{"seq": 7,\x00 "weight_g": 5}')
    # --- status that is neither online nor offline
    for i, text in enumerate(["maybe", "", "ONLINE!", '{"state": "online"}']):
        add(f"bad-status-{i}", text, f"zw/scales/{device}/status")
    return out


def good_messages(device: str, seqs, *, ts: str = GOOD_TS) -> list[tuple[str, bytes]]:
    """(topic, payload) of valid canonical readings for these sequence numbers."""
    return [(f"zw/scales/{device}/weighin", canonical(seq, 1000 + seq % 500, ts)) for seq in seqs]

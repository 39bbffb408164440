"""Shared helpers of the bridge tests: the corpus and sample builders."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
T0 = datetime(2026, 3, 14, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def corpus_lines(name: str) -> list[str]:
    """The lines of a corpus file."""
    return (CORPUS / name).read_text(encoding="utf-8").splitlines()


def corpus_messages(name: str) -> list[dict]:
    """The messages of a corpus file, decoded."""
    return [json.loads(line) for line in corpus_lines(name) if line.strip()]


def series(values: list[float], step_s: float = 1.0, start: datetime = T0):
    """(time, grams) samples, one every ``step_s`` seconds."""
    return [(start + timedelta(seconds=i * step_s), float(v)) for i, v in enumerate(values)]

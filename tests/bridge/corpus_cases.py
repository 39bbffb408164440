"""The corpus of real-world sequences (corpus/sequences.json) and how to check a result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Case:
    """One sequence: its messages and the weigh-ins it must give."""

    name: str
    firmware: str
    weighins: tuple[int, ...]
    live_weighins: tuple[int, ...]
    resolution_g: float
    options: dict
    device_id: str | None
    bad_lines: int
    issue_case: int | None

    @property
    def path(self) -> Path:
        return CORPUS / "sequences" / (self.name + ".jsonl")

    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    def messages(self) -> list[dict]:
        return [json.loads(line) for line in self.lines() if line.strip()]

    def translate_args(self) -> list[str]:
        """The ``zw bridge translate`` options of this sequence."""
        args = ["--firmware", self.firmware]
        for key, value in self.options.items():
            args += ["--" + key.replace("_", "-"), str(value)]
        return args


def cases() -> list[Case]:
    """Every sequence of the corpus, in file order."""
    manifest = json.loads((CORPUS / "sequences.json").read_text(encoding="utf-8"))
    return [Case(name=name, firmware=s["firmware"], weighins=tuple(s["weighins"]),
                 live_weighins=tuple(s["live_weighins"]), resolution_g=s["resolution_g"],
                 options=s["options"], device_id=s["device_id"], bad_lines=s["bad_lines"],
                 issue_case=s["issue_case"]) for name, s in manifest.items()]


def mismatch(case: Case, got: list[int], expected: tuple[int, ...] | None = None) -> str | None:
    """Why ``got`` is not the expected weigh-ins (count exact, grams within resolution)."""
    expected = case.weighins if expected is None else expected
    if len(got) != len(expected) or any(abs(g - e) > case.resolution_g
                                         for g, e in zip(got, expected)):
        return "%s: got %s, expected %s (+/- %g g)" % (case.name, got, list(expected),
                                                      case.resolution_g)
    return None

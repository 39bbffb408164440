"""The ingest's log on stderr (`zw run`, the service's journal): what a scale sent cannot
drive the terminal that shows it."""
from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from ingest import logs

#: A field name a hostile scale sends: the refusal's reason ("invalid reading: {...}" with the
#: field's name) is logged; JSON escapes its C0 controls, not C1 or the bidi overrides.
HOSTILE = "poids\x1b]0;pwned\x07\x9b2J\u202eJ2[\u2066\r\n2026 INFO fake line"


def _unsafe(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f
            or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]


@pytest.mark.parametrize("form", ["text", "json"])
def test_a_logged_reason_cannot_drive_the_terminal(monkeypatch, capsys, form):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    logs.configure(SimpleNamespace(log_format=form, log_level="info"))
    reason = "invalid reading: " + json.dumps({HOSTILE: ["Unknown field."]}, ensure_ascii=False)
    logging.getLogger("ingest.store").info("dead letter from %s: %s", "zw/scales/a/weighin",
                                           reason)
    err = capsys.readouterr().err
    assert not _unsafe(err), err
    assert len(err.splitlines()) == 1
    if form == "json":  # the same message, read back
        assert json.loads(err)["message"] == f"dead letter from zw/scales/a/weighin: {reason}"

"""What the bridge writes to a terminal, made inert (as `tracker.terminal`, not imported: the
bridge installs on its own, paho-mqtt only).

Topics and payloads come from the firmwares' broker on the home network, where any device may
publish. Printed raw, an escape sequence in them (`\\x1b]0;...`, `\\x1b[2J`, a carriage return
that rewrites the line, a bidi override) is run by the terminal of whoever reads the log or
the recording. C0 and C1 controls, DEL and the bidirectional embeddings, overrides and isolates
are shown as visible escapes instead.
"""
from __future__ import annotations

import logging
import re

#: C0 controls, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: What json.dumps(ensure_ascii=False) leaves raw (it escapes the C0 controls itself).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def safe(text: str) -> str:
    """`text` on one line with every control character shown as an escape."""
    return _UNSAFE.sub(_escape, text)


def safe_json_text(text: str) -> str:
    """A `json.dumps(..., ensure_ascii=False)` text with DEL, C1 and bidi characters written
    as `\\uXXXX` too: the same JSON value, nothing a terminal runs."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeFormatter(logging.Formatter):
    """A log line whose message (a topic, a payload, an adapter's complaint) cannot drive the
    terminal nor fake another line; a traceback keeps its own line breaks."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = safe(record.message)
        return super().formatMessage(record)

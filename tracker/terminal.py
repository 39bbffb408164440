"""Text that the `zw` command prints, made safe for a terminal.

What the command prints often comes from outside: a scale's payload and topic (dead letters),
names, communes and labels typed on a web form, cells of an imported CSV echoed in an error.
Printed raw, an escape sequence in them (`\\x1b[2J`, `\\x1b]8;;https://evil.example\\x07`, a
title change, a fake prompt after a carriage return) is run by the staff member's terminal.
`safe` shows every control character as a visible escape instead (`\\x1b`, `\\r`, `\\u202e`):
C0 and C1 controls, DEL, and the bidirectional overrides that reorder what is shown. Every
command goes through it (`echo`), and JSON output through `safe_json`, which keeps the JSON valid
and the same value (json.dumps already escapes C0 controls, not DEL, C1 or the bidi marks).
"""
from __future__ import annotations

import json
import re

import click

#: C0 controls (tab and newline included: a value is shown on one line), DEL, C1 controls,
#: and the Unicode bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
#: What json.dumps leaves raw in strings (it escapes C0 controls itself; the structural
#: newlines of an indented document must stay).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def safe(value) -> str:
    """`value` as text with every control character shown as an escape (one line)."""
    return _UNSAFE.sub(_escape, "" if value is None else str(value))


def safe_lines(text: str) -> str:
    """A text of several lines made safe line by line (its line breaks kept)."""
    return "\n".join(safe(line) for line in str(text).split("\n"))


def safe_json(data, **kwargs) -> str:
    """`json.dumps(data, ensure_ascii=False, ...)` with DEL, C1 and bidi characters escaped
    as `\\uXXXX` too: valid JSON, the same value, nothing a terminal would run."""
    text = json.dumps(data, ensure_ascii=False, **kwargs)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def for_stream(text: str, stream) -> str:
    """A data export (CSV, JSON) as written to `stream`: exact to a file or a pipe, made safe
    line by line when the stream is a terminal (what a person reads there cannot run)."""
    isatty = getattr(stream, "isatty", None)
    return safe_lines(text) if isatty is not None and isatty() else text


def echo(message="", **kwargs) -> None:
    """`click.echo` of text made safe line by line (the message's own line breaks kept)."""
    click.echo(safe_lines(message), **kwargs)


def secho(message="", **kwargs) -> None:
    """`click.secho` of text made safe line by line (colours are added after, by click)."""
    click.secho(safe_lines(message), **kwargs)

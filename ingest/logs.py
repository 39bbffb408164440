"""Logging for the ingest processes: plain text, or JSON lines (ZW_LOG_FORMAT=json).

A logged message can carry what a scale sent (a refusal's reason names the payload's unknown
fields, a topic): on a terminal (`zw run`) or in a journal read on one, a control character or a
bidi override in it would be run or reorder the line. Text lines show every control character
as an escape (`tracker.terminal.safe`: one message, one line; a traceback keeps its lines); JSON
lines escape DEL, C1 and the bidi marks too (`safe_json`: the same value).
"""
from __future__ import annotations

import datetime as dt
import logging
import sys

from tracker.terminal import safe, safe_json

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message, and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
                 .isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(), "process": record.processName}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return safe_json(entry, default=str)


class SafeText(logging.Formatter):
    """The plain-text line, its message made inert (see the module's docstring)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = safe(record.message)
        return super().formatMessage(record)


def configure(cfg) -> None:
    """Send the root logger to stderr at cfg.log_level, as text or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    if cfg.log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(SafeText(
            "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(cfg.log_level.upper())

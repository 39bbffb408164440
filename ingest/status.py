"""The ingest's health report: a small JSON file in the instance folder, rewritten every second.

`zw ingest --status` reads it; a report older than a few seconds means the ingest is not
running (or is stuck).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

#: A report older than this is stale: the ingest is stopped, killed or hung.
STALE_AFTER_S = 5.0


def status_path(cfg) -> Path:
    """Where the ingest with this configuration writes its report."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in cfg.ingest_client_id)
    return Path(cfg.instance_path) / f"ingest-status-{safe}.json"


def write_status(path: Path, report: dict) -> None:
    """Replace the report atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_status(path: Path) -> dict | None:
    """The last report, with `stale` and `age_s` added; None when there is none."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    age = time.time() - float(report.get("updated_unix", 0))
    report["age_s"] = round(age, 1)
    report["stale"] = age > STALE_AFTER_S or not report.get("running", False)
    return report


def healthy(report: dict | None) -> bool:
    """Running, fresh, connected to the broker and not waiting for the database."""
    return bool(report) and not report["stale"] and report.get("connected") \
        and not report.get("database_error")


def format_status(report: dict | None) -> str:
    """The report as a few lines for people."""
    if report is None:
        return "ingest: no status report (never started here?)"
    state = "running" if not report["stale"] else (
        "stopped" if not report.get("running") else f"not responding ({report['age_s']}s)")
    lines = [
        f"ingest: {state} (pid {report.get('pid')}, client id {report.get('client_id')})",
        f"broker: {report.get('broker')} "
        f"{'connected' if report.get('connected') else 'NOT connected'}"
        f" (reconnects: {report.get('reconnects', 0)})",
        f"queue: {report.get('queue', 0)} messages received and not yet acknowledged",
        f"stored: {report.get('stored', 0)} (flagged {report.get('flagged', 0)}, duplicates "
        f"{report.get('duplicates', 0)}), dead letters: {report.get('dead_lettered', 0)}",
        f"last commit: {report.get('last_commit') or 'never'}",
    ]
    if report.get("database_error"):
        lines.append(f"database: UNAVAILABLE since {report.get('database_error_since')}: "
                     f"{report['database_error']}")
    if report.get("fatal"):
        lines.append(f"stopped on error: {report['fatal']}")
    return "\n".join(lines)

"""The ingest's health report: a small JSON file in the instance folder, rewritten every second.

`zw ingest --status` reads it; a report older than a few seconds means the ingest is not
running (or is stuck).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tracker.private_files import open_private, private_dir

try:  # in the `zw` command's language when Flask-Babel is there (tracker.extensions.cli_locale)
    from flask_babel import gettext as _
except ImportError:  # pragma: no cover - the ingest needs no Flask to run
    def _(text, **kwargs):
        return text % kwargs if kwargs else text

#: A report older than this is stale: the ingest is stopped, killed or hung.
STALE_AFTER_S = 5.0


def status_path(cfg) -> Path:
    """Where the ingest with this configuration writes its report."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in cfg.ingest_client_id)
    return Path(cfg.instance_path) / f"ingest-status-{safe}.json"


def write_status(path: Path, report: dict) -> None:
    """Replace the report atomically (a reader never sees half a file)."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open_private(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(report, indent=1, default=str))
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
    """The report as a few lines for people (in the `zw` command's language)."""
    if report is None:
        return _("ingest: no status report (never started here?)")
    state = _("running") if not report["stale"] else (
        _("stopped") if not report.get("running")
        else _("not responding (%(age)ss)", age=report["age_s"]))
    lines = [
        _("ingest: %(state)s (pid %(pid)s, client id %(client)s)", state=state,
          pid=report.get("pid"), client=report.get("client_id")),
        _("broker: %(broker)s %(connected)s (reconnects: %(reconnects)s)",
          broker=report.get("broker"),
          connected=_("connected") if report.get("connected") else _("NOT connected"),
          reconnects=report.get("reconnects", 0)),
        _("queue: %(queue)s messages received and not yet acknowledged",
          queue=report.get("queue", 0)),
        _("stored: %(stored)s (flagged %(flagged)s, duplicates %(duplicates)s), dead letters: "
          "%(dead)s", stored=report.get("stored", 0), flagged=report.get("flagged", 0),
          duplicates=report.get("duplicates", 0), dead=report.get("dead_lettered", 0)),
        _("last commit: %(when)s", when=report.get("last_commit") or _("never")),
    ]
    if report.get("database_error"):
        lines.append(_("database: UNAVAILABLE since %(since)s: %(error)s",
                       since=report.get("database_error_since"),
                       error=report["database_error"]))
    if report.get("fatal"):
        lines.append(_("stopped on error: %(error)s", error=report["fatal"]))
    return "\n".join(lines)

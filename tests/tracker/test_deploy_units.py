"""The systemd units of docs/deploy: systemd itself accepts them, and each one's command is a
`zw` command (or gunicorn, or the broker) that exists."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_every_unit(tmp_path):
    """`systemd-analyze verify` on copies whose /srv/zw/.venv is this virtualenv (the units'
    commands must exist for it)."""
    venv_bin = Path(sys.executable).parent
    names = []
    for unit in UNITS:
        text = unit.read_text().replace("/srv/zw/.venv/bin/", f"{venv_bin}/")
        name = unit.name.replace("@.service", "@1.service")  # a template through an instance
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *names],
                            capture_output=True, text=True, timeout=60)
    # Unknown keys and bad values are warnings (exit 0): any output is a problem.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), \
        result.stdout + result.stderr


def test_every_timer_starts_a_service_that_runs_a_zw_command():
    from tracker.entry import main

    timers = sorted(DEPLOY.glob("*.timer"))
    assert {t.stem for t in timers} >= {"zw-devices-sync", "zw-reminders", "zw-mail"}
    for timer in timers:
        service = DEPLOY / f"{timer.stem}.service"
        assert service.exists(), f"{timer.name} starts {service.name}, which is missing"
        command = re.search(r"^ExecStart=/srv/zw/\.venv/bin/zw (.+)$", service.read_text(),
                            re.M).group(1).split()
        with pytest.raises(SystemExit) as done:  # `zw <command> --help` exists
            main([*command, "--help"])
        assert done.value.code == 0, f"{service.name}: zw {' '.join(command)}"

"""What `zw` prints of stored or imported text cannot drive the staff member's terminal.

Before: `zw deadletters list` printed a scale's payload with its ANSI escapes raw (a cleared
screen, a changed window title, a hidden link); names, labels and imported cells likewise.
"""
from __future__ import annotations

import ast
import datetime as dt
import json
import pathlib

import pytest
from sqlalchemy import select

from tracker import services
from tracker.models import DeadLetter, Edition, Household
from tracker.services import devices as device_service
from tracker.terminal import for_stream, safe, safe_json, safe_lines

ROOT = pathlib.Path(__file__).resolve().parents[2]
ESC = "\x1b[2J\x1b]0;pwned\x07"  # clear the screen, retitle the window
HOSTILE = f"A{ESC}\r\x9b31m\u202eB"
#: Characters a terminal acts on (C0 but the line breaks of our own messages, DEL, C1, bidi).
ACTING = [chr(c) for c in (*range(0x00, 0x0a), *range(0x0b, 0x20), *range(0x7f, 0xa0))] + [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def assert_inert(text: str) -> None:
    found = sorted({repr(c) for c in text if c in ACTING})
    assert not found, f"control characters printed raw: {found}\n{text!r}"


@pytest.fixture
def hostile(app, world):
    """An edition name, a household name, a scale label and a dead letter carrying escapes."""
    with app.extensions["zw_db"].session() as s:
        s.get(Household, world["martin"]).name = HOSTILE
        s.scalar(select(Edition)).name = HOSTILE
        device, _secret = device_service.provision_device(s, s.get(Household, world["martin"]))
        device.label = HOSTILE
        s.add(DeadLetter(received_at=dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc),
                         topic=f"zw/scales/x/{ESC}", payload=f'{{"seq": 1, "x": "{HOSTILE}"}}',
                         payload_size=40, reason=f"bad payload {ESC}", device_id="x"))


def test_deadletters_list_escapes_the_payload(runner, hostile):
    result = runner.invoke(args=["deadletters", "list"])
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in result.output and "\\u202e" in result.output


def test_deadletters_and_devices_json_stay_the_same_value(runner, hostile):
    for args in (["deadletters", "list", "--format", "json"],
                 ["devices", "list", "--format", "json"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert_inert(result.output.replace("\n", ""))
        rows = json.loads(result.output)
        assert any(HOSTILE in str(v) for r in rows for v in r.values())  # the same value


def test_devices_and_challenges_lists_escape_names(runner, hostile):
    for args in (["devices", "list"], ["challenges", "list"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert_inert(result.output.replace("\t", "").replace("\n", ""))
        assert "A\\x1b[2J" in result.output


def test_import_errors_echo_cells_escaped(app, runner, world, tmp_path, now_in_edition):
    path = tmp_path / "pesees.csv"
    path.write_text(f"household;date;stream;weight_kg\n{HOSTILE};02/03/2026;OMR;1\n"
                    f"Martin;02/03/2026;{ESC};1\n", encoding="utf-8")
    result = runner.invoke(args=["weighins", "import", str(path), "--challenge", "defi-2026"])
    assert result.exit_code == 1
    assert_inert(result.output.replace("\n", ""))
    assert "line 2:" in result.output and "line 3:" in result.output
    bad_header = tmp_path / "entete.csv"
    bad_header.write_text(f"household;{ESC}\nMartin;1\n", encoding="utf-8")
    result = runner.invoke(args=["weighins", "import", str(bad_header), "--challenge",
                                 "defi-2026"])
    assert result.exit_code == 1 and "missing column(s)" in result.output
    assert_inert(result.output.replace("\n", ""))


def test_exports_are_exact_to_a_file_and_inert_on_a_terminal(app, runner, world,
                                                              now_in_edition, tmp_path):
    with app.extensions["zw_db"].session() as s:
        services.record_weighin(s, s.get(Household, world["martin"]), stream="residual",
                                weight_g=1000, source="web", note=HOSTILE,
                                measured_at=dt.datetime(2026, 4, 2, 8, tzinfo=dt.timezone.utc))
    out = tmp_path / "pesees.json"
    result = runner.invoke(args=["weighins", "export", "--challenge", "defi-2026", "--format",
                                 "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))[0]["note"] == HOSTILE  # same value

    class Terminal:
        def isatty(self):
            return True

    assert_inert(for_stream(f"a,{HOSTILE}\nb,c\n", Terminal()).replace("\n", ""))
    assert for_stream(f"a,{HOSTILE}\n", out.open("a")) == f"a,{HOSTILE}\n"


def test_safe_helpers():
    assert safe("a\x1b[31mb\tc\nd\x7f\x9b\u202e") == "a\\x1b[31mb\\tc\\nd\\x7f\\x9b\\u202e"
    assert safe("Élise Noël — 3 kg") == "Élise Noël — 3 kg"
    assert safe(None) == "" and safe(12) == "12"
    assert safe_lines("a\x1b\nb") == "a\\x1b\nb"
    assert json.loads(safe_json({"p": HOSTILE}, indent=2)) == {"p": HOSTILE}
    assert_inert(safe_json({"p": HOSTILE}, indent=2).replace("\n", ""))


def test_the_cli_modules_print_only_through_tracker_terminal():
    """One helper: a new `click.echo` of stored text could not skip it."""
    found = []
    paths = sorted((ROOT / "tracker" / "cli").glob("*.py"))
    assert len(paths) > 10, paths  # the command modules (tracker/cli/, issue 15)
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = (f"{getattr(f.value, 'id', '')}.{f.attr}" if isinstance(f, ast.Attribute)
                        else getattr(f, "id", ""))
                if (path.name, name) == ("run.py", "json.dump"):
                    continue  # the demo scale's credentials file, not the terminal
                if name in ("click.echo", "click.secho", "print", "json.dump", "json.dumps"):
                    found.append(f"{path.name}:{node.lineno}: {name}")
    assert not found, f"print through tracker.terminal (echo, secho, safe_json): {found}"

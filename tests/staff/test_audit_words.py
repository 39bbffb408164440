"""The audit log in sentences: every action the code records has one (tracker.web.common.audit_words),
and the staff page shows sentences and household names, not codes and key=value pairs."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

from tests.staff.conftest import page_text
from tracker.models import Household
from tracker.services import audit
from tracker.web.common.audit_words import SENTENCES, describe

ROOT = Path(__file__).resolve().parents[2]
ACTION = re.compile(r"[a-z_]+\.[a-z_]+")
#: The audit service's functions, and the helpers that pass an action on to them
#: (tracker/services/coverage.py `_record`: absences and accepted months).
RECORDERS = {"record", "record_command", "log_staff_change", "_record"}


def _strings(node) -> set[str]:
    return {n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and ACTION.fullmatch(n.value)}


def recorded_actions() -> set[str]:
    """Every action code passed to the audit log anywhere in the code (literal, or a variable
    assigned literals in the same module, as `action = "a" if ... else "b"`)."""
    found = set()
    for path in list((ROOT / "tracker").rglob("*.py")) + list((ROOT / "ingest").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, set()).update(_strings(node.value))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name not in RECORDERS:
                continue
            for arg in list(node.args) + [k.value for k in node.keywords if k.arg == "action"]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                        and ACTION.fullmatch(arg.value):
                    found.add(arg.value)
                elif isinstance(arg, ast.Name):
                    found.update(assigned.get(arg.id, ()))
    return found


def test_every_recorded_action_has_a_sentence():
    actions = recorded_actions()
    # the scan sees the three ways actions are written (literal, conditional, passed along)
    assert {"weighin.review", "report.republish", "event.delete", "device.pair",
            "absence.declare", "progress.accept"} <= actions
    assert len(actions) >= 18
    missing = sorted(actions - set(SENTENCES))
    assert not missing, f"audit actions without a sentence in tracker.web.common.audit_words: {missing}"


def test_sentences_read_in_french(app):
    with app.test_request_context("/?lang=fr"):
        assert describe("weighin.review", {"decision": "rejected", "weight_g": 30000}) == \
            "Pesée de 30 kg refusée : elle ne compte pas."
        assert describe("weighin.review", {"decision": "accepted", "weight_g": 16500}) == \
            "Pesée douteuse de 16,5 kg acceptée : elle compte."
        assert describe("device.pair", {"device": "zws-1", "stream": "glass",
                                        "firmware": "tasmota"}) == \
            "Balance zws-1 appairée (poubelle : Verre, Tasmota (HX711))."
        assert describe("household.reminders", {"enabled": False}) == \
            "Rappels du foyer désactivés."
        assert describe("households.import", {"added": 12}) == \
            "12 foyer(s) importé(s) depuis un fichier."
        assert describe("event.delete", {}) == "Événement supprimé (n° ?)."  # detail missing
        assert describe("absence.declare", {"absence_id": 2, "date_from": "2026-11-10",
                                            "date_to": "2026-11-12"}) == \
            "Absence du foyer déclarée du 10/11/2026 au 12/11/2026."
        assert describe("progress.accept", {"month": 1, "reason": "Oubli signalé"}) == \
            "Mois 1 accepté comme fiable malgré des semaines sans pesée : « Oubli signalé »."
        assert describe("something.new", {"x": 1}) == "something.new"
        for action in SENTENCES:  # each one reads without its details, and not in English
            text = describe(action, {})
            assert text and text != action


def test_the_audit_page_shows_sentences_and_names(app, staff, world, session):
    martin = session.get(Household, world["martin"])
    audit.record(session, None, "weighin.review", household_id=martin.id, weighin=1,
                 decision="rejected", weight_g=30000)
    audit.record(session, None, "household.export", household_id=999_999, format="json")
    session.commit()
    text = page_text(staff.get("/equipe/journal"))
    assert "Pesée de 30 kg refusée : elle ne compte pas." in text and "Martin" in text
    assert "foyer n° 999999 (effacé)" in text
    assert "weighin.review" not in text and "decision=rejected" not in text

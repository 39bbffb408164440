"""The French catalog translates every message of the code and templates, and is compiled."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "tracker" / "translations" / "fr" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


#: Where messages for people are: the app, and the ingest's status report (`zw ingest --status`).
SOURCES = [(ROOT / "tracker", METHODS), (ROOT / "ingest", [("status.py", "python")])]


def _msgids() -> set:
    found = set()
    for folder, methods in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(folder), methods, keywords=KEYWORDS):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_french_translation():
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale="fr")
    missing = []
    for msgid in sorted(_msgids()):
        entry = catalog.get(msgid)
        string = entry.string if entry is not None else None
        if isinstance(string, tuple):
            string = string[0]
        if not string or (entry is not None and entry.fuzzy):
            missing.append(msgid)
    assert not missing, f"untranslated in messages.po (run pybabel update): {missing}"


def test_the_compiled_catalog_matches_the_po_file():
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {m.id: m.string for m in read_po(fh, locale="fr") if m.id and m.string
              and not m.fuzzy}
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = {m.id: m.string for m in read_mo(fh) if m.id}
    assert po == mo, "messages.mo is stale: run `pybabel compile -d tracker/translations`"


def test_french_texts_write_one_apostrophe_and_one_word_per_thing():
    """Merged branches each wrote French their own way: one apostrophe (the straight one, as
    the rest of the catalog), « » around quoted words, and one name per thing for staff."""
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    texts = {m.id: m.string for m in catalog if m.id and isinstance(m.string, str)}
    curly = sorted(i for i, t in texts.items() if "’" in t)
    assert not curly, f"typographic apostrophes in a catalog written with ': {curly}"
    english_quotes = sorted(i for i, t in texts.items() if "“" in t or "”" in t)
    assert not english_quotes, f"use « » in French: {english_quotes}"
    # the broker's retained messages are "conservés" on every staff page, never "retenus"
    assert not [t for t in texts.values() if "message retenu" in t]

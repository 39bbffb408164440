"""Alembic migrations on SQLite and PostgreSQL: up, down, up again, and in step with the models."""
import json
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from tests.conftest import PG_URL
from tests.tracker.migration_rows import add_edition, add_household, add_weighin
from tracker.db import make_engine
from tracker.migrate import downgrade, needs_upgrade, upgrade
from tracker.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite3'}"
        return
    name = f"zw_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_up_down_up_and_models_match(empty_url):
    assert needs_upgrade(empty_url)
    upgrade(empty_url)
    assert not needs_upgrade(empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    downgrade(empty_url, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(empty_url)
    with engine.connect() as conn:
        assert "weighins" in inspect(conn).get_table_names()
    engine.dispose()


def test_seq_becomes_64_bit_and_rows_survive(empty_url):
    """0110: a scale's seq above 2^31 - 1 (PostgreSQL's INTEGER) is stored; rows kept."""
    upgrade(empty_url, "0100_life")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        household = add_household(conn, add_edition(conn))
        add_weighin(conn, household, seq=7)
    upgrade(empty_url)
    with engine.begin() as conn:
        add_weighin(conn, household, weight_g=900, measured_at="2026-03-03 08:00:00",
                    created_at="2026-03-03 08:00:00", seq=2**53)
        rows = conn.execute(text("SELECT weight_g, seq FROM weighins ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1200, 7), (900, 2**53)]
    engine.dispose()


def test_dead_letters_get_a_fingerprint_and_rows_survive(empty_url):
    """0120: dead letters kept before have no fingerprint (their payload may be cut)."""
    upgrade(empty_url, "0110_seq_bigint")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO dead_letters (received_at, topic, payload, payload_size, "
                          "reason) VALUES ('2026-03-02 08:00:00', 'zw/scales/a/weighin', "
                          "'{}', 2, 'invalid reading')"))
    upgrade(empty_url)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT topic, reason, fingerprint FROM dead_letters")).all()
        assert [tuple(row) for row in rows] == [("zw/scales/a/weighin", "invalid reading", None)]
        assert "ix_dead_letters_fingerprint" in {
            index["name"] for index in inspect(conn).get_indexes("dead_letters")}
    downgrade(empty_url, "0110_seq_bigint")
    with engine.connect() as conn:
        assert "fingerprint" not in {c["name"] for c in inspect(conn).get_columns("dead_letters")}
        assert conn.execute(text("SELECT COUNT(*) FROM dead_letters")).scalar() == 1
    engine.dispose()


def test_accounts_get_a_session_generation_and_their_api_token_survives(empty_url):
    """0130: each account gets its own random generation; the one API token hash an account had
    becomes a token named "API" (scripts keep working), and comes back on a downgrade."""
    upgrade(empty_url, "0120_dead_letter_fingerprint")
    engine = make_engine(empty_url)  # SQLite with foreign keys on, as the app runs it
    with engine.begin() as conn:
        for email, digest in (("a@example.org", "ab" * 32), ("b@example.org", None)):
            conn.execute(text("INSERT INTO accounts (email, display_name, role, api_token_hash, "
                              "active, created_at) VALUES (:e, '', 'staff', :d, :t, "
                              "'2026-03-01 00:00:00')"), {"e": email, "d": digest, "t": True})
        conn.execute(text("INSERT INTO login_tokens (account_id, token_hash, purpose, "
                          "created_at, expires_at) SELECT id, 'cd', 'invite', "
                          "'2026-03-01 00:00:00', '2026-03-08 00:00:00' FROM accounts "
                          "WHERE email = 'a@example.org'"))
        conn.execute(text("INSERT INTO audit_log (at, actor_id, actor, action, details) SELECT "
                          "'2026-03-01 00:00:00', id, email, 'x', '{}' FROM accounts "
                          "WHERE email = 'a@example.org'"))
    upgrade(empty_url)
    with engine.begin() as conn:  # rebuilding `accounts` on SQLite cascaded into these once
        assert conn.execute(text("SELECT COUNT(*) FROM login_tokens")).scalar() == 1
        assert conn.execute(text("SELECT actor_id FROM audit_log")).scalar() is not None
    with engine.begin() as conn:
        generations = conn.execute(text("SELECT session_generation FROM accounts")).scalars().all()
        assert len(set(generations)) == 2 and all(len(g) >= 16 for g in generations)
        tokens = conn.execute(text("SELECT a.email, t.name, t.token_hash FROM api_tokens t "
                                   "JOIN accounts a ON a.id = t.account_id")).all()
        assert [tuple(t) for t in tokens] == [("a@example.org", "API", "ab" * 32)]
        assert "api_token_hash" not in {c["name"] for c in inspect(conn).get_columns("accounts")}
    downgrade(empty_url, "0120_dead_letter_fingerprint")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT email, api_token_hash FROM accounts ORDER BY email"))
        assert [tuple(r) for r in rows] == [("a@example.org", "ab" * 32), ("b@example.org", None)]
        assert not {"api_tokens", "sign_ins"} & set(inspect(conn).get_table_names())
    engine.dispose()


def test_staff_source_up_and_down(empty_url):
    """0150: a weigh-in entered by staff (`staff`) is stored; downgrading makes it `web`."""
    upgrade(empty_url)
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        household = add_household(conn, add_edition(conn))
        add_weighin(conn, household, source="staff")
    with pytest.raises(Exception):
        with engine.begin() as conn:
            conn.execute(text("UPDATE weighins SET source = 'fax'"))
    downgrade(empty_url, "0140_absences")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT source, weight_g FROM weighins")).one() == ("web", 1200)
    with pytest.raises(Exception):
        with engine.begin() as conn:
            conn.execute(text("UPDATE weighins SET source = 'staff'"))
    engine.dispose()


def test_editions_get_the_reference_figure_and_lose_it_on_the_way_down(empty_url):
    """0150: an edition made before gets ADEME's 254 kg; the downgrade drops the column only."""
    upgrade(empty_url, "0140_absences")
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        add_edition(conn, streams=(), slug="d")
    upgrade(empty_url, "0150_reference_figure_fig17")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT reference_kg_year FROM editions")).scalar() == 254
    downgrade(empty_url, "0140_absences")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT slug FROM editions")).scalar() == "d"
        assert "reference_kg_year" not in {c["name"] for c in inspect(conn).get_columns("editions")}
    engine.dispose()


#: sentences the code wrote before 0150, and the code each becomes
OLD_DEAD_LETTERS = [
    ("unexpected topic", "topic"),
    ("payload too large (70000 bytes, limit 65536)", "too_large"),
    ("payload is not UTF-8 (byte 3)", "not_utf8"),
    ("not a finite number: NaN is not allowed", "not_finite"),
    ("bad JSON: Expecting value: line 1 column 1 (char 0)", "bad_json"),
    ("payload is a JSON list, not an object", "not_object"),
    ('invalid reading: {"ts": ["Not a valid aware datetime."]}', "invalid_reading"),
    ("device_id 'sc-b' in the payload does not match the topic's 'sc-a'", "mismatch"),
    ("unknown device 'ghost'", "unknown_device"),
    ("device 'sc-a' was revoked on 2026-04-01 10:00 UTC", "revoked"),
    ("status is neither online nor offline", "status"),
    ("internal error: KeyError", "internal"),
    ("retained weigh-in (a reading is published without retain)", "retained"),
    ("measured_at: The date is outside the challenge (01/03/2026 to 31/10/2026).", "rule"),
    ("stream: Unknown bin: paper.", "rule"),
    ("measured_at: The date is in the future.", "rule"),
    ("not UTF-8", "legacy"),
]
OLD_FLAGS = [("over 15 kg", "flag_weight"), ("over 10x the household median (500 g)",
                                             "flag_median"),
             ("more than 30 readings from this scale in one hour", "rate"),
             ("checked by hand", "legacy"), ("", "")]


def test_reasons_become_codes_and_their_sentences_stay(empty_url):
    """0150: every sentence of a known form gets its code and params, from which the same
    sentence is written again; any other is `legacy` with its text; down keeps the text."""
    from tracker.domain.reasons import Reason
    upgrade(empty_url, "0140_absences")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        household = add_household(conn, add_edition(conn))
        for i, (sentence, _) in enumerate(OLD_FLAGS):
            add_weighin(conn, household, seq=i, flag_reason=sentence,
                        status="flagged" if sentence else "accepted")
        for sentence, _ in OLD_DEAD_LETTERS:
            conn.execute(text("INSERT INTO dead_letters (received_at, topic, payload, "
                              "payload_size, reason) VALUES ('2026-03-02 08:00:00', "
                              "'zw/scales/a/weighin', '{}', 2, :reason)"), {"reason": sentence})
    upgrade(empty_url)
    with engine.connect() as conn:
        letters = conn.execute(text("SELECT reason, reason_code, reason_params FROM "
                                    "dead_letters ORDER BY id")).all()
        flags = conn.execute(text("SELECT flag_reason, flag_code, flag_params FROM weighins "
                                  "ORDER BY seq")).all()
    assert [(r[0], r[1]) for r in letters] == OLD_DEAD_LETTERS
    assert [(r[0], r[1]) for r in flags] == OLD_FLAGS
    for sentence, code, params in list(letters) + list(flags):
        params = json.loads(params) if isinstance(params, str) else params
        if code == "legacy":
            assert params == {"text": sentence}
        elif code:  # the producers' sentence from the code and params is the one stored
            assert Reason(code, params) == sentence, (code, params)
        else:
            assert params is None
    by_text = {r[0]: json.loads(r[2]) if isinstance(r[2], str) else r[2] for r in letters}
    assert by_text["stream: Unknown bin: paper."] == {
        "field": "stream", "message": "Unknown bin: paper.", "msgid": "Unknown bin: %(stream)s.",
        "values": {"stream": "paper"}}
    assert by_text["device_id 'sc-b' in the payload does not match the topic's 'sc-a'"] == {
        "claimed": "sc-b", "device": "sc-a"}
    assert by_text["bad JSON: Expecting value: line 1 column 1 (char 0)"] == {
        "detail": "Expecting value: line 1 column 1 (char 0)", "line": 1, "column": 1}
    assert by_text['invalid reading: {"ts": ["Not a valid aware datetime."]}']["fields"] == {
        "ts": ["Not a valid aware datetime."]}
    downgrade(empty_url, "0140_absences")
    with engine.connect() as conn:
        assert not {"reason_code", "reason_params"} & {
            c["name"] for c in inspect(conn).get_columns("dead_letters")}
        assert not {"flag_code", "flag_params"} & {
            c["name"] for c in inspect(conn).get_columns("weighins")}
        kept = conn.execute(text("SELECT reason FROM dead_letters ORDER BY id")).scalars().all()
        assert kept == [sentence for sentence, _ in OLD_DEAD_LETTERS]
        kept = conn.execute(text("SELECT flag_reason FROM weighins ORDER BY seq")).scalars().all()
        assert kept == [sentence for sentence, _ in OLD_FLAGS]
    upgrade(empty_url)
    engine.dispose()

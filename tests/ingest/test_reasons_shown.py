"""Reasons stored as a code and its parameters (dead letters, flagged readings) on the staff
pages in French: every reason the code writes carries a code (no `legacy`), its message in
the catalog reads in English as the stored sentence, and in French without English left."""
from __future__ import annotations

import datetime as dt

from ingest.decode import decode
from tests.conftest import sign_in
from tests.ingest.corpus import bad_messages
from tracker.models import Household
from tracker.domain.reasons import Code, Reason, code_and_params, reason
from tracker.services.ingest import (Refusal, ScaleReading, record_dead_letters,
                                     record_scale_readings)
from tracker.services.device_rate import rate_reason
from tracker.services.weighins import flag_reason, record_weighin
from tracker.web.common.reasons import HELP, reason_help, reason_kind, reason_text

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.timezone.utc)
UTC = dt.timezone.utc
#: the codes whose English sentence holds a library's detail, put in words on the pages
LIBRARY = (Code.BAD_JSON, Code.INVALID_READING, Code.NOT_FINITE)


def _reading(seq, device="sc-martin", **kw):
    return ScaleReading(device_id=device, seq=seq, weight_g=kw.pop("weight_g", 1200),
                        measured_at=kw.pop("ts", dt.datetime(2026, 5, 4, 6, 0, tzinfo=UTC)),
                        topic=f"zw/scales/{device}/weighin", payload=b"{}", **kw)


def every_reason_the_code_writes(session) -> list[Reason]:
    decoded = [decode(t, p) for _, t, p in bad_messages("sc-martin", "sc-revoked")]
    reasons = [d.reason for d in decoded if isinstance(d, Refusal)]
    refused = record_scale_readings(session, [
        _reading(1, device="ghost"), _reading(2, device="sc-revoked"),
        _reading(3, ts=dt.datetime(2026, 5, 10, 12, 30, tzinfo=UTC)),
        _reading(4, ts=dt.datetime(2026, 2, 1, tzinfo=UTC)), _reading(5, stream="paper"),
        _reading(6, weight_g=0), _reading(7, weight_g=60_000),
        _reading(8, retained=True)], now=NOW).refused
    reasons += [r.reason for r in refused]
    reasons += [flag_reason(16_000, None), flag_reason(9_000, 500.0), rate_reason(30)]
    reasons += [reason(Code.INTERNAL, detail="KeyError"), reason(Code.TOPIC)]
    return reasons


def _shown(r: Reason) -> str:
    code, params = code_and_params(r)
    return reason_text(code, params, str(r))


def test_every_reason_the_code_writes_is_shown_in_french(app, session, scales):
    reasons = every_reason_the_code_writes(session)
    assert len(reasons) >= 100
    assert all(isinstance(r, Reason) and r.code is not Code.LEGACY for r in reasons), \
        [r for r in reasons if not isinstance(r, Reason)]
    assert {r.code for r in reasons} == set(Code) - {Code.LEGACY}  # the corpus covers all
    with app.test_request_context("/?lang=en"):
        for r in reasons:
            if r.code in LIBRARY:  # a library's detail is put in words: the prefix stays
                assert _shown(r).startswith(str(r).split(":")[0] + ": ")
            elif r.code is Code.RULE:  # the field in words, the rule's own message
                assert _shown(r).endswith(": " + r.params["message"]), r
            else:
                assert _shown(r) == r, r
    with app.test_request_context("/?lang=fr"):
        unknown = [r for r in reasons if _shown(r) == r
                   or (r.code is Code.RULE and r.params["message"] in _shown(r))]
        assert not unknown, f"reasons without a French form in tracker.web.common.reasons: {unknown}"
        assert _shown(flag_reason(16_000, None)) == "plus de 15 kg"
        future = [r for r in reasons if r == "measured_at: The date is in the future."]
        assert [_shown(r) for r in future] == ["date : La date est dans le futur."]
        outside = [r for r in reasons if r.startswith("measured_at: The date is outside")]
        assert [r.params["values"] for r in outside] == [{"start": "01/03/2026",
                                                         "end": "31/10/2026"}]
        assert [_shown(r) for r in outside] == \
            ["date : La date est en dehors du défi (du 01/03/2026 au 31/10/2026)."]


def test_a_legacy_reason_is_shown_as_stored(app):
    with app.test_request_context("/?lang=fr"):
        assert reason_text("legacy", {"text": "something new"}, "something new") == \
            "something new"
        assert reason_text("legacy", None, "kept before") == "kept before"
        assert reason_text("", None, "") == ""
        assert reason_text("no-such-code", {}, "as stored") == "as stored"
        assert reason_help("legacy", {"text": "x"}) is None


def test_library_details_are_put_in_french_words(app, session, scales):
    """No English from the JSON parser or the schema is left on the staff pages."""
    english = ("Expecting", "Missing data", "Must be", "Not a valid", "may not be null",
               "is not allowed", "Extra data", "Unexpected UTF-8", "recursion")
    with app.test_request_context("/?lang=fr"):
        shown = {r: _shown(r) for r in every_reason_the_code_writes(session)}
        left = {r: t for r, t in shown.items() if any(word in t for word in english)}
        assert not left, left
        assert shown['invalid reading: {"ts": ["Not a valid aware datetime."]}'] == \
            "pesée invalide : date (ts) : date et heure sans décalage (ajoutez +01:00 ou Z)"
        assert shown["bad JSON: Expecting value: line 1 column 1 (char 0)"] == \
            "JSON invalide : ligne 1, colonne 1"


def test_every_reason_the_code_writes_says_what_it_means_and_what_to_do(app, session,
                                                                      scales):
    reasons = every_reason_the_code_writes(session)
    without = sorted({r for r in reasons if reason_kind(*code_and_params(r)) is None})
    assert not without, f"reasons with no entry in tracker.web.common.reasons.HELP: {without}"
    with app.test_request_context("/?lang=fr"):
        assert {reason_kind(*code_and_params(r)) for r in reasons} <= set(HELP)
        meaning, action = reason_help(*code_and_params(
            next(r for r in reasons if r.code is Code.UNKNOWN_DEVICE)))
        assert meaning.startswith("Une balance que le suivi ne connaît pas")
        assert "Balances" in action


def test_the_quality_page_shows_reasons_in_french(app, client, world, session, scales):
    household = session.get(Household, world["martin"])
    record_weighin(session, household, stream="residual", weight_g=16_000,
                   measured_at=dt.datetime(2026, 4, 4, 8, 0, tzinfo=UTC), source="web",
                   now=NOW)
    record_dead_letters(session, [decode("zw/scales/sc-martin/weighin", b"[1, 2]"),
                                  Refusal("zw/scales/x/weighin", b"{}", "kept before the codes"),
                                  *record_scale_readings(session, [_reading(
                                      9, ts=dt.datetime(2026, 5, 10, 12, 30, tzinfo=UTC))],
                                      now=NOW).refused], now=NOW)
    session.commit()
    assert sign_in(client, "staff@example.org").status_code == 302
    page = client.get("/equipe/qualite/").get_data(as_text=True)
    assert "plus de 15 kg" in page and "over 15 kg" not in page
    assert "le message est un list JSON, pas un objet" in page
    assert "kept before the codes" in page  # legacy: as stored
    assert "date : La date est dans le futur." in page and "The date is" not in page

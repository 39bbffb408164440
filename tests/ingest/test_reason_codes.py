"""Every reason code has its English sentence, its kind and a message on the pages, in French
and English; a Reason survives the trip between the ingest's processes; a plain string is
stored as `legacy`."""
from __future__ import annotations

import pickle

import pytest

from tracker.domain.reasons import ENGLISH, KIND, Code, Reason, code_and_params, reason
from tracker.web.common.reasons import HELP, MESSAGES, reason_help, reason_text

#: params of every code, as the producers write them
PARAMS = {
    Code.FLAG_WEIGHT: {"kg": 15}, Code.FLAG_MEDIAN: {"factor": 10, "grams": 500},
    Code.RATE: {"limit": 30}, Code.TOPIC: {}, Code.TOO_LARGE: {"size": 9000, "limit": 4096},
    Code.NOT_UTF8: {"byte": 3}, Code.NOT_FINITE: {"value": "NaN", "detail": "NaN is not allowed"},
    Code.BAD_JSON: {"detail": "Expecting value: line 1 column 2 (char 1)", "line": 1,
                    "column": 2},
    Code.NOT_OBJECT: {"kind": "list"},
    Code.INVALID_READING: {"detail": '{"seq": ["Missing data for required field."]}',
                           "fields": {"seq": ["Missing data for required field."]}},
    Code.MISMATCH: {"claimed": "sc-other", "device": "sc-martin"},
    Code.UNKNOWN_DEVICE: {"device": "ghost"},
    Code.REVOKED: {"device": "sc-old", "when": "2026-04-01 10:00"},
    Code.STATUS: {}, Code.INTERNAL: {"detail": "KeyError"}, Code.RETAINED: {},
    Code.RULE: {"field": "measured_at", "message": "The date is in the future.",
                "msgid": "The date is in the future.", "values": {}},
    Code.LEGACY: {"text": "an old sentence"},
}


@pytest.mark.parametrize("code", list(Code))
def test_every_code_renders_in_english_and_french(app, code):
    assert code in ENGLISH and code in KIND and code in MESSAGES and code in PARAMS
    r = reason(code, **PARAMS[code])
    assert isinstance(r, str) and r.code is code and r.params == PARAMS[code]
    with app.test_request_context("/?lang=en"):
        english = reason_text(*code_and_params(r), str(r))
    with app.test_request_context("/?lang=fr"):
        french = reason_text(*code_and_params(r), str(r))
        help_fr = reason_help(*code_and_params(r))
    assert english and french
    if code is Code.LEGACY:
        assert french == english == "an old sentence" and help_fr is None
    else:
        assert french != english, code  # a French message, not the English one
        assert KIND[code] in HELP or code is Code.RULE
        assert help_fr is not None
    if code not in (Code.BAD_JSON, Code.INVALID_READING, Code.NOT_FINITE, Code.RULE):
        assert english == r  # the page's English is the stored sentence


def test_a_reason_is_pickled_with_its_code():
    r = reason(Code.REVOKED, device="sc-1", when="2026-04-01 10:00")
    back = pickle.loads(pickle.dumps(r))
    assert back == r == "device 'sc-1' was revoked on 2026-04-01 10:00 UTC"
    assert back.code is Code.REVOKED and back.params == r.params


def test_plain_strings_are_legacy_and_none_is_empty():
    assert code_and_params("not UTF-8") == ("legacy", {"text": "not UTF-8"})
    assert code_and_params("") == ("", None)
    assert code_and_params(Reason(Code.RATE, {"limit": 3})) == ("rate", {"limit": 3})

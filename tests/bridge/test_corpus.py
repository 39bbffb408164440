"""Every sequence of the corpus through ``zw bridge translate``: the weigh-ins it must give."""

import io
import json
import logging

import pytest

from firmware_bridge import cli

from .corpus_cases import cases, mismatch

CASES = cases()


def translate(case, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(case.lines()) + "\n"))
    code = cli.main(["bridge", "translate"] + case.translate_args())
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sequence_gives_its_weigh_ins(case, monkeypatch, capsys):
    code, out, err = translate(case, monkeypatch, capsys)
    assert mismatch(case, [o["payload"]["weight_g"] for o in out]) is None
    assert code == (1 if case.bad_lines else 0), err
    assert err.count("line ") == case.bad_lines, err
    if case.device_id:
        assert {o["topic"] for o in out} <= {"zw/scales/%s/weighin" % case.device_id}
    seqs = [o["payload"]["seq"] for o in out]
    assert seqs == list(range(1, len(seqs) + 1))


def test_the_corpus_covers_every_failing_case_of_issue_16():
    assert {c.issue_case for c in CASES} >= set(range(1, 11)) - {7}
    assert any(any(m["topic"].endswith("/LWT") for m in c.messages())
               for c in CASES if c.firmware == "theengs")  # case 7: the gateway's LWT
    assert len(CASES) >= 20


def test_person_weighings_are_ignored_with_one_warning(monkeypatch, capsys, caplog):
    [case] = [c for c in CASES if c.name == "theengs_person_then_object"]
    with caplog.at_level(logging.WARNING, logger="firmware_bridge"):
        code, out, _ = translate(case, monkeypatch, capsys)
    assert code == 0 and [o["payload"]["weight_g"] for o in out] == [5100]
    warnings = [r.getMessage() for r in caplog.records if "small-object" in r.getMessage()]
    assert len(warnings) == 1


def test_a_configuration_that_cannot_settle_is_reported(monkeypatch, capsys, caplog):
    # a load cell whose values jump +/-40 g every second (a loose wire, no filter)
    values = [0.0] * 10 + [0.8 + 0.04 * (-1) ** i for i in range(60)] + [0.0] * 10
    lines = [json.dumps({"topic": "n/sensor/poids/state", "payload": "%.3f" % kg,
                         "received_at": "2026-03-14T08:%02d:%02d+01:00" % divmod(i, 60)})
             for i, kg in enumerate(values)]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    with caplog.at_level(logging.WARNING, logger="firmware_bridge"):
        code = cli.main(["bridge", "translate", "--firmware", "esphome", "--unit", "kg"])
    out, _ = capsys.readouterr()
    assert code == 0 and out == ""
    assert any("raise tolerance_g" in r.getMessage() for r in caplog.records)

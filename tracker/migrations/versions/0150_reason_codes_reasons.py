"""reason codes: dead letters and flagged weigh-ins keep a code and its parameters

Reasons were stored as English sentences only, and the staff pages read them back into
French with regular expressions. From here the code and its parameters are stored beside the
sentence (`dead_letters.reason_code`/`reason_params`, `weighins.flag_code`/`flag_params`;
tracker.domain.reasons). Rows kept before get their code once, here, from the sentences the code
wrote until now (the patterns are copied: this revision must not change when the code does);
a sentence of no known form becomes `legacy` with the text as its parameter. Down drops the
new columns: the sentences stay, nothing is lost.

Revision ID: 0150_reason_codes_reasons
Revises: 0140_absences
Create Date: 2026-12-02 09:15:00
"""
from __future__ import annotations

import ast
import json
import re

from alembic import op
import sqlalchemy as sa


revision = '0150_reason_codes_reasons'
down_revision = '0150_talk_talk'
branch_labels = None
depends_on = None

# The sentences written up to 0140 (tracker/web/reasons.py of that time): code, pattern.
_FORMS = [(code, re.compile(pattern)) for code, pattern in (
    ("flag_weight", r"over (?P<kg>\d+) kg"),
    ("flag_median", r"over (?P<factor>\d+)x the household median \((?P<grams>\d+) g\)"),
    ("topic", r"unexpected topic"),
    ("too_large", r"payload too large \((?P<size>\d+) bytes, limit (?P<limit>\d+)\)"),
    ("not_utf8", r"payload is not UTF-8 \(byte (?P<byte>\d+)\)"),
    ("not_finite", r"not a finite number: (?P<detail>.*)"),
    ("bad_json", r"bad JSON: (?P<detail>.*)"),
    ("not_object", r"payload is a JSON (?P<kind>\w+), not an object"),
    ("invalid_reading", r"invalid reading: (?P<detail>.*)"),
    ("mismatch",
     r"device_id (?P<claimed>'.*') in the payload does not match the topic's (?P<device>'.*')"),
    ("unknown_device", r"unknown device (?P<device>'.*')"),
    ("revoked", r"device (?P<device>'.*') was revoked on (?P<when>[\d-]+ [\d:]+) UTC"),
    ("status", r"status is neither online nor offline"),
    ("internal", r"internal error: (?P<detail>.*)"),
    ("retained", r"retained weigh-in \(a reading is published without retain\)"),
    ("rate", r"more than (?P<limit>\d+) readings from this scale in one hour"),
)]
_INTEGERS = {"kg", "factor", "grams", "size", "limit", "byte"}
_RULE = re.compile(r"(?P<field>measured_at|stream|weight|reading): (?P<message>.+)", re.S)
# The domain's messages with values in them, as msgid and values.
_RULE_FORMS = [(re.compile(pattern), msgid) for pattern, msgid in (
    (r"The date is outside the challenge \((?P<start>.+) to (?P<end>.+)\)\.",
     "The date is outside the challenge (%(start)s to %(end)s)."),
    (r"Unknown bin: (?P<stream>.+)\.", "Unknown bin: %(stream)s."),
)]
_JSON_WHERE = re.compile(r".*line (?P<line>\d+) column (?P<column>\d+).*", re.S)
_NOT_FINITE = re.compile(r"(?P<value>\S+) is not (?:allowed|a finite number)")


def code_of(text: str) -> tuple[str, dict]:
    """The code and params of a sentence stored before this revision."""
    for code, pattern in _FORMS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        params = {k: int(v) if k in _INTEGERS else v for k, v in match.groupdict().items()}
        for name in ("claimed", "device"):  # stored quoted by repr()
            if name in params:
                try:
                    params[name] = ast.literal_eval(params[name])
                except (ValueError, SyntaxError):
                    return "legacy", {"text": text}
        if code == "not_finite":
            value = _NOT_FINITE.fullmatch(params["detail"])
            params["value"] = value["value"] if value else params["detail"]
        elif code == "bad_json":
            detail = params["detail"]
            where = _JSON_WHERE.fullmatch(detail)
            if "BOM" in detail:
                params["problem"] = "bom"
            elif "recursion" in detail:
                params["problem"] = "recursion"
            elif where:
                params.update(line=int(where["line"]), column=int(where["column"]))
        elif code == "invalid_reading":
            try:
                fields = json.loads(params["detail"])
            except ValueError:  # cut short at 400 characters
                fields = None
            if isinstance(fields, dict):
                params["fields"] = fields
        return code, params
    rule = _RULE.fullmatch(text)
    if rule:
        message = rule["message"]
        msgid, values = message, {}
        for pattern, form in _RULE_FORMS:
            match = pattern.fullmatch(message)
            if match:
                msgid, values = form, match.groupdict()
                break
        return "rule", {"field": rule["field"], "message": message, "msgid": msgid,
                        "values": values}
    return "legacy", {"text": text}


def _convert(table: str, text_column: str, code_column: str, params_column: str,
             where: str = "") -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {text_column} FROM {table} {where}")).all()
    updates = []
    for row_id, text in rows:
        code, params = code_of(text or "")
        updates.append({"id": row_id, "code": code, "params": params})
    if updates:
        bind.execute(sa.text(f"UPDATE {table} SET {code_column} = :code, "
                             f"{params_column} = :params WHERE id = :id")
                     .bindparams(sa.bindparam("params", type_=sa.JSON())), updates)


def upgrade() -> None:
    with op.batch_alter_table('dead_letters') as batch:
        batch.add_column(sa.Column('reason_code', sa.String(length=32), nullable=False,
                                   server_default='legacy'))
        batch.add_column(sa.Column('reason_params', sa.JSON(), nullable=True))
    with op.batch_alter_table('weighins') as batch:
        batch.add_column(sa.Column('flag_code', sa.String(length=32), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('flag_params', sa.JSON(), nullable=True))
    _convert('dead_letters', 'reason', 'reason_code', 'reason_params')
    _convert('weighins', 'flag_reason', 'flag_code', 'flag_params', "WHERE flag_reason <> ''")


def downgrade() -> None:
    with op.batch_alter_table('weighins') as batch:
        batch.drop_column('flag_params')
        batch.drop_column('flag_code')
    with op.batch_alter_table('dead_letters') as batch:
        batch.drop_column('reason_params')
        batch.drop_column('reason_code')

"""Helpers of the pages that read a posted form field by field (a schema is the rule: see
tracker/schemas.py); a domain error as a form's error mapping."""
from __future__ import annotations

from flask import request

from tracker.domain import DomainError


def errors_of(exc: DomainError) -> dict:
    """A domain error as the form's error mapping (field → messages)."""
    return {exc.field or "_schema": [str(exc.message)]}


def form_text(name: str, limit: int = 2000) -> str:
    """A text field of the posted form, stripped and cut to a sane length."""
    return (request.form.get(name) or "").strip()[:limit]


def form_int(name: str) -> int | None:
    """An integer field of the posted form (None when empty or not a number)."""
    raw = (request.form.get(name) or "").strip()
    try:
        return int(raw)
    except ValueError:
        return None


def form_bool(name: str) -> bool:
    return request.form.get(name) in ("y", "on", "1", "true")

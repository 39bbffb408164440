"""The challenge-life blueprints (issue 6), registered together from `tracker.web.register`."""
from __future__ import annotations

from flask import Flask, request

from tracker.domain import DomainError


def register(app: Flask) -> None:
    """Attach the challenge-life blueprints and their template helpers."""
    from tracker.web import (editions, enrolment, events, news, offline, outbox, privacy,
                             reports, signin_links, teams)

    for module in (outbox, enrolment, signin_links, editions, privacy, events, news, teams,
                   offline, reports):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _life_context() -> dict:
        return {"blueprints_available": app.blueprints}


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

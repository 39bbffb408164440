"""The challenge-life blueprints (issue 6), registered together from `tracker.web.register`."""
from __future__ import annotations

from flask import Flask, request

from tracker.domain import DomainError


def register(app: Flask) -> None:
    """Attach the challenge-life blueprints and their template helpers."""
    from tracker.web.staff import editions
    from tracker.web.public import enrolment
    from tracker.web.family import events
    from tracker.web.family import news
    from tracker.web.public import offline
    from tracker.web.staff import outbox
    from tracker.web.staff import households as privacy
    from tracker.web.staff import reports
    from tracker.web.public import links as signin_links
    from tracker.web.family import teams

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

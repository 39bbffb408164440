"""Pages for anyone, signed in or not: sign-up, sign-in links, published results, calendars,
the PWA files, the health check."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracker.web.public import (calendar, enrolment, health, links, offline,
                                    password_reset, reports)

    for module in (health, offline, enrolment, links, password_reset, calendar, reports):
        app.register_blueprint(module.bp)

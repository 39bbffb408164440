"""The pages of a household's accounts (weigh-ins, progress, absences, workshops, news, teams,
members, their data, their journey)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracker.web.family import (absences, events, home, members, news, news_mail, privacy,
                                    reports, talk, teams)

    for module in (home, absences, events, news, news_mail, teams, members, privacy, reports, talk):
        app.register_blueprint(module.bp)

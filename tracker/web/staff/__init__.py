"""The staff pages, under `/equipe`; an edition's pages under one tree,
`/equipe/defis/<slug>/...` (tree.py), old addresses redirected (moved.py)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracker.web.staff import (cohort, compare, coverage, devices, editions, enrolment,
                                   events, home, household_admin, households, journal, mail,
                                   moved, news, news_mail, outbox, quality, reports, talk, teams,
                                   weighins)

    # household_admin: import households, change a size; weighins: a family's weigh-in entered
    # or corrected; mail: remind a silent family, write to a group; news_mail: an announcement
    for module in (home, cohort, quality, devices, compare, coverage, editions, households,
                   household_admin, weighins, mail, news_mail, reports, teams, enrolment,
                   events, news, talk, outbox, journal, moved):
        app.register_blueprint(module.bp)

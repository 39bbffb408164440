"""The staff pages, under `/equipe`; an edition's pages under one tree,
`/equipe/defis/<slug>/...` (tree.py), old addresses redirected (moved.py)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from tracker.web.staff import (cohort, compare, coverage, devices, editions, enrolment,
                                   events, home, households, journal, moved, news, outbox,
                                   quality, reports, teams)

    for module in (home, cohort, quality, devices, compare, coverage, editions, households,
                   reports, teams, enrolment, events, news, outbox, journal, moved):
        app.register_blueprint(module.bp)

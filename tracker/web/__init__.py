"""Web entry points, one room per audience (docs/architecture.md):

- `common/`: what every page uses (sign-in and sessions, errors, security headers, rate limits,
  JSON bodies, absolute links, charts, form helpers, reasons and audit words, mail composing),
  and the pages of any signed-in account (`/compte`);
- `public/`: pages for anyone (sign-up, sign-in links, published results, calendars, PWA files);
- `family/`: the pages of a household's accounts;
- `staff/`: the staff pages, under `/equipe`; one URL tree per edition (`/equipe/defis/<slug>`);
- `api/`: the REST API (`/api/v1`).

Every blueprint is registered here, in one place.
"""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach every blueprint, the API and the handlers to the app."""
    from tracker.extensions import api
    from tracker.web.api import v1 as api_v1
    from tracker.web.common import (account, audit_words, auth, charts, errors, jsonbody, reasons,
                                    security, urls)
    from tracker.web.family import absences, events, news, teams
    from tracker.web.family import home as family_home
    from tracker.web.public import enrolment, health, links, offline
    from tracker.web.staff import (cohort, compare, coverage, devices, editions, households, outbox,
                                   quality, reports)
    from tracker.web.staff import home as staff_home

    security.init_app(app)
    urls.init_app(app)  # links on ZW_PUBLIC_URL only; other Host: names refused
    jsonbody.init_app(app)  # request bodies: too deep or too long numbers are a 400
    auth.init_app(app)
    reasons.init_app(app)  # the `reason` filter: stored English reasons in the page's language
    audit_words.init_app(app)  # the `audit_sentence` filter: the audit log in sentences
    for module in (
        # common: sign-in, the account page, plotly.js
        auth, account, charts,
        # public
        health, offline, enrolment, links,
        # family
        family_home, absences, events, news, teams,
        # staff
        staff_home, cohort, quality, devices, compare, coverage, outbox, editions, households,
        reports,
    ):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _blueprints_context() -> dict:
        return {"blueprints_available": app.blueprints}

    api.init_app(app)
    api_v1.register(api)
    # After the API: flask-smorest registers its own HTTPException handler, ours wraps both.
    errors.init_app(app)

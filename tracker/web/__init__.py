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
    from tracker.web import family, public, staff
    from tracker.web.api import v1 as api_v1
    from tracker.web.common import (account, audit_words, auth, charts, errors, jsonbody,
                                    reasons, security, urls, weighin_words)

    security.init_app(app)
    urls.init_app(app)  # links on ZW_PUBLIC_URL only; other Host: names refused
    jsonbody.init_app(app)  # request bodies: too deep or too long numbers are a 400
    auth.init_app(app)
    reasons.init_app(app)  # the `reason` filter: stored English reasons in the page's language
    audit_words.init_app(app)  # the `audit_sentence` filter: the audit log in sentences
    weighin_words.init_app(app)  # `weighin_source`: where a weigh-in came from, in words
    for module in (auth, account, charts):  # sign-in, the account page, plotly.js
        app.register_blueprint(module.bp)
    for room in (public, family, staff):
        room.register(app)

    @app.context_processor
    def _blueprints_context() -> dict:
        return {"blueprints_available": app.blueprints}

    api.init_app(app)
    api_v1.register(api)
    # After the API: flask-smorest registers its own HTTPException handler, ours wraps both.
    errors.init_app(app)

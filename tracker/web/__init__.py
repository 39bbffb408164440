"""Web entry points: one blueprint per resource, the error mapping, security headers."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach every blueprint, the API and the handlers to the app."""
    from tracker.extensions import api
    from tracker.web import auth, errors, family, health, security, staff
    from tracker.web import api as api_v1

    security.init_app(app)
    from tracker.web import jsonbody, urls
    urls.init_app(app)  # links on ZW_PUBLIC_URL only; other Host: names refused
    jsonbody.init_app(app)  # request bodies: too deep or too long numbers are a 400
    auth.init_app(app)
    from tracker.web import reasons
    reasons.init_app(app)  # the `reason` filter: stored English reasons in the page's language
    from tracker.web import audit_words
    audit_words.init_app(app)  # the `audit_sentence` filter: the audit log in sentences
    app.register_blueprint(auth.bp)
    from tracker.web import account
    app.register_blueprint(account.bp)  # the account page: sessions and API tokens (issue 14)
    app.register_blueprint(health.bp)  # GET /healthz, no database
    app.register_blueprint(family.bp)
    app.register_blueprint(staff.bp)
    from tracker.web import charts, staff_cohort, staff_compare, staff_devices, staff_quality
    app.register_blueprint(charts.bp)  # plotly.js from the installed package
    app.register_blueprint(staff_cohort.bp)  # an edition's cohort, households, exports
    app.register_blueprint(staff_quality.bp)  # flagged readings, dead letters
    app.register_blueprint(staff_devices.bp)  # scales: state, revoke
    app.register_blueprint(staff_compare.bp)  # editions side by side
    from tracker.web import absences, staff_coverage
    app.register_blueprint(absences.bp)  # families: the dates they are away
    app.register_blueprint(staff_coverage.bp)  # staff: absences and accepted months
    from tracker.web.life import register as register_life  # challenge-life pages (issue 6)
    register_life(app)
    from tracker.web import staff_talk, talk
    app.register_blueprint(talk.bp)  # families: questions and answers, comments under news
    app.register_blueprint(staff_talk.bp)  # staff: moderation of the discussions
    api.init_app(app)
    api_v1.register(api)
    # After the API: flask-smorest registers its own HTTPException handler, ours wraps both.
    errors.init_app(app)

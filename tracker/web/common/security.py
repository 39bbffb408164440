"""Security headers on every answer (no asset is ever fetched from another site), and input
the database cannot store (a forged id or page, a NUL character) answered 400, never a crash."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

#: The Content-Security-Policy of every answer.
#: - script-src 'self' only: no inline script, no inline handler (onclick=...), no javascript:
#:   URL, no eval. Page behaviours are static files under tracker/static (data-* attributes
#:   carry their settings), a chart's figure is a JSON data block drawn by static/js/charts.js,
#:   and plotly.js is its strict build that needs no `new Function` (tracker/web/common/charts.py).
#:   tests/security/test_csp.py scans every template; tests/browser/test_csp.py watches a real
#:   browser for violations.
#: - style-src keeps 'unsafe-inline': plotly.js 3 adds its rules (mode bar, hover labels) to
#:   <style> elements it creates, and sizes a chart's <div> with a style attribute. With
#:   `style-src 'self'` chromium refuses both (measured: style-src-elem and style-src-attr
#:   violations on every chart page) and the tool bar loses its styling; plotly's static
#:   plotly.css that would replace them is not shipped since 3.0 (plotly/plotly.js#7543).
#:   Styles cannot run code, and the page's own CSS is in static files.
#: - object-src 'none': no plugin content anywhere.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


#: The largest id an INTEGER column holds on every back-end (PostgreSQL's is 32-bit).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to what the database holds: a larger number is a 404, not a crash."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def _unstorable(exc: Exception):
    """What the database cannot store (a forged `?page=` of 2**63, a NUL character): a 400."""
    if isinstance(exc, DataError) and not (
            type(exc.orig).__name__ == "NumericValueOutOfRange" or "NUL (0x00)" in str(exc)):
        raise exc  # another data error is a bug to see, not the visitor's fault
    if g.get("db") is not None:  # the error page may read the database again
        g.db.rollback()
    return current_app.handle_user_exception(
        BadRequest("The request holds a number or a character that cannot be stored."))


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    app.register_error_handler(OverflowError, _unstorable)  # SQLite: integer too large
    app.register_error_handler(DataError, _unstorable)  # PostgreSQL: out of range, NUL

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

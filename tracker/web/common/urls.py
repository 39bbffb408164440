"""Where links and redirects may point: the site's own address, and paths of this site only.

- Every absolute link (sign-in and invitation mails, reminders, calendar feeds, the addresses a
  page shows) is built on the configured site address (`ZW_PUBLIC_URL`), never on the request's
  `Host:` header: the client chooses that header, and a forged one would otherwise put a link to
  another site, carrying a sign-in token, in a mail sent to someone else.
- A request whose `Host:` is not one of the site's names (`Config.host_names`) is answered 400
  before the app sees it (`HostGuard`); Flask's TRUSTED_HOSTS holds the same list.
- A redirect to a target the visitor gave (`?next=`, a form's `next`) goes through
  `safe_target`, which keeps only a path of this site.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.urls import iri_to_uri
from werkzeug.wsgi import get_host

from tracker.adapters.site import public_host, public_url_for  # noqa: F401  (one rule)

#: A redirect target longer than this is not one of our paths.
MAX_TARGET = 2000
#: Percent-decoding rounds checked: `%252F` is `%2F` after one, `/` after two.
DECODE_ROUNDS = 3

UNKNOWN_HOST = ("400 : ce site ne répond pas à cette adresse.\n"
                "400: this site does not answer to this host name.\n").encode()


def safe_target(target: str | None) -> str | None:
    """`target` when it is a path of this site (a redirect may go there), else None.

    Browsers forgive a lot: they drop tabs and newlines inside a URL (`/%09/evil` becomes
    `//evil`, another site), read a backslash as a slash, and some proxies decode `%2F`. So a
    target is refused when, as given or after percent-decoding, it holds a control, format or
    space character or a backslash, does not start with a single `/`, or has `.`/`..` segments.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET:
        return None
    text = target
    for _round in range(DECODE_ROUNDS + 1):
        if not _plain_path(text):
            return None
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    else:
        return None  # still encoded after several rounds: not something we wrote
    return iri_to_uri(target)


def _plain_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return False
    if any(unicodedata.category(ch)[0] in "CZ" for ch in text):  # controls, format, spaces
        return False
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return False
    return not any(segment in (".", "..") for segment in parts.path.split("/"))


class HostGuard:
    """WSGI middleware: a request for a host name that is not the site's gets a plain 400.

    It runs before Flask (no session, database or template is touched for such a request), and
    inside ProxyFix, so that behind nginx the name checked is the one the browser asked for."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        if "HTTP_HOST" in environ:  # host names are case-insensitive; the check is not
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        try:
            get_host(environ, self.app.config["TRUSTED_HOSTS"])
        except SecurityError:
            start_response("400 Bad Request", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(UNKNOWN_HOST))), ("Cache-Control", "no-store")])
            return [UNKNOWN_HOST]
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """The site's host names as TRUSTED_HOSTS, the guard, and `public_url_for` in templates."""
    app.config["TRUSTED_HOSTS"] = app.config["ZW"].host_names
    app.wsgi_app = HostGuard(app.wsgi_app, app)
    app.add_template_global(public_url_for)

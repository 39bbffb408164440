"""Helpers of the challenge-life tests."""
from __future__ import annotations

import html
import re

from tests.conftest import _csrf_from


def csrf(client, path: str) -> str:
    """The CSRF token of a page the client can see."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return _csrf_from(page.get_data(as_text=True))


def post(client, path: str, data: dict | None = None, token_from: str | None = None, **kw):
    """POST a form with the CSRF token of `token_from` (default: the same path).

    Buffered, as a server sends it: the answer is read to its end and closed, so the work a view
    leaves for after the answer (mailer.after_response: sign-in links, invitations) is done."""
    data = dict(data or {})
    data["csrf_token"] = csrf(client, token_from or path)
    kw.setdefault("buffered", True)
    return client.post(path, data=data, **kw)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def visible(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())

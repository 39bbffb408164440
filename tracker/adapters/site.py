"""The site's own address (ZW_PUBLIC_URL): every absolute link, in a page, a mail or a
calendar, is built here, never from the request's `Host:` header. The web layer re-exports
these (tracker.web.common.urls); the mail sender uses them outside any request."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request


def public_url_for(endpoint: str, **values) -> str:
    """An absolute link to `endpoint` on the site's address (ZW_PUBLIC_URL), in or out of a request."""
    if endpoint.startswith(".") and has_request_context() and request.blueprint:
        endpoint = request.blueprint + endpoint
    site = urlsplit(current_app.config["ZW"].site_url)
    adapter = current_app.url_map.bind(site.netloc, script_name=site.path or "/",
                                       url_scheme=site.scheme)
    return adapter.build(endpoint, values, force_external=True)


def public_host() -> str:
    """The site's host name (and port), e.g. for the UIDs of calendar events."""
    return urlsplit(current_app.config["ZW"].site_url).netloc

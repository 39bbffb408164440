"""The installable weigh-in page: web app manifest, service worker (served from the site's root
so that it controls /pesee), and the API input that carries the offline queue's entry UUID."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, send_from_directory
from marshmallow import fields

from tracker.schemas import WeighInInputSchema

bp = Blueprint("public_pwa", __name__)


def _pwa_dir() -> Path:
    return Path(current_app.static_folder) / "pwa"


class WeighInCreateSchema(WeighInInputSchema):
    """A new weigh-in; `client_uuid` makes a resent entry of the offline queue count once."""

    client_uuid = fields.UUID(load_default=None, metadata={
        "description": "an id chosen by the client for this entry (UUID); sending the same "
                       "entry again returns the stored weigh-in (200) instead of adding one"})


@bp.route("/sw.js")
def service_worker():
    """The service worker, at the root so its scope covers every page (no caching of itself)."""
    response = send_from_directory(_pwa_dir(), "sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    return send_from_directory(_pwa_dir(), "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=3600)

"""`GET /healthz`: the process answers (for the load balancer, systemd checks and the web bench).

No database, no session, no template: a trivial request, so that what it costs is the server's
own overhead.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public_health", __name__)


@bp.route("/healthz")
def healthz():
    """200 "ok" while the process serves requests."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}

"""Staff scales page: every paired scale with its state, and revocation.

Last seen, battery and online/offline come from the database, where the ingest writes them:
`online` from the retained ``zw/scales/<id>/status`` topic (the scale's last will says
``offline``), `last_seen` and `battery_pct` from each stored reading (and a live status).

Revoking writes the database first, then tells the broker (dynamic security
``disableClient``). The database is what the ingest checks, so from that commit on every
reading of the scale goes to the dead letters, whatever the broker does. If the broker cannot
be reached, the page says so in plain words: the scale stays revoked here, and the button
"send to the broker again" retries (revoking is idempotent on both sides). Nothing
re-synchronises revoked scales into the broker by itself.
"""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import services
from tracker.extensions import db
from tracker.services import audit, devices as device_service
from tracker.web.auth import staff_required
from tracker.web.staff_cohort import LABELS

log = logging.getLogger(__name__)

bp = Blueprint("staff_devices", __name__, url_prefix="/equipe/balances")

#: Seconds the page waits for the broker before telling staff it is unreachable.
BROKER_TIMEOUT = 3.0


@bp.route("/")
@staff_required
def index():
    """Scales by household, with their bin, firmware, last seen, battery and state."""
    slug = request.args.get("defi")
    edition = services.get_edition(db(), slug) if slug else None
    devices = device_service.list_devices(db(), edition_id=edition.id if edition else None)
    return render_template("staff/devices.html", devices=devices, edition=edition,
                           zone=ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE",
                                                                "Europe/Paris")), **LABELS)


def revoke_at_broker(device_id: str) -> str | None:
    """Disable the scale's broker login; the error text when the broker did not do it."""
    from ingest.dynsec import DynsecClient, DynsecError  # paho: only when revoking

    try:
        with DynsecClient.from_config(current_app.config["ZW"],
                                      timeout=BROKER_TIMEOUT) as admin:
            admin.revoke_scale(device_id)
    except (DynsecError, OSError) as exc:
        log.warning("broker did not revoke scale %s: %s", device_id, exc)
        return str(exc)
    return None


def remove_at_broker(device_ids: list[str]) -> str | None:
    """Delete erased scales' broker logins; the error text when the broker did not do it."""
    if not device_ids:
        return None
    from ingest.dynsec import DynsecClient, DynsecError

    try:
        with DynsecClient.from_config(current_app.config["ZW"],
                                      timeout=BROKER_TIMEOUT) as admin:
            for device_id in device_ids:
                admin.remove_scale(device_id)
    except (DynsecError, OSError) as exc:
        log.warning("broker did not remove the erased scales %s: %s", device_ids, exc)
        return str(exc)
    return None


@bp.route("/<device_id>/revoquer", methods=["POST"])
@staff_required
def revoke(device_id: str):
    """Revoke a scale: refused by the ingest at once, then disabled at the broker."""
    device = device_service.revoke_device(db(), device_id)
    audit.record(db(), current_user, "device.revoke", household_id=device.household_id,
                 device=device.id)
    db().commit()
    problem = revoke_at_broker(device_id)
    if problem is None:
        flash(_("Scale %(id)s revoked: the broker refuses its connections and its readings "
                "are not counted.", id=device_id), "success")
    else:
        flash(_("Scale %(id)s is revoked in the tracker: its readings go to the dead letters "
                "and never count. But the broker could not be reached, so the scale may "
                "still connect to it. Press “Send to the broker again” once the broker is "
                "running.", id=device_id), "warning")
    return redirect(url_for(".index", **({"defi": request.args["defi"]}
                                         if request.args.get("defi") else {})))

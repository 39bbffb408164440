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

Pairing does what `zw devices add` does: the scale is registered with the broker before the
database commit, so a broker that is away leaves no half-paired scale (only the secret's hash is
kept here, so nothing could register it later); the page says so and the form stays filled.
The secret appears once, in the answer to the POST (``Cache-Control: no-store``), never in the
audit log, a flash message, the session or the logs. Each form carries a one-time token kept
in the session: a reload that posts the form again pairs nothing and shows no secret.
"""
from __future__ import annotations

import logging
import secrets
from zoneinfo import ZoneInfo

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tracker import services
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.models import Edition, Household
from tracker.services import audit
from tracker.services import devices as device_service
from tracker.services.scale_settings import ScaleSettings, blocks, qr_text
from tracker.web.common.auth import staff_required
from tracker.web.common.forms import Raw, WholeNumber, typed
from tracker.web.staff.cohort import LABELS

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
                           firmware_labels=FIRMWARE_LABELS,
                           zone=ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE",
                                                                "Europe/Paris")), **LABELS)


#: The firmwares as staff know them (the pairing form, the list).
FIRMWARE_LABELS = {"canonical": _l("Tracker format (canonical)"), "tasmota": "Tasmota (HX711)",
                   "esphome": "ESPHome (HX711)",
                   "theengs": _l("Theengs / OpenMQTTGateway (Bluetooth scale)")}

#: Session key of the one-time tokens of the pairing forms shown (a few tabs at once).
PAIR_TOKENS = "pair_tokens"
MAX_PAIR_TOKENS = 5


def _households():
    """Households of every edition, newest edition first, by name (the form's choices)."""
    return list(db().scalars(select(Household).join(Household.edition)
                             .order_by(Edition.start_date.desc(), Edition.id, Household.name)))


def _new_pair_token() -> str:
    token = secrets.token_urlsafe(16)
    session[PAIR_TOKENS] = (session.get(PAIR_TOKENS, []) + [token])[-MAX_PAIR_TOKENS:]
    return token


def _use_pair_token(token: str) -> bool:
    """True once for each token a form was given; False on a repeated post (a reload)."""
    tokens = session.get(PAIR_TOKENS, [])
    if not token or token not in tokens:
        return False
    session[PAIR_TOKENS] = [t for t in tokens if t != token]
    return True


class PairForm(FlaskForm):
    """A scale to pair (the service checks the bin and firmware); `token` refuses a reload."""

    token = Raw()
    household = WholeNumber()
    stream = Raw()
    firmware = Raw()
    label = Raw(limit=200)


def _form(status: int = 200, error: str | None = None, form: PairForm | None = None):
    return render_template("staff/device_pair.html", households=_households(),
                           firmwares=device_service.FIRMWARES, firmware_labels=FIRMWARE_LABELS,
                           token=_new_pair_token(),
                           form=typed(form) if form else {}, error=error, **LABELS), status


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/appairer")
@staff_required
def pair_form():
    """The pairing form: household, bin, firmware, a note."""
    return _no_store(make_response(_form()))


def register_at_broker(device_id: str, secret: str) -> str | None:
    """Create the scale's broker login; the error text when the broker did not do it."""
    from tracker.adapters.dynsec import DynsecClient, DynsecError

    try:
        with DynsecClient.from_config(current_app.config["ZW"],
                                      timeout=BROKER_TIMEOUT) as admin:
            admin.add_scale(device_id, secret)
    except (DynsecError, OSError) as exc:
        log.warning("broker did not register scale %s: %s", device_id, exc)
        return str(exc)
    return None


def _qr_data_uri(text: str) -> str:
    import segno  # only on this page

    # svg_data_uri keeps the xmlns that an <img> needs (svg_inline drops it).
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


@bp.route("/appairer", methods=["POST"])
@staff_required
def pair():
    """Pair a scale, register it with the broker, show its secret and settings once."""
    form = PairForm()
    if not _use_pair_token(form.token.data):
        flash(_("This form was already sent: the scale is paired and its secret is not shown "
                "again. If it was lost, revoke the scale and pair a new one."), "warning")
        return redirect(url_for(".index"))
    home = db().get(Household, form.household.data or 0)
    if home is None:
        return _no_store(make_response(_form(400, _("Choose a household."), form)))
    try:
        device, secret = device_service.provision_device(
            db(), home, stream=form.stream.data, firmware=form.firmware.data,
            label=form.label.data)
    except DomainError as exc:
        db().rollback()
        return _no_store(make_response(_form(400, str(exc.message), form)))
    problem = register_at_broker(device.id, secret)
    if problem is not None:
        db().rollback()
        cfg = current_app.config["ZW"]
        return _no_store(make_response(_form(503, _(
            "The broker could not be reached at %(host)s:%(port)s, so the scale was not paired "
            "(nothing was saved). Start the broker (zw run, or the mosquitto service), then "
            "send the form again.", host=cfg.mqtt_host, port=cfg.mqtt_port), form)))
    audit.record(db(), current_user, "device.pair", edition_id=home.edition_id,
                 household_id=home.id, device=device.id, stream=device.stream,
                 firmware=device.firmware)
    db().commit()
    host, port = current_app.config["ZW"].scale_broker
    settings = ScaleSettings(device_id=device.id, secret=secret, stream=device.stream,
                             firmware=device.firmware, host=host, port=port,
                             tls=current_app.config["ZW"].mqtt_tls)
    return _no_store(make_response(render_template(
        "staff/device_paired.html", device=device, settings=settings, texts=blocks(settings),
        qr=_qr_data_uri(qr_text(settings)), **LABELS)))


def revoke_at_broker(device_id: str) -> str | None:
    """Disable the scale's broker login; the error text when the broker did not do it."""
    from tracker.adapters.dynsec import DynsecClient, DynsecError  # paho: only when revoking

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
    from tracker.adapters.dynsec import DynsecClient, DynsecError

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
        flash(_("Scale %(id)s revoked: the scales' server refuses its connections and its "
                "weigh-ins do not count.", id=device_id), "success")
    else:
        flash(_("Scale %(id)s is revoked in the tracker: its weigh-ins are refused and never "
                "count. But the scales' server could not be reached, so the scale may still "
                "connect to it. Press “Send to the scales' server again” once the server is "
                "running.", id=device_id), "warning")
    return redirect(url_for(".index", **({"defi": request.args["defi"]}
                                         if request.args.get("defi") else {})))

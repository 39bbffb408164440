"""`zw devices`: pair, list, revoke scales; bring the broker in line with revocations."""
from __future__ import annotations
import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tracker import services
from tracker.services import audit
from tracker.domain import STREAMS, DomainError, Stream
from tracker.terminal import echo, safe, safe_json, secho
from tracker.services import devices as device_service

from tracker.cli.common import app_db, app_config, fail, iso


@click.group("devices")
def devices_group():
    """Smart scales: pair, list, revoke."""


@devices_group.command("add")
@click.option("--household", required=True, help="household name")
@click.option("--challenge", required=True, help="edition slug")
@click.option("--stream", default=Stream.RESIDUAL.value, show_default=True,
              type=click.Choice(STREAMS))
@click.option("--firmware", default="canonical", show_default=True,
              type=click.Choice(device_service.FIRMWARES))
@click.option("--label", default="", help="a note for staff (where the scale is)")
@with_appcontext
def devices_add(household, challenge, stream, firmware, label):
    """Pair a scale with a household and register it with the running broker."""
    from tracker.adapters.dynsec import DynsecClient, DynsecError

    cfg = app_config()
    try:
        with app_db().session() as s:
            edition = services.get_edition(s, challenge)
            home = services.get_household(s, edition, household)
            device, secret = device_service.provision_device(s, home, stream=stream,
                                                             firmware=firmware, label=label)
            # Registered with the broker before the commit: if the broker refuses, no
            # half-paired scale is left in the database.
            with DynsecClient.from_config(cfg) as admin:
                admin.add_scale(device.id, secret)
            audit.record_command(s, "device.pair", edition_id=edition.id,
                                 household_id=home.id, device=device.id, stream=stream,
                                 firmware=firmware)
            device_id = device.id
    except DomainError as exc:
        fail(str(exc.message))
    except DynsecError as exc:
        fail(_("The broker did not register the scale (%(error)s); nothing was saved. Is "
                "the broker running on %(host)s:%(port)s?", error=exc, host=cfg.mqtt_host,
                port=cfg.mqtt_port))
    echo(_("Scale paired with %(household)s (%(challenge)s), bin %(stream)s, firmware "
           "%(firmware)s.", household=household, challenge=challenge, stream=stream,
           firmware=firmware))
    echo(f"device id: {device_id}")
    echo(f"secret:    {secret}")
    echo(_("MQTT: %(host)s:%(port)s, username %(device)s, topic %(topic)s",
           host=cfg.mqtt_host, port=cfg.mqtt_port, device=device_id,
           topic=f"zw/scales/{device_id}/weighin"))
    secho(_("The secret is shown only this once: configure the scale now."),
          fg="yellow", err=True)


@devices_group.command("list")
@click.option("--challenge", default=None, help="only this edition's scales")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@with_appcontext
def devices_list(challenge, fmt):
    """Scales with their household, last seen, battery and online state."""
    try:
        with app_db().session() as s:
            edition_id = services.get_edition(s, challenge).id if challenge else None
            rows = [{"id": d.id, "household": d.household.name, "stream": d.stream,
                     "firmware": d.firmware, "label": d.label,
                     "online": d.online, "last_seen": iso(d.last_seen),
                     "battery_pct": d.battery_pct, "revoked_at": iso(d.revoked_at)}
                    for d in device_service.list_devices(s, edition_id=edition_id)]
    except DomainError as exc:
        fail(str(exc.message))
    if fmt == "json":
        echo(safe_json(rows, indent=2))
        return
    if not rows:
        echo(_("No scales."))
    for r in rows:
        state = (_("revoked %(date)s", date=r["revoked_at"]) if r["revoked_at"] else
                 {True: _("online"), False: _("offline"),
                  None: _("never connected")}[r["online"]])
        battery = ("" if r["battery_pct"] is None
                   else " " + _("battery %(pct)s %%", pct=r["battery_pct"]))
        seen = _("last seen %(date)s", date=r["last_seen"] or _("never"))
        echo(f"{safe(r['id'])}  {safe(r['household'])}  {safe(r['stream'])}/"
             f"{safe(r['firmware'])}  {state}  {seen}{battery}")


@devices_group.command("revoke")
@click.argument("device_id")
@with_appcontext
def devices_revoke(device_id):
    """Revoke a scale: its readings are refused and the broker refuses its next connection."""
    from tracker.adapters.dynsec import DynsecClient, DynsecError

    cfg = app_config()
    try:
        with app_db().session() as s:
            device = device_service.revoke_device(s, device_id)
            audit.record_command(s, "device.revoke", household_id=device.household_id,
                                 device=device.id)
    except DomainError as exc:
        fail(str(exc.message))
    try:  # the database first: even if the broker is away, its readings are refused now
        with DynsecClient.from_config(cfg) as admin:
            admin.revoke_scale(device_id)
    except DynsecError as exc:
        fail(_("Revoked in the database, but the broker did not disable %(device)s "
                "(%(error)s); run this command again once the broker is running.",
                device=device_id, error=exc))
    echo(_("Scale %(device)s revoked: the broker refuses its connections and its "
           "readings go to the dead letters.", device=device_id))


@devices_group.command("sync")
@with_appcontext
def devices_sync():
    """Disable in the broker every scale revoked in the database (after a revocation made
    while the broker was away), and tie scales paired by an older version to their client
    id; `zw run` does it at every start."""
    from tracker.adapters.dynsec import DynsecError

    try:
        disabled = sync_revoked_scales(app_config(), app_db())
    except DynsecError as exc:
        fail(_("The broker could not be reached or refused (%(error)s); nothing changed.",
                error=exc))
    if disabled:
        echo(_("%(count)s revoked scale(s) refused by the broker from now on: "
               "%(devices)s", count=len(disabled), devices=", ".join(disabled)))
    else:
        echo(_("No revoked scale left to disable in the broker."))


def sync_revoked_scales(cfg, database) -> list[str]:
    """Disable in the running broker the scales revoked in the database; the ones disabled.
    Scales registered by an older version are also tied to their client id on the way
    (DynsecClient.pin_scales)."""
    from tracker.adapters.dynsec import DynsecClient

    with database.session() as s:
        revoked = device_service.revoked_device_ids(s)
        paired = [d.id for d in device_service.list_devices(s)]
    if not paired:
        return []
    with DynsecClient.from_config(cfg) as admin:
        admin.pin_scales(paired)
        return admin.disable_scales(revoked) if revoked else []

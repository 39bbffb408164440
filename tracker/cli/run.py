"""`zw run`: everything a newcomer needs on one machine, started in order and stopped together.

The web app serves in this process; the broker (mosquitto from the project's mosquitto.conf),
the ingest (`zw ingest`) and, on the demo edition, one simulated scale (`zw simulate`) run as
child processes whose logs go to <instance>/logs/.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.config import WILDCARD_HOSTS, Config
from tracker.migrate import needs_upgrade, upgrade
from tracker.private_files import UMASK, open_private, private_dir
from tracker.terminal import echo, secho
from tracker.models import Device, Edition

log = logging.getLogger(__name__)

#: Readings per second of the demo scale: one every 4 minutes, a few days of a family's bins
#: compressed into an hour. Fast enough to see one arrive, and half the ingest's default hourly
#: limit (ZW_INGEST_MAX_READINGS_PER_HOUR, 30): a faster demo would fill the data-quality page
#: with readings flagged for the limit and show newcomers a scale that looks broken.
DEMO_SCALE_RATE = 1 / 240


def prepare_database(app: Flask, demo: bool = True) -> dict | None:
    """Migrate a new or old database; seed the demo edition when there is no edition at all."""
    database = app.extensions["zw_db"]
    if needs_upgrade(database.url):
        echo(_("Applying database migrations..."))
        upgrade(database.url)
    if not demo:
        return None
    with database.session() as s:
        if s.scalar(select(func.count(Edition.id))):
            return None
        from tracker.demo import seed_demo

        echo(_("New database: adding the demo edition..."))
        return seed_demo(s)


def child_env(cfg: Config) -> dict:
    """The environment of a child `zw` process: the same installation as this one."""
    env = dict(os.environ)
    env.update(ZW_INSTANCE_PATH=str(Path(cfg.instance_path).resolve()),
               ZW_DATABASE_URL=cfg.database_url, ZW_MQTT_HOST=cfg.mqtt_host,
               ZW_MQTT_PORT=str(cfg.mqtt_port), PYTHONUNBUFFERED="1")
    return env


class Children:
    """Child processes started in order and stopped in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = private_dir(log_dir)
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log_file = open_private(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "tracker.entry", *args], env=env,
                                stdout=log_file, stderr=subprocess.STDOUT, umask=UMASK)
        log_file.close()
        self.procs.append((name, proc))
        return proc

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop in 15 s: killed", name)
                    proc.kill()
        self.procs.clear()


def demo_scale(app: Flask, cfg: Config) -> Path | None:
    """Pair one demo scale with the demo scale's own household (once); its credentials file.

    A real scale's secret is shown once and only its hash kept; the demo scale's secret is also
    kept in <instance>/demo-scale.json (mode 600) so the simulator can reconnect on every run,
    with the scale's paired bin, which the simulator weighs. The scale never weighs for the
    family one signs in as: a scale paired there by an older version is revoked and a new one
    paired with the scale's household (created in a demo edition that predates it).
    """
    from tracker.adapters.dynsec import DynsecClient
    from tracker import services
    from tracker.demo import DEMO_SCALE_HOUSEHOLD, DEMO_SLUG
    from tracker.domain import DomainError
    from tracker.services.devices import provision_device, revoke_device

    path = Path(cfg.instance_path) / "demo-scale.json"
    database = app.extensions["zw_db"]
    name, persons, commune = DEMO_SCALE_HOUSEHOLD
    with database.session() as s:
        try:
            edition = services.get_edition(s, DEMO_SLUG)
        except DomainError:
            return None  # no demo edition: no demo scale
        try:
            household = services.get_household(s, edition, name)
        except DomainError:
            household = services.create_household(s, edition, name=name, persons=persons,
                                                  commune=commune)
        if path.exists():
            known = json.loads(path.read_text())
            device = s.get(Device, next(iter(known), ""))
            if device is not None and device.revoked_at is None:
                if device.household_id == household.id:
                    return path
                revoke_device(s, device.id)  # it weighed for a family: not any more
        device, secret = provision_device(s, household, label="balance de démonstration")
        with DynsecClient.from_config(cfg) as admin:
            admin.add_scale(device.id, secret)
        with open_private(path, "w") as fh:
            json.dump({device.id: {"username": device.id, "password": secret,
                                   "stream": device.stream}}, fh)
    return path


def _sync_revoked(app: Flask, cfg: Config) -> None:
    """Scales revoked while the broker was down are refused from this start on."""
    from tracker.adapters.dynsec import DynsecError
    from tracker.cli.devices import sync_revoked_scales

    try:
        disabled = sync_revoked_scales(cfg, app.extensions["zw_db"])
    except DynsecError as exc:
        secho("  " + _("revoked scales not checked in the broker: %(error)s", error=exc),
                    fg="yellow")
        return
    if disabled:
        echo("  " + _("%(count)s revoked scale(s) refused by the broker from now on: "
                            "%(devices)s", count=len(disabled), devices=", ".join(disabled)))


def demo_scale_line(rate: float) -> str:
    """The banner's line on the demo scale: whose bins it weighs and how often, in words."""
    from tracker.demo import DEMO_SCALE_HOUSEHOLD

    seconds = 1 / rate
    if seconds >= 120:
        every = _("%(minutes)s min", minutes=f"{seconds / 60:.0f}")
    else:
        every = _("%(seconds)s s", seconds=f"{seconds:.0f}")
    return _("the demo scale publishes a weigh-in every %(every)s for its own household "
             "(%(household)s), not for the family sign-in", household=DEMO_SCALE_HOUSEHOLD[0],
             every=every)


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


def run_stack(app: Flask, host: str | None = None, port: int | None = None,
              demo: bool = True, mqtt: bool = True,
              demo_rate: float = DEMO_SCALE_RATE) -> None:
    """Prepare the database, start broker, ingest and demo scale, serve the web app until Ctrl-C."""
    from werkzeug.serving import run_simple

    cfg: Config = app.config["ZW"]
    # SIGTERM (systemd, `timeout`, a closed terminal) stops the children as Ctrl-C does.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    host = host or cfg.web_host
    port = port or cfg.web_port
    if not cfg.public_url and (host, port) != (cfg.web_host, cfg.web_port):
        # links in mails and the host names answered follow where this run serves
        cfg = replace(cfg, web_host=host, web_port=port)
        app.config.update(ZW=cfg, TRUSTED_HOSTS=cfg.host_names)
    seeded = prepare_database(app, demo)
    children = Children(Path(cfg.instance_path) / "logs")
    broker = None
    from tracker.adapters.mailer import start_worker

    sender = start_worker(app)  # requests only queue mail; this thread sends it
    try:
        if mqtt:
            from tracker.adapters.broker import broker_from_config

            broker = broker_from_config(cfg).start()
            _sync_revoked(app, cfg)
            env = child_env(cfg)
            children.spawn("ingest", ["ingest"], env)
            creds = demo_scale(app, cfg) if demo else None
            if creds is not None:
                children.spawn("demo-scale", [
                    "simulate", "--scales", "1", "--rate", f"{demo_rate:.4f}",
                    "--host", cfg.mqtt_host, "--port", str(cfg.mqtt_port),
                    "--credentials", str(creds), "--offline-fraction", "0",
                    "--noisy-fraction", "0", "--spool-dir",
                    str(Path(cfg.instance_path) / "demo-scale-spool")], env)
        secho("\n" + _("Zero-waste tracker on %(url)s", url=f"http://{host}:{port}/"),
                    fg="green", bold=True)
        if host in WILDCARD_HOSTS and not cfg.public_url:
            echo("  " + _("It answers only to %(names)s: to open it from another device, "
                                "set ZW_PUBLIC_URL (or ZW_TRUSTED_HOSTS) to the address it "
                                "uses.", names=", ".join(cfg.host_names)))
        if seeded:
            echo("  " + _("family sign-in: %(email)s / %(password)s",
                                email=seeded["family"], password=seeded["password"]))
            echo("  " + _("staff sign-in: %(email)s / %(password)s",
                                email=seeded["staff"], password=seeded["password"]))
        if broker is not None:
            echo("  " + _("MQTT broker on %(host)s:%(port)s (mosquitto.conf), ingest "
                                "running; logs in %(logs)s", host=cfg.mqtt_host,
                                port=cfg.mqtt_port, logs=children.log_dir))
            echo("  " + demo_scale_line(demo_rate))
        echo("  " + _("Ctrl-C stops everything.") + "\n")
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        sender.stop(timeout=5)
        children.stop()
        if broker is not None:
            broker.stop()


@click.command("run")
@click.option("--host", default=None, help="default: ZW_WEB_HOST (127.0.0.1)")
@click.option("--port", default=None, type=int, help="default: ZW_WEB_PORT (5000)")
@click.option("--no-demo", is_flag=True, help="no demo edition on an empty database, no demo "
              "scale")
@click.option("--no-mqtt", is_flag=True, help="web app only: no broker, ingest or demo scale")
@click.option("--demo-rate", type=float, default=None,
              help="readings per second of the demo scale (default: one every 4 minutes, "
              "under the ingest's hourly limit)")
@with_appcontext
def run_command(host, port, no_demo, no_mqtt, demo_rate):
    """The whole stack on this machine: web app, broker from mosquitto.conf, ingest, SQLite."""
    run_stack(current_app._get_current_object(), host=host, port=port, demo=not no_demo,
              mqtt=not no_mqtt, demo_rate=demo_rate or DEMO_SCALE_RATE)

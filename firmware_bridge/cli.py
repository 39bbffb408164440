"""Command line of the bridge: ``zw bridge ...`` and ``zw simulate ...``.

``tracker/entry.py`` dispatches ``zw bridge``/``zw simulate`` here without importing
Flask; ``python -m firmware_bridge`` runs the same ``main``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from typing import Sequence

from firmware_bridge import topics
from firmware_bridge.detect import REPEAT_WINDOW_S, DetectorConfig
from firmware_bridge.terminal import SafeFormatter

log = logging.getLogger("firmware_bridge")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PASSWORD_ENV = "ZW_BRIDGE_PASSWORD"
SOURCE_PASSWORD_ENV = "ZW_BRIDGE_SOURCE_PASSWORD"


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree: bridge [translate], simulate."""
    parser = argparse.ArgumentParser(prog="zw", description="Zero-waste scales: firmware "
                                     "bridge and fleet simulator.")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    bridge = commands.add_parser(
        "bridge", help="run the firmware bridge (or translate native messages)",
        description="Run the firmware bridge from an INI file (--config), or for one scale "
                    "from options (--firmware ...). 'bridge translate' converts JSON lines.")
    bridge.add_argument("--config", metavar="FILE", help="INI file, one section per scale")
    _scale_options(bridge)
    _broker_options(bridge)
    sub = bridge.add_subparsers(dest="bridge_command", metavar="translate|record")
    translate = sub.add_parser(
        "translate", help="native messages (JSON lines on stdin) -> canonical readings",
        description='Reads {"topic": ..., "payload": ...} lines on stdin (optional '
                    '"received_at"), prints {"topic": ..., "payload": {...}} lines.')
    translate.add_argument("--firmware", required=True, choices=topics.FIRMWARE_KINDS)
    translate.add_argument("--device-id", help="device id of every reading (default: "
                           "derived from each native topic)")
    translate.add_argument("--seq-start", type=int, default=topics.SEQ_MIN)
    translate.add_argument("--source-topic", help="only lines on this topic (MQTT wildcards), "
                           "as the live bridge subscribes")
    translate.add_argument("--mac", help="BLE scale MAC (theengs)")
    _calibration_options(translate)
    _detector_options(translate)

    record = sub.add_parser(
        "record", help="save what a scale publishes as JSON lines (input of translate)",
        description="Subscribes to TOPIC on the firmwares' broker and writes one "
                    '{"topic", "payload", "received_at"} line per message, until Ctrl-C or '
                    "--duration: replay it with 'zw bridge translate'.")
    record.add_argument("topic", nargs="+", metavar="TOPIC",
                        help="e.g. 'tele/cuisine/#' or 'balance-verre/#'")
    record.add_argument("--out", metavar="FILE", help="append here (default: stdout)")
    record.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    record.add_argument("--count", type=int, metavar="N", help="stop after N messages")
    record.add_argument("--tz", default=topics.DEFAULT_TIMEZONE, help="zone of received_at")
    _broker_options(record)  # --source-host ... (or --host): the firmwares' broker

    simulate = commands.add_parser(
        "simulate", help="a fleet of simulated scales publishing canonical readings",
        description="Simulated scales (own credentials, status, last will and spool each) "
                    "publishing realistic weigh-ins; prints a JSON summary at the end.")
    simulate.add_argument("--scales", type=int, required=True, metavar="N")
    simulate.add_argument("--rate", type=float, required=True, metavar="R",
                          help="weigh-ins per second, whole fleet")
    simulate.add_argument("--host", default=topics.DEFAULT_MQTT_HOST)
    simulate.add_argument("--port", type=int, default=topics.DEFAULT_MQTT_PORT)
    simulate.add_argument("--tls", action="store_true")
    simulate.add_argument("--ca-certs", metavar="FILE")
    simulate.add_argument("--duration", type=float, metavar="S",
                          help="seconds of weighing (default: until Ctrl-C)")
    simulate.add_argument("--credentials", metavar="FILE",
                          help='JSON {device_id: {"username": ..., "password": ...}}')
    simulate.add_argument("--username-prefix", default="sim-",
                          help="device ids PREFIX0001... when no credentials file")
    simulate.add_argument("--password", help="password of every simulated scale "
                          "(without --credentials; default $%s)" % PASSWORD_ENV)
    simulate.add_argument("--spool-dir", metavar="DIR", help="keep the spools here")
    simulate.add_argument("--offline-fraction", type=float, default=0.1)
    simulate.add_argument("--noisy-fraction", type=float, default=0.1)
    simulate.add_argument("--drain-timeout", type=float, default=60.0, metavar="S")
    simulate.add_argument("--seed", type=int)
    simulate.add_argument("--spool-sync", choices=("full", "normal"), default="full",
                          help="normal: faster spool for load tests (not power-cut safe)")
    simulate.add_argument("--tz", default=topics.DEFAULT_TIMEZONE)
    return parser


def _scale_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("one scale, without --config")
    group.add_argument("--firmware", choices=topics.FIRMWARE_KINDS)
    group.add_argument("--source-topic", help="native topic, e.g. tele/cuisine/SENSOR")
    group.add_argument("--device-id")
    group.add_argument("--username", help="tracker broker username (default: the device id)")
    group.add_argument("--password", help="tracker broker password (default $%s)" % PASSWORD_ENV)
    group.add_argument("--spool", metavar="FILE", help="spool file")
    group.add_argument("--mac", help="BLE scale MAC (theengs)")
    group.add_argument("--seq-start", type=int, help="first seq for a brand-new spool")
    _calibration_options(group)
    _detector_options(group)


def _calibration_options(parser) -> None:
    parser.add_argument("--stream", help="stream of every reading (default: the device's)")
    parser.add_argument("--tz", help="zone of Tasmota's local Time (default %s)"
                        % topics.DEFAULT_TIMEZONE)
    parser.add_argument("--unit", help="ESPHome: g, kg, lb or raw; theengs: default unit")
    parser.add_argument("--scale", type=float, help="ESPHome: counts per unit, "
                        "value = (raw - offset) / scale")
    parser.add_argument("--offset", type=float, help="ESPHome: raw reading of the empty scale")
    parser.add_argument("--calibration", metavar="POINTS",
                        help="ESPHome: 'MEASURED -> GRAMS, MEASURED -> GRAMS'")
    parser.add_argument("--sensor", help="the weight sensor: ESPHome object id (poids), "
                        "Tasmota sensor key (HX711, MSCALE2-a1b2c3)")


def _detector_options(parser) -> None:
    d = DetectorConfig()
    parser.add_argument("--threshold-g", type=float, default=d.threshold_g)
    parser.add_argument("--tolerance-g", type=float, default=d.tolerance_g)
    parser.add_argument("--settle-s", type=float, default=d.settle_s)
    parser.add_argument("--interval-factor", type=float, default=d.interval_factor,
                        help="a run settles after this many typical gaps between samples")
    parser.add_argument("--max-settle-s", type=float, default=d.max_settle_s)
    parser.add_argument("--repeat-window-s", type=float, default=REPEAT_WINDOW_S,
                        help="BLE: the same weighing again within this is a repeat")


def _broker_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("brokers, without --config")
    group.add_argument("--host", default=topics.DEFAULT_MQTT_HOST, help="tracker broker")
    group.add_argument("--port", type=int, default=topics.DEFAULT_MQTT_PORT)
    group.add_argument("--tls", action="store_true")
    group.add_argument("--ca-certs", metavar="FILE")
    group.add_argument("--source-host", help="firmware broker (default: --host)")
    group.add_argument("--source-port", type=int)
    group.add_argument("--source-username")
    group.add_argument("--source-password", help="default $%s" % SOURCE_PASSWORD_ENV)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``zw bridge`` / ``zw simulate`` / ``python -m firmware_bridge``."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    _setup_logging(args.verbose)
    if args.command == "simulate":
        return _simulate(args)
    if args.bridge_command == "translate":
        return _translate(args)
    if args.bridge_command == "record":
        return _record(args)
    return _bridge(args, parser)


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("firmware_bridge").setLevel(min(level, logging.INFO)
                                                  if verbose else logging.WARNING)


def _detector(args: argparse.Namespace) -> DetectorConfig:
    return DetectorConfig(threshold_g=args.threshold_g, tolerance_g=args.tolerance_g,
                          settle_s=args.settle_s, interval_factor=args.interval_factor,
                          max_settle_s=args.max_settle_s)


def _translate(args: argparse.Namespace) -> int:
    from firmware_bridge.adapters import calibration_from, make_adapter
    from firmware_bridge.translate import Translator

    tz = args.tz or topics.DEFAULT_TIMEZONE
    try:
        calibration = calibration_from(args.scale, args.offset, args.calibration)
        options = dict(tz=tz, unit=args.unit, calibration=calibration, mac=args.mac,
                       sensor=args.sensor)
        make_adapter(args.firmware, **options)  # check
        translator = Translator(
            make_adapter=lambda: make_adapter(args.firmware, **options),
            device_id=args.device_id, stream=args.stream, tz=tz, detector=_detector(args),
            repeat_window_s=args.repeat_window_s, source_topic=args.source_topic,
            seq_start=args.seq_start)
    except ValueError as exc:
        print("zw bridge translate: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    bad = translator.run(sys.stdin, sys.stdout, sys.stderr)
    if bad:
        print("zw bridge translate: %d bad line(s) skipped" % bad, file=sys.stderr)
    return EXIT_FAILED if bad else EXIT_OK


def _record(args: argparse.Namespace) -> int:
    from firmware_bridge.record import Recorder

    try:
        broker = _source_broker(args)
        out = open(args.out, "a", encoding="utf-8") if args.out else sys.stdout
    except OSError as exc:
        print("zw bridge record: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        recorder = Recorder(broker, args.topic, out, tz=args.tz, count=args.count)
        return recorder.run(stop, args.duration)
    finally:
        if out is not sys.stdout:
            out.close()


def _source_broker(args: argparse.Namespace):
    from firmware_bridge.config import BrokerSettings

    return BrokerSettings(
        host=args.source_host or args.host, port=args.source_port or args.port,
        username=args.source_username,
        password=args.source_password or os.environ.get(SOURCE_PASSWORD_ENV),
        tls=args.tls if not args.source_host else False, ca_certs=args.ca_certs)


def _bridge(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from firmware_bridge.bridge import Bridge
    from firmware_bridge.config import ConfigError

    try:
        config = _config_from_args(args)
    except ConfigError as exc:
        print("zw bridge: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    if config is None:
        parser.parse_args(["bridge", "--help"])  # prints the help
        return EXIT_USAGE
    stop = threading.Event()
    _stop_on_signals(stop)
    log.info("bridge: %d scale(s), tracker broker %s:%d", len(config.scales),
             config.tracker.host, config.tracker.port)
    return Bridge(config).run(stop)


def _config_from_args(args: argparse.Namespace):
    from firmware_bridge.config import (BridgeConfig, BrokerSettings, ConfigError, load_config,
                                        scale_from, section_from_mapping)

    if args.config:
        if args.firmware:
            raise ConfigError("use either --config or --firmware, not both")
        return load_config(args.config)
    if not args.firmware:
        return None
    values = {
        "firmware": args.firmware, "source_topic": args.source_topic,
        "device_id": args.device_id, "username": args.username,
        "password": args.password or os.environ.get(PASSWORD_ENV), "stream": args.stream,
        "spool": args.spool or "zw-bridge-%s.sqlite3" % (args.device_id or "scale"),
        "unit": args.unit, "scale": args.scale, "offset": args.offset,
        "calibration": args.calibration, "mac": args.mac, "seq_start": args.seq_start,
        "threshold_g": args.threshold_g, "tolerance_g": args.tolerance_g,
        "settle_s": args.settle_s, "interval_factor": args.interval_factor,
        "max_settle_s": args.max_settle_s, "repeat_window_s": args.repeat_window_s,
        "sensor": args.sensor,
    }
    scale = scale_from(section_from_mapping("command line", values))
    tracker = BrokerSettings(host=args.host, port=args.port, tls=args.tls,
                             ca_certs=args.ca_certs)
    source = BrokerSettings(
        host=args.source_host or args.host, port=args.source_port or args.port,
        username=args.source_username,
        password=args.source_password or os.environ.get(SOURCE_PASSWORD_ENV),
        tls=args.tls if not args.source_host else False, ca_certs=args.ca_certs)
    tz = args.tz or topics.DEFAULT_TIMEZONE
    return BridgeConfig(source=source, tracker=tracker, scales=(scale,), timezone=tz)


def _simulate(args: argparse.Namespace) -> int:
    from firmware_bridge.config import BrokerSettings
    from firmware_bridge.simulate import Fleet, FleetOptions, load_credentials

    if args.scales < 1 or args.rate < 0:
        print("zw simulate: --scales must be >= 1 and --rate >= 0", file=sys.stderr)
        return EXIT_USAGE
    try:
        credentials = load_credentials(args.credentials) if args.credentials else {}
        options = FleetOptions(
            scales=args.scales, rate=args.rate,
            broker=BrokerSettings(host=args.host, port=args.port, tls=args.tls,
                                  ca_certs=args.ca_certs),
            duration=args.duration, credentials=credentials,
            username_prefix=args.username_prefix,
            password=args.password or os.environ.get(PASSWORD_ENV),
            spool_dir=args.spool_dir, offline_fraction=args.offline_fraction,
            noisy_fraction=args.noisy_fraction, drain_timeout=args.drain_timeout,
            seed=args.seed, timezone=args.tz, spool_sync=args.spool_sync.upper())
        fleet = Fleet(options)
    except (OSError, ValueError) as exc:
        print("zw simulate: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()
    _stop_on_signals(stop)
    summary = fleet.run(stop)
    print(json.dumps(summary))
    return EXIT_OK if summary["drained"] and not summary["refused"] else EXIT_FAILED


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

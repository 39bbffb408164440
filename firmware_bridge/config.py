"""The bridge's configuration: an INI file (configparser), one section per scale.

::

    [broker]
    source_host = localhost          ; where the firmwares publish
    tracker_host = tracker.example   ; where the tracker's ingest listens (default: source)
    timezone = Europe/Paris
    spool = /var/lib/zw-bridge/spool.sqlite3

    [cuisine]                        ; any other section is a scale
    firmware = tasmota
    source_topic = tele/cuisine/SENSOR
    device_id = 7f3c9a
    password = secret-printed-by-zw-devices-add
    stream = residual

See docs/firmware.md for every key.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from firmware_bridge import topics
from firmware_bridge.adapters import LinearCalibration, calibration_from
from firmware_bridge.detect import REPEAT_WINDOW_S, DetectorConfig

BROKER_SECTION = "broker"
DEFAULT_SPOOL = "zw-bridge-spool.sqlite3"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A configuration that cannot run; the message names the section and the key."""


@dataclass(frozen=True)
class BrokerSettings:
    """Where and how to connect to one MQTT broker."""

    host: str = topics.DEFAULT_MQTT_HOST
    port: int = topics.DEFAULT_MQTT_PORT
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_certs: str | None = None
    keepalive: int = topics.DEFAULT_KEEPALIVE_S


@dataclass(frozen=True)
class ScaleConfig:
    """One scale: its firmware and source topic, its tracker identity, its calibration."""

    name: str
    firmware: str
    source_topic: str
    device_id: str
    username: str | None = None  # default: the device id (the broker's rule)
    password: str | None = None
    stream: str | None = None
    spool: str = DEFAULT_SPOOL
    unit: str | None = None
    calibration: LinearCalibration | None = None
    mac: str | None = None
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    repeat_window_s: float = REPEAT_WINDOW_S
    sensor: str | None = None  # ESPHome object id / Tasmota sensor key of the weight
    seq_start: int = topics.SEQ_MIN

    @property
    def mqtt_username(self) -> str:
        """The tracker-broker username: given, else the device id."""
        return self.username or self.device_id


@dataclass(frozen=True)
class BridgeConfig:
    """Everything ``zw bridge`` runs: two brokers (maybe the same) and the scales."""

    source: BrokerSettings
    tracker: BrokerSettings
    scales: tuple[ScaleConfig, ...]
    timezone: str = topics.DEFAULT_TIMEZONE
    tick_s: float = 1.0


def load_config(path: str | os.PathLike[str]) -> BridgeConfig:
    """Read and check an INI configuration file."""
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise ConfigError("cannot read %s: %s" % (path, exc.strerror)) from None
    except configparser.Error as exc:
        raise ConfigError("%s: %s" % (path, exc)) from None
    return parse_config(parser)


def parse_config(parser: configparser.ConfigParser) -> BridgeConfig:
    """Build a BridgeConfig from a parsed INI file."""
    broker = parser[BROKER_SECTION] if parser.has_section(BROKER_SECTION) else {}
    section = _Section(BROKER_SECTION, broker)
    source = _broker(section, "source", None)
    tracker = _broker(section, "tracker", source)
    timezone = section.text("timezone", topics.DEFAULT_TIMEZONE)
    _check_zone(timezone)
    default_spool = section.text("spool", DEFAULT_SPOOL)
    scales = []
    for name in parser.sections():
        if name == BROKER_SECTION:
            continue
        scales.append(scale_from(_Section(name, parser[name]), default_spool))
    if not scales:
        raise ConfigError("no scale: add one section per scale besides [broker]")
    _check_unique(scales)
    tick_s = section.number("tick_s", 1.0)
    section.check_unused()
    return BridgeConfig(source=source, tracker=tracker, scales=tuple(scales), timezone=timezone,
                        tick_s=tick_s)


def scale_from(section: "_Section", default_spool: str = DEFAULT_SPOOL) -> ScaleConfig:
    """Build one ScaleConfig from a section (or a mapping built from the command line)."""
    firmware = section.required("firmware").lower()
    if firmware not in topics.FIRMWARE_KINDS:
        raise section.error("firmware", "must be one of %s" % ", ".join(topics.FIRMWARE_KINDS))
    device_id = section.required("device_id")
    try:
        topics.weighin_topic(device_id)
    except ValueError as exc:
        raise section.error("device_id", str(exc)) from None
    mac = section.text("mac")
    source_topic = section.text("source_topic") or _default_source_topic(firmware, mac)
    if not source_topic:
        raise section.error("source_topic", "is required for %s" % firmware)
    password = section.text("password")
    password_env = section.text("password_env")
    if password is None and password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise section.error("password_env", "variable %s is not set" % password_env)
    unit = section.text("unit")
    try:
        calibration = calibration_from(scale=section.number("scale"),
                                       offset=section.number("offset"),
                                       points=section.text("calibration"))
    except ValueError as exc:
        raise section.error("calibration", str(exc)) from None
    if firmware == "esphome":
        unit = (unit or "g").lower()
        if unit == "raw" and calibration is None:
            raise section.error("unit", "raw needs scale/offset or calibration points")
        if unit not in ("g", "kg", "lb", "raw"):
            raise section.error("unit", "must be g, kg, lb or raw")
    defaults = DetectorConfig()
    try:
        detector = DetectorConfig(
            threshold_g=section.number("threshold_g", defaults.threshold_g),
            tolerance_g=section.number("tolerance_g", defaults.tolerance_g),
            settle_s=section.number("settle_s", defaults.settle_s),
            min_samples=int(section.number("min_samples", defaults.min_samples)),
            interval_factor=section.number("interval_factor", defaults.interval_factor),
            max_settle_s=section.number("max_settle_s", defaults.max_settle_s))
        section.flag("stacking")  # accepted, no effect: a bag on top is part of the weigh-in
    except ValueError as exc:
        raise section.error("threshold_g", str(exc)) from None
    config = ScaleConfig(
        name=section.name, firmware=firmware, source_topic=source_topic, device_id=device_id,
        username=section.text("username"), password=password, stream=section.text("stream"),
        spool=section.text("spool", default_spool), unit=unit, calibration=calibration, mac=mac,
        detector=detector, repeat_window_s=section.number("repeat_window_s", REPEAT_WINDOW_S),
        sensor=section.text("sensor"),
        seq_start=int(section.number("seq_start", topics.SEQ_MIN)))
    section.check_unused()
    return config


def _default_source_topic(firmware: str, mac: str | None) -> str | None:
    if firmware == "theengs" and mac:
        return topics.THEENGS_BT_TOPIC.format(gateway="+", mac=mac.replace(":", "").upper())
    return None


def _broker(section: "_Section", prefix: str, fallback: BrokerSettings | None) -> BrokerSettings:
    base = fallback or BrokerSettings()
    host = section.text(prefix + "_host") or section.text("host") or base.host
    tls = section.flag(prefix + "_tls", section.flag("tls", base.tls))
    default_port = topics.DEFAULT_MQTT_TLS_PORT if tls else topics.DEFAULT_MQTT_PORT
    port = int(section.number(prefix + "_port", section.number("port", default_port)))
    if fallback is not None and prefix == "tracker":
        # tracker credentials are per scale; only the address is shared
        return BrokerSettings(host=host, port=port, tls=tls,
                              ca_certs=section.text(prefix + "_ca_certs") or base.ca_certs,
                              keepalive=int(section.number("keepalive", base.keepalive)))
    return BrokerSettings(host=host, port=port, username=section.text(prefix + "_username"),
                          password=section.text(prefix + "_password"), tls=tls,
                          ca_certs=section.text(prefix + "_ca_certs") or section.text("ca_certs"),
                          keepalive=int(section.number("keepalive", base.keepalive)))


def _check_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("[broker] timezone: unknown time zone %r" % name) from None


def _check_unique(scales: list[ScaleConfig]) -> None:
    seen: dict[str, str] = {}
    for scale in scales:
        if scale.device_id in seen:
            raise ConfigError("[%s] device_id: %s is already used by [%s]"
                              % (scale.name, scale.device_id, seen[scale.device_id]))
        seen[scale.device_id] = scale.name


class _Section:
    """Typed access to one section, remembering which keys were read (typos are errors)."""

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        self.name = name
        self.values = {k.lower(): v for k, v in dict(values).items()}
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError("[%s] %s: %s" % (self.name, key, message))

    def text(self, key: str, default: str | None = None) -> str | None:
        self.used.add(key)
        value = self.values.get(key)
        if value is None:
            return default
        value = str(value).strip()
        return value if value else default

    def required(self, key: str) -> str:
        value = self.text(key)
        if not value:
            raise self.error(key, "is required")
        return value

    def number(self, key: str, default: float | None = None) -> Any:
        value = self.text(key)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise self.error(key, "%r is not a number" % value) from None

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.text(key)
        if value is None:
            return default
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise self.error(key, "%r is not true/false" % value)

    def check_unused(self) -> None:
        unknown = sorted(set(self.values) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key (known keys are in docs/firmware.md)")


def section_from_mapping(name: str, values: Mapping[str, Any]) -> _Section:
    """A section built from command-line options (None values left out)."""
    return _Section(name, {k: v for k, v in values.items() if v is not None})


def spool_path(scale: ScaleConfig) -> Path:
    """The spool file of a scale, as a Path."""
    return Path(scale.spool).expanduser()

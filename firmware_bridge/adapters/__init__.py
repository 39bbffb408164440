"""Firmware adapters: native messages -> samples in grams. ``make_adapter`` picks one."""

from __future__ import annotations

from typing import Any

from firmware_bridge import topics
from firmware_bridge.adapters.base import Adapter, AdapterError, Sample
from firmware_bridge.adapters.esphome import EsphomeAdapter, LinearCalibration, parse_points
from firmware_bridge.adapters.tasmota import TasmotaAdapter
from firmware_bridge.adapters.theengs import TheengsAdapter

__all__ = ["Adapter", "AdapterError", "Sample", "TasmotaAdapter", "EsphomeAdapter",
           "TheengsAdapter", "LinearCalibration", "parse_points", "make_adapter",
           "calibration_from"]


def calibration_from(scale: float | None = None, offset: float | None = None,
                     points: str | None = None) -> LinearCalibration | None:
    """Build a calibration from scale/offset (HX711 convention) or MEASURED -> TRUTH points."""
    if points:
        return LinearCalibration.from_points(parse_points(points))
    if scale is not None or offset is not None:
        return LinearCalibration.from_scale_offset(scale if scale is not None else 1.0,
                                                   offset or 0.0)
    return None


def make_adapter(kind: str, *, tz: str = topics.DEFAULT_TIMEZONE, unit: str | None = None,
                 calibration: LinearCalibration | None = None, mac: str | None = None,
                 sensor: str | None = None, **_: Any) -> Adapter:
    """Return a fresh adapter for a firmware kind (tasmota, esphome, theengs).

    ``sensor`` names the weight sensor: the ESPHome object id, the Tasmota sensor key.
    """
    if kind == "tasmota":
        return TasmotaAdapter(tz=tz, sensor_key=sensor)
    if kind == "esphome":
        return EsphomeAdapter(unit=unit or "g", calibration=calibration, object_id=sensor)
    if kind == "theengs":
        return TheengsAdapter(mac=mac, default_unit=unit or "kg")
    raise ValueError("unknown firmware %r (expected one of %s)"
                     % (kind, ", ".join(topics.FIRMWARE_KINDS)))

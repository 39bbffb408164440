"""Scales: pair one with a household, list them, revoke one.

A scale's MQTT username is its device id and its password a random secret shown once; only a
hash is kept here (the broker keeps its own). Registering with the broker is the caller's part
(`zw devices add` uses tracker.adapters.dynsec), so this module needs neither paho nor a running
broker.
"""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.domain import DomainError, NotFound, Stream, _l
from tracker.models import Device, Household

FIRMWARES = ("canonical", "tasmota", "esphome", "theengs")
DEVICE_ID_PREFIX = "zws-"


def new_device_id() -> str:
    """A fresh device id: `zws-` and 10 hex digits (a valid MQTT username and topic level)."""
    return DEVICE_ID_PREFIX + secrets.token_hex(5)


def new_secret() -> str:
    """A fresh scale password (32 URL-safe characters, ~190 bits)."""
    return secrets.token_urlsafe(24)


def provision_device(session: Session, household: Household, *, stream: str = Stream.RESIDUAL,
                     firmware: str = "canonical", label: str = "",
                     device_id: str | None = None) -> tuple[Device, str]:
    """Pair a new scale with a household; return it and its secret (never stored in clear)."""
    if stream not in household.edition.streams:
        raise DomainError(_l("Unknown bin: %(stream)s.", stream=stream), "stream")
    if firmware not in FIRMWARES:
        raise DomainError(f"unknown firmware {firmware!r} (one of {', '.join(FIRMWARES)})",
                          "firmware")
    device_id = device_id or new_device_id()
    if session.get(Device, device_id) is not None:
        raise DomainError(f"a device {device_id} already exists", "device")
    secret = new_secret()
    device = Device(id=device_id, household=household, stream=stream, firmware=firmware,
                    label=label or "", secret_hash=generate_password_hash(secret))
    session.add(device)
    session.flush()
    return device, secret


def check_secret(device: Device, secret: str) -> bool:
    """True when secret is the device's password."""
    return check_password_hash(device.secret_hash, secret)


def get_device(session: Session, device_id: str) -> Device:
    """The device with this id, or NotFound."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id}", "device")
    return device


def list_devices(session: Session, *, edition_id: int | None = None,
                 include_revoked: bool = True) -> list[Device]:
    """Devices with their household, by household name then id."""
    query = (select(Device).join(Device.household).options(joinedload(Device.household))
             .order_by(Household.name, Device.id))
    if edition_id is not None:
        query = query.where(Household.edition_id == edition_id)
    if not include_revoked:
        query = query.where(Device.revoked_at.is_(None))
    return list(session.scalars(query))


def revoked_device_ids(session: Session) -> list[str]:
    """Ids of every revoked scale (to be disabled in the broker)."""
    return list(session.scalars(select(Device.id).where(Device.revoked_at.is_not(None))
                                .order_by(Device.id)))


def revoke_device(session: Session, device_id: str, *, now: dt.datetime | None = None) -> Device:
    """Mark a scale revoked: its readings are dead-lettered from now on (idempotent)."""
    device = get_device(session, device_id)
    if device.revoked_at is None:
        device.revoked_at = now or clock.now()
        device.online = False
    session.flush()
    return device

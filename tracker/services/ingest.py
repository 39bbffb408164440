"""Scale readings in batches: the web form's rules applied to many readings in one transaction.

`record_scale_readings` checks each reading exactly as `record_weighin` does (bin of the
edition, weight range, not in the future, inside the edition, flagged when doubtful), with
per-batch caches of devices and medians, then bulk-inserts the accepted ones. The pair
(device, seq) identifies a reading: a redelivery, in the same batch or a later one, is stored
once. What a rule refuses comes back as a Refusal for the dead letters. Nothing here commits.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker import aggregates, clock
from tracker.domain import FLAG_WEIGHT_G, DomainError, Source, Stream, WeighInStatus, check_weight
from tracker.domain.reasons import Code, code_and_params, reason, rule_reason
from tracker.models import DeadLetter, Device, Edition, Household, WeighIn
from tracker.services.device_rate import add_counts, hour_of, rate_reason, stored_counts
from tracker.services.weighins import check_measured_at, check_stream, flag_reason, \
    flag_weight_limit, stream_median

#: How much of a refused payload a dead letter keeps.
DEAD_LETTER_KEEP_BYTES = 4 * 1024


@dataclass(frozen=True)
class ScaleReading:
    """A canonical reading decoded from `zw/scales/<device_id>/weighin`."""

    device_id: str
    seq: int
    measured_at: dt.datetime
    weight_g: int
    stream: str | None = None
    battery_pct: int | None = None
    topic: str = ""
    payload: bytes = b""
    #: delivered again by the broker (MQTT DUP flag): it may have been handled already
    redelivered: bool = False
    #: delivered from the broker's retained store (on subscribing): refused, see RETAINED
    retained: bool = False


@dataclass(frozen=True)
class Refusal:
    """A message set aside, with the reason (becomes a dead letter; a
    `tracker.domain.reasons.Reason`, a plain string is kept as `legacy`)."""

    topic: str
    payload: bytes
    reason: str
    device_id: str | None = None
    redelivered: bool = False
    #: a copy the broker kept (retained) and sends again at every subscription: kept once
    retained: bool = False


#: Why a retained weigh-in is refused: a reading is an event, stored once, while the broker
#: sends a retained message again to every new subscription (each ingest restart).
RETAINED_REASON = reason(Code.RETAINED)


@dataclass
class BatchResult:
    """What one batch did: counts, and the refusals still to be dead-lettered."""

    stored: int = 0
    flagged: int = 0
    duplicates: int = 0
    refused: list[Refusal] = field(default_factory=list)


def record_scale_readings(session: Session, readings: list[ScaleReading], *,
                          now: dt.datetime | None = None,
                          flag_weight_g: int | None = None,
                          max_per_hour: int = 0) -> BatchResult:
    """Check and store a batch of scale readings; return counts and refusals (not committed)."""
    now = now or clock.now()
    prepared = prepare_scale_readings(session, readings, now=now)
    return store_prepared_readings(session, prepared, now=now, flag_weight_g=flag_weight_g,
                                   max_per_hour=max_per_hour)


@dataclass
class PreparedReadings:
    """A batch checked against its devices and the rules that need no other reading (bin,
    weight, time), with its rows already converted for the database driver. What is left for
    `store_prepared_readings`: duplicates of stored readings, the medians, the insert."""

    dialect: str
    #: in arrival order: (key, Refusal) or (key, household_id, stream, weight_g, hour, row)
    entries: list[tuple] = field(default_factory=list)
    duplicates: int = 0  # within the batch
    last_battery: dict[str, int] = field(default_factory=dict)


#: The columns of a scale reading's row, in the order of the prepared insert.
_ROW_COLUMNS = ("household_id", "stream", "weight_g", "measured_at", "source", "status",
                "flag_reason", "flag_code", "flag_params", "device_id", "seq", "note",
                "created_at")


def prepare_scale_readings(session: Session, readings: list[ScaleReading], *,
                           now: dt.datetime) -> PreparedReadings:
    """The part of `record_scale_readings` that only reads (devices, editions): several
    processes may run it side by side; `store_prepared_readings` must then run in arrival
    order."""
    dialect = session.get_bind().dialect
    prepared = PreparedReadings(dialect.name)
    if not readings:
        return prepared
    processors = _bind_processors(dialect)
    per_row = [(name, processors[name]) for name in ("household_id", "stream", "weight_g",
                                                       "measured_at", "device_id", "seq")
               if processors[name] is not None]
    constant = {name: _bound(processors, name, value) for name, value in
                (("source", Source.SCALE), ("note", ""), ("created_at", now))}
    devices = _devices(session, {r.device_id for r in readings})
    seen: set[tuple[str, int]] = set()
    if any(r.retained for r in readings):  # a retained copy after the live one: a duplicate
        readings = sorted(readings, key=lambda r: r.retained)
    for r in readings:
        key = (r.device_id, r.seq)
        if key in seen:
            prepared.duplicates += 1
            continue
        if r.retained:  # stored already (it came live first): a duplicate, else refused
            prepared.entries.append((key, Refusal(r.topic, r.payload, RETAINED_REASON,
                                                  r.device_id, r.redelivered, retained=True)))
            continue
        device = devices.get(r.device_id)
        reason = _device_problem(device, r.device_id)
        stream = r.stream or (device.stream if device else None)
        if not reason:
            try:
                check_stream(device.household, stream)
                check_weight(r.weight_g)
                check_measured_at(device.household, r.measured_at, now)
            except DomainError as exc:
                reason = rule_reason(exc)
        if reason:
            prepared.entries.append((key, Refusal(r.topic, r.payload, reason, r.device_id,
                                                  r.redelivered)))
            continue
        seen.add(key)
        row = {"household_id": device.household_id, "stream": stream, "weight_g": r.weight_g,
               "measured_at": r.measured_at, "device_id": r.device_id, "seq": r.seq,
               **constant}
        if r.stream and device.stream and r.stream != device.stream:
            row["note"] = _bound(processors, "note", bin_conflict_note(r.stream, device.stream))
        for name, processor in per_row:  # SQLite: the time as a UTC string
            row[name] = processor(row[name])
        prepared.entries.append((key, device.household_id, stream, r.weight_g,
                                 hour_of(r.measured_at), row))
        if r.battery_pct is not None:
            prepared.last_battery[r.device_id] = r.battery_pct
    return prepared


#: French names of the bins in the note of a conflict (the ingest loads no Flask-Babel)
BIN_NAMES_FR = {Stream.RESIDUAL: "ordures ménagères résiduelles",
                Stream.PACKAGING: "emballages et papiers", Stream.GLASS: "verre",
                Stream.BIOWASTE: "biodéchets", Stream.PAPER: "papier", Stream.TEXTILE: "textile",
                Stream.BULKY: "encombrants"}


def bin_conflict_note(reading_stream: str, paired_stream: str) -> str:
    """The note of a reading whose bin is not the one its scale is paired for.

    The rule (docs/ingest.md): the reading's bin wins, as DESIGN.md makes the paired bin the
    default of a reading that names none (a scale with a button per bin names it); a reading
    that names another bin is stored under it with this note, shown in the family's history,
    the staff's pages and the weigh-in export, so that a misconfigured scale is seen.
    """
    return (f"Bac de la balance : {BIN_NAMES_FR.get(paired_stream, paired_stream)} ; "
            f"la lecture dit : {BIN_NAMES_FR.get(reading_stream, reading_stream)}.")


def store_prepared_readings(session: Session, prepared: PreparedReadings, *,
                            now: dt.datetime, flag_weight_g: int | None = None,
                            max_per_hour: int = 0) -> BatchResult:
    """Insert a prepared batch: readings already stored are duplicates (also a refused one: it
    was stored before its device was revoked), doubtful ones are flagged, and so are a
    scale's readings past `max_per_hour` in one hour (tracker.services.device_rate; 0: no
    limit); not committed. (PostgreSQL's ingest sends the same reads together and the same
    writes together: tracker.services.ingest_pipeline.)"""
    if not prepared.entries:
        return BatchResult(duplicates=prepared.duplicates)
    if flag_weight_g is None:
        flag_weight_g = flag_weight_limit(session)
    dialect = session.get_bind().dialect
    if dialect.name != prepared.dialect:
        raise ValueError(f"prepared for {prepared.dialect}, stored in {dialect.name}")
    existing = _existing_keys(session, {entry[0] for entry in prepared.entries})
    hourly = stored_counts(session, {(e[0][0], e[4]) for e in prepared.entries
                                     if len(e) > 2 and e[0] not in existing}) \
        if max_per_hour else {}
    medians: dict[tuple[int, str], float | None] = {}
    for mkey in median_keys(prepared, existing):
        medians[mkey] = stream_median(session, *mkey)
    result, decided = decide_prepared(prepared, dialect, existing=existing, hourly=hourly,
                                      medians=medians, flag_weight_g=flag_weight_g,
                                      max_per_hour=max_per_hour)
    if decided.rows:
        statement, names = _prepared_insert(dialect)
        if names is None:
            inserted = session.connection().exec_driver_sql(statement, decided.rows)
        else:
            inserted = session.connection().exec_driver_sql(
                statement, [tuple(row[name] for name in names) for row in decided.rows])
        # the monthly aggregates of the cells this batch touched, in its transaction (issue
        # 19): incremented by the new rows (all new when the row count says so)
        aggregates.add_new(session.connection(), new_rows(decided.rows), inserted.rowcount)
    add_counts(session, decided.added)
    if decided.devices:
        for device in session.scalars(select(Device).where(Device.id.in_(decided.devices))):
            device.last_seen = now
            if device.id in prepared.last_battery:
                device.battery_pct = prepared.last_battery[device.id]
        session.flush()
    return result


def new_rows(rows: list[dict]) -> list[tuple]:
    """(household_id, measured_at, status, stream, weight_g) of rows to insert: what
    `aggregates.add_new` adds up."""
    return [(row["household_id"], row["measured_at"], row["status"], row["stream"],
             row["weight_g"]) for row in rows]


@dataclass
class Decided:
    """What a prepared batch writes, once its lookups are known (`decide_prepared`)."""

    rows: list[dict] = field(default_factory=list)  # weigh-ins, converted for the driver
    added: dict[tuple[str, int], int] = field(default_factory=dict)  # (device, hour) -> n
    devices: set[str] = field(default_factory=set)  # scales with a row stored


def median_keys(prepared: PreparedReadings, existing: set) -> list[tuple[int, str]]:
    """The (household, bin) pairs whose median the batch needs, in first-use order."""
    keys: dict[tuple[int, str], None] = {}
    for key, *rest in prepared.entries:
        if len(rest) > 1 and key not in existing:
            keys.setdefault((rest[0], rest[1]), None)
    return list(keys)


def decide_prepared(prepared: PreparedReadings, dialect, *, existing: set, hourly: dict,
                    medians: dict, flag_weight_g: int = FLAG_WEIGHT_G,
                    max_per_hour: int = 0) -> tuple[BatchResult, Decided]:
    """The rules that need the database's answers (stored already, the counts of the hour,
    the medians), applied in arrival order; no database access."""
    result = BatchResult(duplicates=prepared.duplicates)
    decided = Decided()
    processors = _bind_processors(dialect)
    for key, *rest in prepared.entries:
        if key in existing:
            result.duplicates += 1
            continue
        if len(rest) == 1:
            result.refused.append(rest[0])
            continue
        household_id, stream, weight_g, hour, row = rest
        doubt = flag_reason(weight_g, medians[(household_id, stream)], flag_weight_g)
        if max_per_hour:
            rkey = (key[0], hour)
            decided.added[rkey] = decided.added.get(rkey, 0) + 1
            if hourly.get(rkey, 0) + decided.added[rkey] > max_per_hour:
                doubt = rate_reason(max_per_hour)
        result.flagged += bool(doubt)
        decided.rows.append({**row, "status": _bound(processors, "status",
                                                     WeighInStatus.FLAGGED if doubt
                                                     else WeighInStatus.ACCEPTED),
                             "flag_reason": _bound(processors, "flag_reason", str(doubt)),
                             **_flag_columns(processors, doubt)})
        decided.devices.add(key[0])
    result.stored = len(decided.rows)
    return result, decided


def record_device_status(session: Session, device_id: str, online: bool, *,
                         seen_at: dt.datetime | None = None) -> bool:
    """Note a scale's online/offline status (and when it was seen); False for unknown scales."""
    device = session.get(Device, device_id)
    if device is None:
        return False
    device.online = online
    if seen_at is not None:
        device.last_seen = seen_at
    return True


def record_dead_letters(session: Session, refusals: list[Refusal], *,
                        now: dt.datetime | None = None) -> int:
    """Keep refused messages with the reason (payload cut to a few KiB); return how many
    (`keep_dead_letters`: a redelivered refusal kept already is not kept again)."""
    return len(keep_dead_letters(session, refusals, now=now))


def keep_dead_letters(session: Session, refusals: list[Refusal], *,
                      now: dt.datetime | None = None) -> list[Refusal]:
    """Keep refused messages with the reason; return the ones kept: all but the redelivered
    ones (MQTT DUP flag: the ingest was stopped between the commit and the acknowledgement)
    and the retained ones (the broker sends them again at every subscription) whose topic and
    payload are kept already, or kept by this batch. A message a scale sent twice is neither,
    and is kept twice."""
    prints = [dead_letter_fingerprint(r.topic, r.payload) for r in refusals]
    again = refusal_prints_to_check(refusals, prints)
    kept = set(session.scalars(select(DeadLetter.fingerprint)
                               .where(DeadLetter.fingerprint.in_(again)))) if again else set()
    fresh = fresh_refusals(refusals, prints, kept)
    if fresh:
        session.execute(DeadLetter.__table__.insert(),
                        dead_letter_rows(fresh, now or clock.now()))
    return [r for r, _ in fresh]


def refusal_prints_to_check(refusals: list[Refusal], prints: list[str]) -> set[str]:
    """Fingerprints to look up among the kept dead letters: the redelivered and retained
    refusals' (`keep_dead_letters`)."""
    return {fp for r, fp in zip(refusals, prints) if r.redelivered or r.retained}


def fresh_refusals(refusals: list[Refusal], prints: list[str],
                   kept: set[str]) -> list[tuple[Refusal, str]]:
    """(refusal, fingerprint) of the refusals to keep, given the fingerprints kept already
    (at least those of `refusal_prints_to_check`)."""
    kept = set(kept)
    fresh = []
    for r, fp in zip(refusals, prints):
        if (r.redelivered or r.retained) and fp in kept:
            continue
        fresh.append((r, fp))
        kept.add(fp)
    return fresh


def dead_letter_rows(fresh: list[tuple[Refusal, str]], now: dt.datetime) -> list[dict]:
    """The dead_letters rows of `fresh_refusals`."""
    return [{"received_at": now, "topic": _text(r.topic.encode("utf-8", "replace"))[:512],
             "payload": _text(r.payload[:DEAD_LETTER_KEEP_BYTES]),
             "payload_size": len(r.payload), "reason": r.reason[:500],
             **dict(zip(("reason_code", "reason_params"), code_and_params(r.reason))),
             "device_id": (r.device_id or None) and r.device_id[:64], "fingerprint": fp}
            for r, fp in fresh]


def dead_letter_fingerprint(topic: str, payload: bytes) -> str:
    """SHA-256 (hex) of the topic and the whole payload."""
    return hashlib.sha256(topic.encode("utf-8", "replace") + b"\x00" + payload
                          ).hexdigest()


def list_dead_letters(session: Session, *, limit: int | None = 100,
                      device_id: str | None = None) -> list[DeadLetter]:
    """Refused messages, newest first."""
    query = select(DeadLetter).order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())
    if device_id:
        query = query.where(DeadLetter.device_id == device_id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


@dataclass(frozen=True)
class _EditionView:
    """What the checks of a reading read of its edition (check_stream, check_measured_at)."""

    streams: tuple
    start_date: dt.date
    months: int
    timezone: str


@dataclass(frozen=True)
class _HouseholdView:
    edition: _EditionView


@dataclass(frozen=True)
class _DeviceView:
    """A scale as the batch's checks read it: its columns and its household's edition."""

    id: str
    household_id: int
    stream: str
    revoked_at: dt.datetime | None
    household: _HouseholdView


@functools.lru_cache(maxsize=1)
def _devices_query():
    """`_devices`' statement, built once (the scales as an expanding parameter): building it
    and `_existing_query` anew, with their cache keys, was three tenths of a lone reading's
    batch in the storing process (instructions; docs/scaling.md, "third quiet pass")."""
    return (select(Device.id, Device.household_id, Device.stream, Device.revoked_at,
                   Edition.streams, Edition.start_date, Edition.months, Edition.timezone)
            .join(Household, Household.id == Device.household_id)
            .join(Edition, Edition.id == Household.edition_id)
            .where(Device.id.in_(bindparam("ids", expanding=True))))


@functools.lru_cache(maxsize=1)
def _existing_query():
    """`_existing_keys`' statement, built once."""
    return select(WeighIn.device_id, WeighIn.seq).where(
        WeighIn.device_id.in_(bindparam("devices", expanding=True)),
        WeighIn.seq.in_(bindparam("seqs", expanding=True)))


def _devices(session: Session, ids: set[str]) -> dict[str, _DeviceView]:
    """The batch's scales, with what the checks read of their household's edition, in one
    query of columns: loading Device, Household and Edition objects (the ORM's identity map,
    a JSON column's copy per object) was four tenths of a small batch's CPU (docs/ingest.md).
    The same rows, read at the same moment, as `session.get(Device, id).household.edition`."""
    if session.autoflush:  # as session.execute would (a caller's pending scale)
        session.flush()
    editions: dict[tuple, _HouseholdView] = {}
    found = {}
    for device_id, household_id, stream, revoked_at, *edition in \
            session.connection().execute(_devices_query(), {"ids": sorted(ids)}):
        edition[0] = tuple(edition[0])
        key = tuple(edition)
        view = editions.get(key)
        if view is None:
            view = editions[key] = _HouseholdView(_EditionView(*edition))
        found[device_id] = _DeviceView(device_id, household_id, stream, revoked_at, view)
    return found


def _device_problem(device: Device | None, device_id: str) -> str:
    if device is None:
        return reason(Code.UNKNOWN_DEVICE, device=device_id[:64])
    if device.revoked_at is not None:
        return reason(Code.REVOKED, device=device_id,
                      when=f"{device.revoked_at:%Y-%m-%d %H:%M}")
    return ""


def _existing_keys(session: Session, keys: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """(device, seq) pairs of the batch already stored (one query; a superset filtered here)."""
    devices = sorted({device for device, _ in keys})
    seqs = sorted({seq for _, seq in keys})
    rows = session.execute(_existing_query(), {"devices": devices, "seqs": seqs}).all()
    return {(d, s) for d, s in rows} & keys


@functools.lru_cache(maxsize=16)
def _bind_processors(dialect) -> dict:
    """Each column's conversion to the driver's value (SQLAlchemy's own, e.g. UTC strings for
    SQLite), so that rows can be converted before the insert and sent to the driver as is."""
    table = WeighIn.__table__
    return {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in _ROW_COLUMNS}


def _bound(processors: dict, name: str, value):
    processor = processors[name]
    return value if processor is None or value is None else processor(value)


@functools.lru_cache(maxsize=16)
def _prepared_insert(dialect) -> tuple[str, tuple[str, ...] | None]:
    """INSERT ... ON CONFLICT (device_id, seq) DO NOTHING as the driver's SQL (two ingests
    sharing a queue race), and the order of its parameters (None: named parameters).

    Rows go to the driver's executemany as they are: SQLAlchemy's per-row parameter handling
    was a third of a batch's time in the ingest, spent while the other storing processes wait
    for their turn."""
    module = {"sqlite": sqlite, "postgresql": postgresql}.get(dialect.name)
    if module is None:  # other databases: the pre-selection above is the only guard
        statement = WeighIn.__table__.insert()
    else:
        statement = module.insert(WeighIn.__table__).on_conflict_do_nothing(
            index_elements=["device_id", "seq"])
    compiled = statement.compile(dialect=dialect, column_keys=list(_ROW_COLUMNS),
                                 for_executemany=True)
    if compiled.positional:
        return compiled.string, tuple(compiled.positiontup)
    return compiled.string, None


def _flag_columns(processors: dict, doubt: str) -> dict:
    code, params = code_and_params(doubt)
    return {"flag_code": _bound(processors, "flag_code", str(code)),
            "flag_params": _bound(processors, "flag_params", params)}


def _text(raw: bytes) -> str:
    """Bytes as storable text: invalid UTF-8 escaped, NUL (refused by PostgreSQL) escaped."""
    return raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")

"""PostgreSQL's pipelined batch (tracker.services.ingest_pipeline) writes exactly what the
one-query-at-a-time path writes: the same batches through both, the same rows and counts."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text

from ingest.decode import StatusChange, decode
from ingest.store import BatchStore
from tracker import aggregates
from tracker.services import ingest_pipeline
from tracker.services.ingest import Refusal, ScaleReading

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
AT = dt.datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def reading(seq, weight=1000, device="sc-martin", at=AT, **kw):
    return ScaleReading(device_id=device, seq=seq, weight_g=weight,
                        measured_at=at + dt.timedelta(seconds=seq),
                        topic=f"zw/scales/{device}/weighin",
                        payload=f'{{"seq": {seq}}}'.encode(), **kw)


def batches():
    """Everything a batch can hold: history for the medians, doubtful weights, duplicates
    (in the batch and stored), refusals (service rules, decoding), a redelivered refusal kept
    once, the same sent twice kept twice, statuses (live, retained, unknown scale), batteries,
    the hourly limit across batches, two households and bins."""
    bad = decode("zw/scales/sc-martin/weighin", b'{"seq": "x"}')
    revoked = reading(7, device="sc-revoked")
    assert isinstance(bad, Refusal)
    return [
        [*(reading(i) for i in range(1, 7)), reading(1, 300, device="sc-durand"),
         StatusChange("sc-martin", True, False), StatusChange("sc-durand", True, True)],
        [reading(10, 10_001), reading(11, 16_000), reading(2), reading(12, battery_pct=40),
         reading(12), revoked, reading(1, device="ghost"), bad,
         reading(13, stream="paper"), StatusChange("nobody", True, False),
         StatusChange("sc-durand", False, False), reading(2, 4000, device="sc-durand")],
        [replace(revoked, redelivered=True), replace(bad, redelivered=True), bad,
         *(reading(i, 900, battery_pct=i) for i in range(20, 30)),
         replace(reading(30), retained=True), replace(reading(20), retained=True)],
        [*(reading(i, 950) for i in range(40, 45)), StatusChange("sc-martin", False, False)],
        # big enough for COPY ("auto"), with stored keys and in-batch duplicates inside
        [*(reading(i, 500 + i, device="sc-durand", at=AT + dt.timedelta(hours=i // 60))
           for i in range(1, 150)), reading(5), reading(140, device="sc-durand")],
    ]


SNAPSHOT = {
    "weighins": "SELECT household_id, stream, weight_g, measured_at, source, status, "
                "flag_reason, device_id, seq, note FROM weighins ORDER BY device_id, seq",
    "dead_letters": "SELECT received_at, topic, payload, payload_size, reason, device_id, "
                    "fingerprint FROM dead_letters ORDER BY id",
    "device_rates": "SELECT device_id, hour, readings FROM device_rates ORDER BY 1, 2",
    "devices": "SELECT id, last_seen, battery_pct, online FROM devices ORDER BY id",
    "monthly_aggregates": "SELECT * FROM monthly_aggregates ORDER BY 1, 2, 3",
}
RESET = ["DELETE FROM monthly_aggregates", "DELETE FROM weighins", "DELETE FROM dead_letters", "DELETE FROM device_rates"]
RESTORE = ("UPDATE devices SET last_seen = :last_seen, battery_pct = :battery_pct, "
           "online = :online WHERE id = :id")


def run(url, pipeline: bool, devices: list, insert: str = ingest_pipeline.INSERT):
    """The batches through BatchStore, one path; the tables, then as they were before."""
    store = BatchStore(url, flag_weight_g=15_000, max_per_hour=12)
    if pipeline is False:
        store._pipeline = False
    counts, default = [], ingest_pipeline.INSERT
    ingest_pipeline.INSERT = insert
    try:
        for batch in batches():
            readings = [d for d in batch if isinstance(d, ScaleReading)]
            prepared = store._prepare(readings, NOW)
            counts.append(store._commit(batch, NOW, prepared))
        assert store._pipeline is pipeline
        with store.db.session() as session:  # the aggregates were kept in step (issue 19)
            assert not any(aggregates.verify_all(session).values())
    finally:
        ingest_pipeline.INSERT = default
        store.close()
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            snapshot = {name: conn.execute(text(sql)).all() for name, sql in SNAPSHOT.items()}
            for sql in RESET:
                conn.execute(text(sql))
            conn.execute(text(RESTORE), [row._asdict() for row in devices])
    finally:
        engine.dispose()
    return counts, snapshot


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_pipelined_batch_writes_what_the_plain_one_writes(database_url, scales):
    """PostgreSQL only: the pipelined batch is PostgreSQL's (psycopg); SQLite keeps the plain
    one (its batches are the other tests')."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        devices = conn.execute(text(SNAPSHOT["devices"])).all()
    engine.dispose()
    plain_counts, plain = run(database_url, False, devices)
    for insert in ingest_pipeline.INSERTS:  # "auto" takes COPY for the last batch only
        counts, pipelined = run(database_url, True, devices, insert)
        assert counts == plain_counts, insert
        assert pipelined == plain, insert
    # The scenario exercises what it claims (so that equal means something).
    statuses = {row.status for row in plain["weighins"]}
    reasons = " ".join(row.flag_reason for row in plain["weighins"])
    assert statuses == {"accepted", "flagged"}
    assert "median" in reasons and "15 kg" in reasons and "in one hour" in reasons
    # batch 3: two redelivered refusals kept already, the retained copy of a live reading;
    # batch 5: sc-durand 1 and 2, sc-martin 5 stored already, 140 twice in the batch
    assert [c.duplicates for c in plain_counts] == [0, 2, 3, 0, 4]
    assert plain["monthly_aggregates"]  # the rows stored are counted there
    assert len(plain["dead_letters"]) == 6  # bad, revoked, ghost, paper, bad again, retained
    assert {row.id: (row.battery_pct, row.online) for row in plain["devices"]} == {
        "sc-durand": (None, False), "sc-martin": (29, False), "sc-revoked": (None, False)}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_rows_another_ingest_stored_first_are_not_counted_twice(database_url, scales,
                                                                monkeypatch):
    """The aggregates' upsert goes out with the insert and counts every row it was given; when
    the insert stored fewer (another ingest stored some between this batch's reads and its
    insert: here the stored keys' lookup is made blind to them), the cells are recomputed."""
    store = BatchStore(database_url, flag_weight_g=15_000, max_per_hour=0)
    try:
        first = [reading(1), reading(2, 2000), reading(1, 300, device="sc-durand")]
        store._commit(first, NOW, store._prepare(first, NOW))
        monkeypatch.setattr(ingest_pipeline, "_EXISTING",
                            ingest_pipeline._EXISTING + " AND false")
        again = [reading(1), reading(2, 2000), reading(3, 1500),
                 reading(1, 300, device="sc-durand")]
        counts = store._commit(again, NOW, store._prepare(again, NOW))
        assert store._pipeline and counts.stored == 4  # what it believed it stored
        with store.db.session() as session:
            assert session.execute(text("SELECT count(*) FROM weighins")).scalar() == 4
            assert not any(aggregates.verify_all(session).values())
    finally:
        store.close()

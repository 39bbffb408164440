"""The storing processes: receive batches from the network process, answer when committed.

Protocol over two one-way pipes per storing process (multiprocessing connections):
  network -> worker   ("batch", batch_id, [(topic, payload, retained), ...]) | ("stop",)
  worker -> network   ("ready",) | ("retry", batch_id, attempt, error) | ("done", batch_id, counts)

Several storing processes (ZW_INGEST_PROCESSES) prepare their batches at the same time (JSON,
marshmallow, the checks against devices and editions, rows converted for the driver: most of
the cost, and only reads), but store and commit them one after the other in the order of the
batch ids, which is the order the messages arrived in. A shared
counter (`turn`, the next batch id to commit) and a condition pass the turn along. So the
database sees exactly what one process would have written (a scale's "online" never overtakes
its later "offline", duplicates are counted once, SQLite has one writer at a time) and the
network process can acknowledge in arrival order (MQTT 3.1.1, 4.6.0-2).

A worker exits when the network process goes away (its pipe closes), so a SIGKILLed ingest
leaves no orphan: whatever was not acknowledged is redelivered by the broker to the next one.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import signal
from dataclasses import asdict

log = logging.getLogger(__name__)

#: How often a worker waiting for its turn checks that the network process is still there.
TURN_POLL_S = 0.5


class CommitTurn:
    """Which batch commits next, shared by the storing processes of one ingest."""

    def __init__(self, ctx):
        self.next_id = ctx.Value("q", 1, lock=False)
        self.cond = ctx.Condition()
        #: Set by the network process when it stops: a storing process waiting for its turn
        #: or retrying a database that is away gives up (nothing of it was acknowledged).
        self.halt = ctx.Event()

    def wait(self, batch_id: int, keep_going) -> bool:
        """Block until batch_id may commit; False if the network process went away."""
        with self.cond:
            while self.next_id.value != batch_id:
                if not keep_going():
                    return False
                self.cond.wait(TURN_POLL_S)
        return True

    def done(self, batch_id: int) -> None:
        with self.cond:
            self.next_id.value = batch_id + 1
            self.cond.notify_all()


def worker_main(cfg, inbox, outbox, turn: CommitTurn | None = None) -> None:
    """Entry point of a storing process (spawned by ingest.service)."""
    from ingest.logs import configure
    from ingest.store import BatchStore

    # Ctrl-C and SIGTERM are the network process's to handle: it finishes the batches in
    # hand, acknowledges them, then says "stop" (or goes away, which closes the pipe).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure(cfg)
    store = BatchStore(cfg.database_url, flag_weight_g=cfg.flag_weight_g,
                       max_per_hour=cfg.ingest_max_readings_per_hour)
    parent = mp.parent_process()

    def keep_going() -> bool:
        if turn is not None and turn.halt.is_set():
            return False
        return parent is None or parent.is_alive()

    outbox.send(("ready",))
    try:
        while True:
            try:
                message = inbox.recv()
            except (EOFError, OSError):
                break
            if message[0] == "stop":
                break
            _, batch_id, items = message

            def on_retry(attempt, error, batch_id=batch_id):
                outbox.send(("retry", batch_id, attempt, error))

            batch = store.prepare(items, on_retry=on_retry, keep_going=keep_going)
            if turn is not None and not turn.wait(batch_id, keep_going):
                break
            try:
                counts = store.store(batch, on_retry=on_retry, keep_going=keep_going)
            finally:  # also when the network process went away mid-retry (SystemExit)
                if turn is not None:
                    turn.done(batch_id)
            outbox.send(("done", batch_id, asdict(counts)))
    except (BrokenPipeError, EOFError):
        pass
    finally:
        store.close()
        log.debug("storing process stopped")

"""The storing process: receives batches from the network process, answers when committed.

Protocol over two one-way pipes (multiprocessing connections):
  network -> worker   ("batch", batch_id, [(topic, payload, retained), ...]) | ("stop",)
  worker -> network   ("ready",) | ("retry", batch_id, attempt, error) | ("done", batch_id, counts)
The worker exits when the network process goes away (its pipe closes), so a SIGKILLed ingest
leaves no orphan: whatever was not acknowledged is redelivered by the broker to the next one.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import signal
from dataclasses import asdict

log = logging.getLogger(__name__)


def worker_main(cfg, inbox, outbox) -> None:
    """Entry point of the storing process (spawned by ingest.service)."""
    from ingest.logs import configure
    from ingest.store import BatchStore

    # Ctrl-C and SIGTERM are the network process's to handle: it finishes the batches in
    # hand, acknowledges them, then says "stop" (or goes away, which closes the pipe).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure(cfg)
    store = BatchStore(cfg.database_url, flag_weight_g=cfg.flag_weight_g)
    parent = mp.parent_process()

    def keep_going() -> bool:
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

            counts = store.process(items, on_retry=on_retry, keep_going=keep_going)
            outbox.send(("done", batch_id, asdict(counts)))
    except (BrokenPipeError, EOFError):
        pass
    finally:
        store.close()
        log.debug("storing process stopped")

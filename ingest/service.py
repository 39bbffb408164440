"""`zw ingest`: scales' readings from mosquitto into the database, acknowledged after the commit.

Two processes. This one (network) runs the paho client: a fixed client id and a persistent
session (MQTT 3.1.1, clean session off), QoS 1 subscriptions renewed on every connect, and
manual acknowledgement. Its callbacks only append to a list. A dispatcher thread cuts batches
(what is pending when a storing process is idle, or ingest_batch_size readings)
and hands them to the storing processes (ingest.worker, ZW_INGEST_PROCESSES of them), which
decode and validate batches side by side and commit them in one transaction each, in the order
the batches were cut, retrying while the database is away. When a batch is committed a
receiver thread acknowledges its messages, batch after batch in arrival order. So a reading is
acknowledged only once it is in the database (stored or dead-lettered); an unacknowledged one
is redelivered by the broker, and the (device, seq) key stores a redelivery once (a refused
one: its DUP flag and the dead letter's fingerprint, tracker.services.ingest).

Memory: mosquitto 2.0 enforces its in-flight limit only until the client starts acknowledging
(a reconnecting session's whole backlog pours in), so past MAX_PENDING received but not yet
dispatched messages `on_message` waits (at most PENDING_WAIT_S per message) for the
dispatcher: the network thread then reads more slowly, TCP pushes back, and the backlog stays
in the broker instead of our memory. During a database outage this admits one message per
PENDING_WAIT_S, so keepalives still go out.

Retained weigh-ins: a reading is an event, but a scale may publish it retained, and the
broker then sends it again at every subscription (each restart of the ingest). What comes
from the retained store (`retain` set: MQTT 3.1.1 clears the flag on live deliveries, so the
copy delivered live is handled as any reading) is refused (a dead letter, kept once), and the
retained copy is deleted: an empty retained message on its topic, whose echo the ingest then
skips. Shared subscriptions get no retained messages (MQTT 5, 4.8.2): with ZW_INGEST_GROUP
they stay in the broker, refused by nobody and harmless.

Several workers (ZW_INGEST_GROUP): each subscribes `$share/<group>/...` with its own client id.
mosquitto keeps giving a stopped member's persistent session its turn of every new message
until it returns (docs/scaling.md), so a worker that leaves for good is *retired*
(`python -m ingest --retire`): it takes over its session, unsubscribes, stores what the session
still held, then clears the session.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import signal
import threading
import time
from dataclasses import asdict

import paho.mqtt.client as mqtt

from firmware_bridge.mqttclient import fatal_reason, new_client
from ingest.status import status_path, write_status
from ingest.store import Counts
from ingest.topics import SUBSCRIBE_QOS, WEIGHIN_LEAF, split_topic, subscriptions

log = logging.getLogger(__name__)

RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 30
#: Batches handed to each storing process and not yet committed: one in work, one waiting.
BATCHES_AT_WORKER = 2
#: Received messages waiting for a batch, in batches, past which on_message slows down.
PENDING_BATCHES = 5
PENDING_WAIT_S = 1.0
WORKER_START_TIMEOUT_S = 60
DRAIN_TIMEOUT_S = 30
STATUS_EVERY_S = 1.0
#: Retiring: done once nothing has arrived for this long since the unsubscription.
RETIRE_QUIET_S = 3.0

EXIT_OK, EXIT_FAILURE, EXIT_BAD_CREDENTIALS = 0, 1, 2


class IngestService:
    """One ingest: the MQTT client, the batch dispatcher, the storing process, the report."""

    def __init__(self, cfg, *, status_file=None, retire: bool = False):
        self.cfg = cfg
        self.retire = retire
        self._unsubscribed_at: float | None = None  # retiring: when the UNSUBACK came
        self._last_message = 0.0
        self._left = 0
        self.status_file = status_file or status_path(cfg)
        self.fatal: str | None = None
        self.exit_code = EXIT_OK
        self.counts = Counts()
        self._cond = threading.Condition()
        # (generation, mid, qos, topic, payload, retained, dup)
        self._pending: list[tuple] = []
        self._max_pending = PENDING_BATCHES * max(1, int(cfg.ingest_batch_size))
        self._at_worker: dict[int, list[tuple[int, int, int]]] = {}  # batch id -> acks
        self._batch_ids = 0
        self._worker_of: dict[int, int] = {}  # batch id -> storing process index
        self._done: dict[int, dict] = {}  # committed, waiting for an earlier batch's acks
        self._next_ack = 1  # batches are acknowledged in the order they were cut
        self._ack_lock = threading.Lock()
        self._generation = 0  # bumped on every (dis)connect: older acks are never sent
        self._connected = False
        self._connects = 0
        self._stop = threading.Event()
        self._stopping = False
        self._started_at = time.time()
        self._last_commit: float | None = None
        self._clearing: set[str] = set()  # weigh-in topics whose retained copy we deleted
        self._db_error: tuple[float, str] | None = None
        self._workers: list = []  # (process, inbox, outbox) of each storing process
        self._turn = None  # ingest.worker.CommitTurn shared with the storing processes
        self._load: list[int] = []  # batches at each storing process
        self.client: mqtt.Client | None = None

    # --- lifecycle ---------------------------------------------------------------------
    def run(self) -> int:
        """Run until stopped (SIGTERM, Ctrl-C, stop()) or a fatal error; return an exit code."""
        self._start_worker()
        self.client = self._make_client()
        self.client.connect_async(self.cfg.mqtt_host, int(self.cfg.mqtt_port), keepalive=30)
        self.client.loop_start()
        threads = [threading.Thread(target=self._guard(self._dispatch_loop), name="dispatch",
                                    daemon=True),
                   threading.Thread(target=self._guard(self._receive_loop), name="receive",
                                    daemon=True)]
        for thread in threads:
            thread.start()
        self._install_signals()
        log.info("ingest %s started (pid %d), broker %s:%s, batches of at most %d",
                 self.cfg.ingest_client_id, os.getpid(), self.cfg.mqtt_host,
                 self.cfg.mqtt_port, self.cfg.ingest_batch_size)
        retired = False
        try:
            while not self._stop.wait(STATUS_EVERY_S):
                self._write_status()
                if self.retire and self._drained():
                    retired = True
                    self._stop.set()
                    break
        finally:
            self._shutdown()
        if retired and not self._left:
            self._forget_session()
        return self.exit_code

    def stop(self) -> None:
        """Ask the service to finish the batches in hand, acknowledge them and stop."""
        self._stop.set()

    def _fail(self, reason: str, code: int = EXIT_FAILURE) -> None:
        if self.fatal is None:
            self.fatal, self.exit_code = reason, code
            log.error("stopping: %s", reason)
        self._stop.set()

    def _start_worker(self) -> None:
        from ingest.worker import CommitTurn, worker_main

        ctx = mp.get_context("spawn")  # never fork a process that has threads
        turn = self._turn = CommitTurn(ctx)
        for index in range(max(1, int(self.cfg.ingest_processes))):
            inbox_r, inbox = ctx.Pipe(duplex=False)
            outbox, outbox_w = ctx.Pipe(duplex=False)
            process = ctx.Process(target=worker_main, args=(self.cfg, inbox_r, outbox_w, turn),
                                  name=f"zw-ingest-store-{index + 1}", daemon=True)
            process.start()
            inbox_r.close()
            outbox_w.close()
            self._workers.append((process, inbox, outbox))
            self._load.append(0)
        for process, _, outbox in self._workers:
            if not outbox.poll(WORKER_START_TIMEOUT_S):
                raise RuntimeError(f"the storing process {process.name} did not start")
            outbox.recv()  # ("ready",)

    def _workers_alive(self) -> bool:
        return all(process.is_alive() for process, _, _ in self._workers)

    def _shutdown(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        with self._cond:  # let the batches in hand be committed and acknowledged
            while self._at_worker and self._workers_alive() and time.monotonic() < deadline:
                self._cond.wait(0.1)
        left = len(self._pending) + sum(len(b) for b in self._at_worker.values())
        self._left = left
        if left:
            log.info("%d messages left unacknowledged: the broker keeps them for next time",
                     left)
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()
        # Storing processes waiting for a turn that will not come (one of them died) or
        # retrying a database that is away stop on `halt`; "stop" goes through their pipes
        # from a thread, as a pipe still full of a batch would block this one.
        self._turn.halt.set()

        def say_stop():
            for _, inbox, _ in self._workers:
                try:
                    inbox.send(("stop",))
                except OSError:
                    pass
        threading.Thread(target=say_stop, name="stop-workers", daemon=True).start()
        for process, _, _ in self._workers:
            process.join(10)
            if process.is_alive():  # SIGKILL: storing processes ignore SIGTERM (worker_main),
                process.kill()      # and what they hold is unacknowledged, so redelivered
                process.join(5)
        self._write_status(running=False)
        log.info("ingest stopped: %s", asdict(self.counts))

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop())

    def _guard(self, loop):
        def run():
            try:
                loop()
            except Exception:
                log.exception("%s thread crashed", threading.current_thread().name)
                self._fail(f"{threading.current_thread().name} thread crashed")
        return run

    # --- MQTT ----------------------------------------------------------------------------
    def _make_client(self) -> mqtt.Client:
        client = new_client(self.cfg.ingest_client_id, username=self.cfg.mqtt_username,
                            password=self.cfg.mqtt_password, tls=self.cfg.mqtt_tls,
                            clean_session=False, reconnect=(RECONNECT_MIN_S, RECONNECT_MAX_S))
        client.manual_ack_set(True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
        client.on_message = self._on_message
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        try:
            if reason_code.is_failure:
                if fatal_reason(reason_code):  # the one policy of every MQTT client
                    self._fail(f"the broker refused the ingest's credentials "
                               f"({self.cfg.mqtt_username}): {fatal_reason(reason_code)}"
                               f" ({reason_code})",
                               EXIT_BAD_CREDENTIALS)
                    client.disconnect()
                else:
                    log.warning("broker refused the connection: %s", reason_code)
                return
            with self._ack_lock:
                self._generation += 1
                self._connected = True
                self._connects += 1
            log.info("connected to %s:%s (session present: %s)", self.cfg.mqtt_host,
                     self.cfg.mqtt_port, flags.session_present)
            if self.retire and not flags.session_present:
                log.warning("retiring %s: the broker holds no session for this client id",
                            self.cfg.ingest_client_id)
            if self.retire:  # no new messages for this session; what it holds still comes
                # Plain filters too: a single ingest that joins a group retires its old session.
                client.unsubscribe(subscriptions() + subscriptions(self.cfg.ingest_group))
            else:
                client.subscribe([(topic, SUBSCRIBE_QOS)
                                  for topic in subscriptions(self.cfg.ingest_group)])
        except Exception:
            log.exception("on_connect failed")

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        try:
            if any(rc.is_failure for rc in reason_codes):
                self._fail(f"the broker refused the subscriptions: {reason_codes}")
        except Exception:
            log.exception("on_subscribe failed")

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties):
        try:
            if self._unsubscribed_at is None:
                log.info("retiring %s: unsubscribed from group %s; storing what its session "
                         "still holds", self.cfg.ingest_client_id, self.cfg.ingest_group)
            self._unsubscribed_at = time.monotonic()
        except Exception:
            log.exception("on_unsubscribe failed")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        try:
            with self._ack_lock:
                self._generation += 1
                self._connected = False
            if not self._stop.is_set():
                log.warning("disconnected from the broker (%s); reconnecting", reason_code)
        except Exception:
            log.exception("on_disconnect failed")

    def _on_message(self, client, userdata, message):
        try:
            payload = self._retained_weighin(client, message)
            item = (self._generation, message.mid, message.qos, message.topic,
                    payload, bool(message.retain), bool(message.dup))
            self._last_message = time.monotonic()
            with self._cond:
                if len(self._pending) >= self._max_pending:  # backpressure, see above
                    self._cond.wait_for(lambda: len(self._pending) < self._max_pending
                                        or self._stopping, PENDING_WAIT_S)
                self._pending.append(item)
                if len(self._pending) == 1:
                    self._cond.notify()
                elif len(self._pending) >= self.cfg.ingest_batch_size:
                    self._cond.notify()
        except Exception:  # e.g. a topic that is not UTF-8: left unacknowledged, logged
            log.exception("message %s could not be queued", getattr(message, "mid", "?"))

    def _retained_weighin(self, client, message):
        """The payload to store; None for the echo of our own deletion of a retained weigh-in.

        A weigh-in from the retained store is deleted from it here (and refused by the
        storing process); the deletion, an empty message, comes back to us once."""
        topic, payload = message.topic, message.payload
        if not payload and topic in self._clearing:
            self._clearing.discard(topic)
            return None
        if message.retain and payload and split_topic(topic)[1] == WEIGHIN_LEAF:
            self._clearing.add(topic)
            client.publish(topic, b"", qos=SUBSCRIBE_QOS, retain=True)
            log.warning("retained weigh-in on %s refused and deleted from the broker", topic)
        return payload

    # --- batches -------------------------------------------------------------------------
    def _dispatch_loop(self) -> None:
        """Cut a batch of what is pending when a storing process is idle (it has committed
        all it was given), or when a full batch is pending and one holds fewer than
        BATCHES_AT_WORKER; never on a timer. So at any rate each batch holds what arrived
        while the previous ones were being stored (group commit): a lone reading goes at once,
        and readings arriving during a commit go together right after it, instead of waiting
        for a window or being cut into a second batch that waits behind the first anyway."""
        size = max(1, int(self.cfg.ingest_batch_size))
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    if self._pending and (min(self._load) == 0 or (
                            len(self._pending) >= size
                            and min(self._load) < BATCHES_AT_WORKER)):
                        break
                    self._cond.wait(0.5)
                batch, self._pending = self._pending[:size], self._pending[size:]
                self._cond.notify_all()  # wakes on_message if it was holding back
                self._batch_ids += 1
                batch_id = self._batch_ids
                self._at_worker[batch_id] = [(gen, mid, qos) for gen, mid, qos, *_ in batch]
                index = self._load.index(min(self._load))  # the least busy storing process
                self._load[index] += 1
                self._worker_of[batch_id] = index
            process, inbox, _ = self._workers[index]
            try:
                inbox.send(("batch", batch_id, [(t, p, r, d) for *_, t, p, r, d in batch]))
            except OSError:  # BrokenPipeError: it is gone (the receiver may say so too)
                self._fail(f"a storing process died ({process.name}, exit code "
                           f"{process.exitcode})")
                return

    def _receive_loop(self) -> None:
        outboxes = [outbox for _, _, outbox in self._workers]
        while True:
            for outbox in mpc.wait(outboxes):
                try:
                    message = outbox.recv()
                except (EOFError, OSError):
                    if not self._stopping:
                        self._fail("a storing process died")
                    return
                if message[0] == "retry":
                    _, batch_id, attempt, error = message
                    if self._db_error is None:
                        self._db_error = (time.time(), error)
                    continue
                _, batch_id, counts = message
                acks = []
                with self._cond:
                    self._load[self._worker_of.pop(batch_id)] -= 1
                    self._done[batch_id] = counts
                    # Commits happen in batch order; acknowledge in that order too.
                    while self._next_ack in self._done:
                        counts = self._done.pop(self._next_ack)
                        acks += self._at_worker.pop(self._next_ack)
                        self.counts.add(Counts(**counts))
                        self._next_ack += 1
                    self._last_commit = time.time()
                    self._db_error = None
                    self._cond.notify_all()
                self._acknowledge(acks)

    def _acknowledge(self, acks) -> None:
        """PUBACK each committed message, unless it came over an earlier connection."""
        with self._ack_lock:
            current = self._generation if self._connected else None
            for generation, mid, qos in acks:
                if generation == current and qos:
                    self.client.ack(mid, qos)

    # --- retiring -----------------------------------------------------------------------
    def _drained(self) -> bool:
        """Retiring: unsubscribed, connected, nothing held, nothing arrived for a while."""
        if self._unsubscribed_at is None or not self._connected:
            return False
        with self._cond:
            if self._pending or self._at_worker:
                return False
        quiet_since = max(self._unsubscribed_at, self._last_message)
        return time.monotonic() - quiet_since >= RETIRE_QUIET_S

    def _forget_session(self) -> None:
        """Connect once with a clean session: the broker drops the (now empty) session."""
        client = new_client(self.cfg.ingest_client_id, username=self.cfg.mqtt_username,
                            password=self.cfg.mqtt_password, tls=self.cfg.mqtt_tls)
        connected = threading.Event()
        client.on_connect = lambda *args: connected.set()
        try:
            client.connect(self.cfg.mqtt_host, int(self.cfg.mqtt_port), keepalive=10)
            client.loop_start()
            if connected.wait(10):
                log.info("retired %s: its session is cleared", self.cfg.ingest_client_id)
            else:
                log.warning("retired %s, but its session could not be cleared (no CONNACK)",
                            self.cfg.ingest_client_id)
            client.disconnect()
        except OSError as exc:
            log.warning("retired %s, but its session could not be cleared: %s",
                        self.cfg.ingest_client_id, exc)
        finally:
            client.loop_stop()

    # --- report --------------------------------------------------------------------------
    def report(self, running: bool = True) -> dict:
        """The health report written to the status file."""
        with self._cond:
            at_worker = sum(len(b) for b in self._at_worker.values())
            pending = len(self._pending)
            counts = asdict(self.counts)
        iso = (lambda t: None if t is None else
               time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t)))
        return {"running": running, "pid": os.getpid(), "client_id": self.cfg.ingest_client_id,
                "broker": f"{self.cfg.mqtt_host}:{self.cfg.mqtt_port}",
                "connected": self._connected and running, "reconnects": max(0, self._connects - 1),
                "queue": pending + at_worker, "pending": pending, "at_worker": at_worker,
                **counts, "last_commit": iso(self._last_commit),
                "database_error": self._db_error and self._db_error[1],
                "database_error_since": self._db_error and iso(self._db_error[0]),
                "fatal": self.fatal, "retiring": self.retire,
                "started_at": iso(self._started_at),
                "updated_unix": time.time()}

    def _write_status(self, running: bool = True) -> None:
        try:
            write_status(self.status_file, self.report(running))
        except Exception:
            log.exception("cannot write the status file %s", self.status_file)


def run_ingest(cfg, *, retire: bool = False) -> int:
    """Configure logging and run the ingest in this process until stopped; the exit code.

    retire: leave the shared subscription group for good (see the module docstring); only
    with ZW_INGEST_GROUP set, while another worker of the group keeps running.
    """
    from ingest.logs import configure

    configure(cfg)
    if retire and not cfg.ingest_group:
        log.error("--retire needs ZW_INGEST_GROUP: without a group it would unsubscribe the "
                  "only ingest and the broker would drop every reading from then on")
        return EXIT_FAILURE
    return IngestService(cfg, retire=retire).run()

"""Benchmark of the MQTT ingest (not a test): backlog drain rates side by side, then latency.

    python bench/ingest.py [--readings 100000] [--households 1000] [--naive-seconds 15]
                           [--database-url URL] [--keep-database]

1. Starts the project's mosquitto (mosquitto.conf, free port, temporary folder) and a fresh
   database (SQLite in the temporary folder; with --database-url of a PostgreSQL server, a
   scratch database made on it and dropped at the end, bench.scratch), with an edition
   started last month or earlier and --households households, each with its own paired
   scale (a household weighs a few bins a day: the readings are spread over them).
   `--households 1` is the old, pathological shape: one household with 10 scales, every
   reading in one or two of its monthly cells.
2. Registers three persistent sessions (clean session off) subscribed at QoS 1, then publishes
   N canonical readings, each scale's N / scales dated a few a day up to now (at least 3 a
   day, all within the last 30 days: inside the edition, under the ingest's readings-per-hour
   limit): each session now holds the same backlog of N readings.
3. Drains it with (a) a raw paho subscriber that only counts, (b) a naive subscriber that
   validates and commits each reading through record_weighin (one transaction per reading,
   run for --naive-seconds: its rate is what it committed in that time), and (c) `zw ingest`
   as a subprocess (rate: from its first committed batch to the last), with one storing
   process and then with --processes of them (ZW_INGEST_PROCESSES, default the config's),
   each from its own session's backlog.
4. With the ingest caught up, publishes lone readings (--lone-rate, 5/s, for --lone-seconds)
   then at a steady 500 readings/s for --steady-seconds (from up to STEADY_SCALES scales in
   turn) and measures each reading's delay
   from publish to visible in the database (the bench polls the table every 5 ms, so delays
   are over-estimated by up to that much; a reading committed after a higher seq, which two
   storing processes do, is asked for by name every other poll: up to 10 ms for those).
Prints readings/s of each, the ratios, and the delay percentiles.

CPU per reading: during (c) the bench reads, in /proc, the CPU time of the ingest's processes,
of mosquitto and (PostgreSQL on this machine) of the server's backends serving the scratch
database and of the server's own processes (WAL writer, checkpointer, ...: "postgresql server
processes"; other databases' autovacuum included), and prints each per reading: what the
readings cost the two cores, wherever it is spent (run as root or as the server's user to
see the backends).

--before PATH: the drain (c0, from a session of its own) and the steady phase also run the
ingest of another checkout (e.g. `git archive <commit> | tar -x -C /tmp/zw-before`) first,
on the same database and broker, so the rates and delays before and after a change are
measured in one run. Indexes the other checkout's migrations do not
have are dropped for its turn and made again after it (--before-drop-index NAME, repeated).

--pin-postgres: PostgreSQL on its own core, all of it. The server's processes (the
postmaster and all its children: every database's backends, the WAL writer, the
checkpointer, ...) are pinned to the last core and this bench and everything it starts
(mosquitto, the publishers, the raw and naive subscribers, the ingest) to the others, as
`taskset -a -cp 1 <pid>` for each server process and `taskset -c 0 python bench/ingest.py`
would; the server goes back to its cores at the end, also on an error (sched_setaffinity:
root). Other work on the machine is not moved.

--pin: the older, narrower form: only the server's backends serving the scratch database
are pinned to the last core, and everything else of the run (this process, mosquitto, the
ingest and its storing processes) to the others (sched_setaffinity: root). Other work on the
machine is not moved.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as mqtt  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from tracker.adapters.broker import free_port, prepare_broker  # noqa: E402
from tracker.adapters.dynsec import DynsecClient  # noqa: E402
from tracker import services  # noqa: E402
from tracker.config import Config  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import Device, WeighIn  # noqa: E402
from tracker.schemas import reading as reading_schema  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

INGEST_ID = "zw-ingest-bench"
INGEST_ONE_ID = "zw-ingest-bench-one"
INGEST_BEFORE_ID = "zw-ingest-bench-before"
#: scales of the old shape (--households 1): all paired with its one household
SCALES_OF_ONE = 10
#: scales publishing in turn in the steady phases (each its own connection)
STEADY_SCALES = 20
#: readings per scale and day, at least (spread over at most SPREAD_DAYS days up to now)
PER_DAY = 3
SPREAD_DAYS = 30


def client(client_id, user, password, clean=False):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                    clean_session=clean, protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    return c


def register_session(port, client_id, user, password):
    """Connect once with clean session off and subscribe, so the broker queues for us."""
    done = threading.Event()
    c = client(client_id, user, password)
    c.on_connect = lambda cl, *_: cl.subscribe("zw/scales/+/weighin", 1)
    c.on_subscribe = lambda *_: done.set()
    c.connect("127.0.0.1", port)
    c.loop_start()
    assert done.wait(10), "no SUBACK"
    c.disconnect()
    c.loop_stop()


def reading_times(per: int, now: dt.datetime) -> list[str]:
    """When a scale's `per` readings were weighed: PER_DAY a day or more (all within
    SPREAD_DAYS), the last one now, in order."""
    step = dt.timedelta(days=1) / max(PER_DAY, -(-per // SPREAD_DAYS))
    return [(now - (per - s) * step).isoformat() for s in range(1, per + 1)]


def publish_backlog(port, scales, total, now, parallel=32):
    """N canonical readings over the scales, with mosquitto_pub -l (fast, in C; `parallel`
    of them at a time)."""
    per = total // len(scales)
    times = reading_times(per, now)
    running = []
    for i, (device_id, secret) in enumerate(scales):
        lines = b"\n".join(json.dumps({"seq": s, "ts": times[s - 1], "weight_g": 300 + s % 900},
                                      separators=(",", ":")).encode()
                           for s in range(1, per + 1)) + b"\n"
        p = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-u",
                              device_id, "-P", secret, "-i", device_id, "-q", "1",
                              "-M", "200", "-l", "-t", f"zw/scales/{device_id}/weighin"],
                             stdin=subprocess.PIPE)
        p.stdin.write(lines)
        p.stdin.close()
        running.append(p)
        if len(running) >= parallel:
            assert running.pop(0).wait() == 0
    for p in running:
        assert p.wait() == 0
    return per * len(scales)


def drain_raw(port, user, password, total):
    """(a) count only; auto-acknowledged by paho."""
    count, done, started = [0], threading.Event(), [0.0]

    def on_message(cl, userdata, msg):
        count[0] += 1
        if count[0] >= total:
            done.set()
    c = client("bench-raw", user, password)
    c.on_connect = lambda *_: started.__setitem__(0, time.perf_counter())
    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.loop_start()
    done.wait(600)
    elapsed = time.perf_counter() - started[0]
    c.disconnect()
    c.loop_stop()
    return count[0] / elapsed


def drain_naive(port, user, password, db, seconds):
    """(b) decode, validate and commit each reading on its own (the web form's path)."""
    count, started, devices = [0], [0.0], {}

    def on_message(cl, userdata, msg):
        device_id = msg.topic.split("/")[2]
        data = reading_schema.load(json.loads(msg.payload))
        with db.session() as s:
            device = devices.get(device_id) or s.get(Device, device_id)
            devices[device_id] = device
            device = s.merge(device, load=False)
            services.record_weighin(s, device.household, stream=data["stream"] or device.stream,
                                    weight_g=data["weight_g"], measured_at=data["ts"],
                                    source="scale", device=device, seq=data["seq"])
        count[0] += 1
    c = client("bench-naive", user, password)
    c.on_connect = lambda *_: started.__setitem__(0, time.perf_counter())
    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.loop_start()
    time.sleep(seconds)
    c.disconnect()
    c.loop_stop()
    elapsed = time.perf_counter() - started[0]
    with db.session() as s:  # leave the table empty for the ingest
        s.query(WeighIn).delete()
    return count[0] / elapsed


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    """pid and its descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text()
                                          .rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += [child for child, parent in parents.items() if parent == current]
    return found


def backends(database: str, exclude=()) -> list[int]:
    """The PostgreSQL server's backends (on this machine) serving `database`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude:
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(b"postgres: ") and f" {database} ".encode() in cmdline:
            found.append(int(entry))
    return found


class CpuMeter:
    """CPU seconds of named groups of processes between start() and stop()."""

    def __init__(self, groups):
        self.groups = groups  # name -> callable returning pids
        self.seen: dict[int, float] = {}
        self.start_cpu: dict[int, float] = {}

    def start(self):
        for find in self.groups.values():
            for pid in find():
                self.start_cpu[pid] = cpu_seconds(pid)

    def stop(self) -> dict[str, float]:
        used = {}
        for name, find in self.groups.items():
            used[name] = sum(cpu_seconds(pid) - self.start_cpu.get(pid, 0.0) for pid in find())
        return used


class Pinner(threading.Thread):
    """--pin: the scratch database's backends on the last core, our processes on the others
    (new backends and storing processes appear as the ingest starts: looked for 5 times a
    second)."""

    def __init__(self, database: str, ours):
        super().__init__(daemon=True)
        self.database, self.ours = database, ours
        last = os.cpu_count() - 1
        self.server_cpus, self.other_cpus = {last}, set(range(last)) or {last}
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for pid in backends(self.database):
                self._pin(pid, self.server_cpus)
            for pid in self.ours():
                self._pin(pid, self.other_cpus)
            self.halt.wait(0.2)

    @staticmethod
    def _pin(pid, cpus):
        try:
            tasks = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            return
        for task in tasks:  # every thread: a thread started before the pin keeps its own
            try:
                if os.sched_getaffinity(task) != cpus:
                    os.sched_setaffinity(task, cpus)
            except OSError:
                pass


def postmaster() -> int | None:
    """The PostgreSQL server's main process on this machine (`postgres -D ...`), if any."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"/postgres") and b"-D" in args:
            return int(entry)
    return None


def server_processes() -> list[int]:
    """The server's processes that serve no client: the postmaster, the checkpointer, the
    background and WAL writers, autovacuum, ... (client backends are `backends`)."""
    main = postmaster()
    if main is None:
        return []
    found = [main]
    for pid in children(main)[1:]:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if not (b"(" in cmdline and b")" in cmdline) and b"[local]" not in cmdline:
            found.append(pid)
    return found


class ServerPin:
    """--pin-postgres: the whole PostgreSQL server (the postmaster and every process it has:
    backends of every database, WAL writer, checkpointer, ...) on the last core, this bench
    and everything it starts (mosquitto, publishers, the raw and naive subscribers, the
    ingest and its storing processes) on the others; undone on exit (`restore`, in a
    finally), the server's processes then on the cores the postmaster had. Backends started
    meanwhile inherit the postmaster's cores (fork)."""

    def __init__(self):
        self.main = postmaster()
        if self.main is None:
            sys.exit("--pin-postgres: no PostgreSQL server (postgres -D ...) on this machine")
        last = os.cpu_count() - 1
        self.server_cpus, self.other_cpus = {last}, set(range(last)) or {last}
        self.server_before = os.sched_getaffinity(self.main)
        self.ours_before = os.sched_getaffinity(0)

    def apply(self) -> int:
        pids = children(self.main)
        for pid in pids:
            Pinner._pin(pid, self.server_cpus)
        Pinner._pin(os.getpid(), self.other_cpus)
        return len(pids)

    def restore(self) -> None:
        for pid in children(self.main):
            Pinner._pin(pid, self.server_before)
        Pinner._pin(os.getpid(), self.ours_before)


def count_rows(db):
    """Rows in the table, from the smallest and largest ids (two index lookups): COUNT(*)
    scans the table, and on 100,000 rows 20 times a second that took a tenth of a core from
    the ingest being measured. The table holds only the run's rows (emptied before each), and
    with no duplicates their ids follow each other."""
    with db.session() as s:
        low, high = s.execute(select(func.min(WeighIn.id), func.max(WeighIn.id))).one()
    return 0 if high is None else high - low + 1


def start_ingest(env, instance, root=ROOT):
    log = open(instance / "ingest.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "tracker.entry", "ingest"], cwd=root,
                            env={**env, "PYTHONPATH": str(root)}, stdout=log,
                            stderr=subprocess.STDOUT)
    return proc


def drain_ingest(env, instance, db, total, meter_for=None, root=ROOT):
    """(c) zw ingest: rows committed per second, from its first committed batch to the last.

    Timed between two observations of the table (the rows already there at the first one are
    left out), so neither the process start nor the status file's once-a-second report counts.
    """
    proc = start_ingest(env, instance, root)
    first, meter = None, None
    while True:
        rows = count_rows(db)
        now = time.perf_counter()
        if first is None and rows:
            first = (now, rows)
            if meter_for:
                meter = meter_for(proc)
                meter.start()
        if rows >= total:
            break
        if proc.poll() is not None:
            sys.exit("ingest died:\n" + (instance / "ingest.log").read_text())
        time.sleep(0.05)  # counting is not free: look 20 times a second, not more
    if first[1] >= total:
        sys.exit(f"the ingest stored all {total} readings before the first look at the table: "
                 "the backlog is too small to time (use --readings 20000 or more)")
    used = meter.stop() if meter else {}
    return proc, (total - first[1]) / (now - first[0]), {
        name: seconds / (total - first[1]) for name, seconds in used.items()}


def wait_connected(instance: Path, client_id: str, proc, timeout=300) -> None:
    """Until the ingest's status file says it is connected (its session is subscribed)."""
    path = instance / f"ingest-status-{client_id}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("ingest died:\n" + (instance / "ingest.log").read_text()[-3000:])
        try:
            status = json.loads(path.read_text())
            if status.get("connected") and status.get("pid") == proc.pid:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    sys.exit(f"the ingest (pid {proc.pid}) did not connect within {timeout}s; its status "
             f"file: {path.read_text() if path.exists() else 'none'}")


def stop(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)


def steady_delay(port, scales, db, rate, seconds, first_seq=10_000_000):
    """Publish at `rate` readings/s from STEADY_SCALES scales in turn (seqs unique across
    them); return publish-to-visible delays in ms."""
    publishers = []
    for device_id, secret in scales[:STEADY_SCALES]:
        c = client(device_id, device_id, secret, clean=True)  # a scale connects as itself
        c.max_inflight_messages_set(1000)
        c.connect("127.0.0.1", port)
        c.loop_start()
        publishers.append((device_id, c))
    devices = [device_id for device_id, _ in publishers]
    sent: dict[int, float] = {}
    seen: dict[int, float] = {}
    unseen: set[int] = set()  # sent, not seen yet (a few hundred in flight at most)
    stop = threading.Event()

    def watch():
        # Two storing processes commit out of seq order: a reading below the highest seq seen
        # may become visible later. Those (few) are asked for by name until they are seen; the
        # watermark alone missed them (counted "not seen", and their delays, the longest, lost).
        last, polls = first_seq - 1, 0
        while not stop.is_set() or len(seen) < len(sent):
            behind = [q for q in list(unseen) if q < last] if polls % 2 == 0 else []
            with db.session() as s:
                rows = s.scalars(select(WeighIn.seq).where(WeighIn.device_id.in_(devices),
                                                           WeighIn.seq > last)).all()
                if behind:
                    rows += s.scalars(select(WeighIn.seq).where(
                        WeighIn.device_id.in_(devices), WeighIn.seq.in_(behind))).all()
            now = time.perf_counter()
            polls += 1
            for seq in rows:
                seen.setdefault(seq, now)
                unseen.discard(seq)
                last = max(last, seq)
            if stop.is_set() and time.perf_counter() - stop_at[0] > 30:
                break
            time.sleep(0.005)
    stop_at = [0.0]
    watcher = threading.Thread(target=watch)
    watcher.start()
    n = int(rate * seconds)
    t0 = time.perf_counter()
    for i in range(n):
        target = t0 + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        seq = first_seq + i
        payload = json.dumps({"seq": seq, "ts": dt.datetime.now(dt.timezone.utc).isoformat(),
                              "weight_g": 400 + i % 300})
        device_id, c = publishers[i % len(publishers)]
        sent[seq] = time.perf_counter()
        unseen.add(seq)
        c.publish(f"zw/scales/{device_id}/weighin", payload, qos=1)
    stop_at[0] = time.perf_counter()
    stop.set()
    watcher.join()
    for _device_id, c in publishers:
        c.disconnect()
        c.loop_stop()
    return [(seen[s] - sent[s]) * 1000 for s in sent if s in seen], len(sent) - len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--households", type=int, default=1000,
                        help="households, each with its own scale (1: the old shape, one "
                             f"household with {SCALES_OF_ONE} scales)")
    parser.add_argument("--naive-seconds", type=float, default=15)
    parser.add_argument("--steady-rate", type=float, default=500)
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument("--lone-rate", type=float, default=5,
                        help="the low rate (lone readings) measured before the steady one")
    parser.add_argument("--lone-seconds", type=float, default=6)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="ZW_INGEST_BATCH_SIZE for the ingest (default: the config's)")
    parser.add_argument("--processes", type=int, default=Config.ingest_processes,
                        help="ZW_INGEST_PROCESSES for (c) (default: the config's, %(default)s)")
    parser.add_argument("--no-one-process", action="store_true",
                        help="skip the run with a single storing process")
    parser.add_argument("--before", type=Path, default=None,
                        help="a checkout whose ingest's steady delays are measured first")
    parser.add_argument("--before-drop-index", action="append", default=[],
                        help="an index dropped for the --before checkout's turn")
    parser.add_argument("--pin", action="store_true",
                        help="PostgreSQL's backends on the last core, the rest on the others")
    parser.add_argument("--pin-postgres", action="store_true",
                        help="the whole PostgreSQL server on the last core, this bench and "
                             "all it starts on the others (restored at the end; root)")
    parser.add_argument("--keep-database", action="store_true",
                        help="PostgreSQL: keep the scratch database made for the run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="zw-bench-"))
    instance = work / "instance"
    instance.mkdir()
    with scratch_database(args.database_url or f"sqlite:///{work / 'bench.sqlite3'}",
                          keep=args.keep_database) as url:
        run(args, instance, work, url)


def run(args, instance: Path, work: Path, url: str) -> None:
    upgrade(url)
    db = Database(url, connect_args={"application_name": "zw-bench"}
                  if url.startswith("postgresql") else {})
    database = url.rsplit("/", 1)[1].split("?", 1)[0] if url.startswith("postgresql") else None
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    # the edition started before the oldest reading (SPREAD_DAYS ago), on a first of month
    start = (now.date() - dt.timedelta(days=SPREAD_DAYS + 2)).replace(day=1)
    count = max(args.households, SCALES_OF_ONE if args.households == 1 else 1)
    secret = "bench-scale-secret"  # one for all: a scale's hash costs tens of ms to make
    with db.session() as s:
        edition = services.create_edition(s, slug=f"bench-{os.getpid()}", name="Bench",
                                          start=start)
        homes = [services.create_household(s, edition, name=f"Bench {i}", persons=1 + i % 5)
                 for i in range(args.households)]
        hashed = generate_password_hash(secret)
        s.add_all(Device(id=f"bench-{i:04d}", household=homes[i % len(homes)],
                         stream="residual", firmware="canonical", label="",
                         secret_hash=hashed) for i in range(count))
    scales = [(f"bench-{i:04d}", secret) for i in range(count)]

    port = free_port()
    admin_pw, ingest_pw = "bench-admin", "bench-ingest"
    broker = prepare_broker(work / "broker", port, admin_user="zw-admin",
                            admin_password=admin_pw, ingest_user="zw-ingest",
                            ingest_password=ingest_pw).start()
    ingest_proc = None

    def bench_backends():
        with db.session() as s:
            return set(s.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = "
                                      "current_database() AND application_name = 'zw-bench'")))

    def meter_for(proc):
        groups = {"ingest network process": lambda: [proc.pid],
                  "storing processes": lambda: children(proc.pid)[1:],
                  "mosquitto": lambda: [broker.pid]}
        if database:
            groups["postgresql"] = lambda: backends(database, exclude=bench_backends())
            # the server's own processes (WAL writer, checkpointer, ...): what the ingest's
            # commits cost beyond its backends
            groups["postgresql server processes"] = server_processes
        return CpuMeter(groups)

    pinner = server_pin = None
    if args.pin_postgres and database:
        server_pin = ServerPin()
        print(f"--pin-postgres: the PostgreSQL server's {server_pin.apply()} processes on "
              f"CPU {sorted(server_pin.server_cpus)}, this bench and what it starts on CPU "
              f"{sorted(server_pin.other_cpus)}")
    if args.pin and database:
        pinner = Pinner(database, lambda: children(os.getpid()))
        pinner.start()
    try:
        with DynsecClient("127.0.0.1", port, "zw-admin", admin_pw) as admin:
            admin.add_scales(dict(scales))
        sessions = ["bench-raw", "bench-naive", INGEST_ID]
        if not args.no_one_process:
            sessions.append(INGEST_ONE_ID)
        if args.before:
            sessions.append(INGEST_BEFORE_ID)
        for cid in sessions:
            register_session(port, cid, "zw-ingest", ingest_pw)
        t = time.perf_counter()
        total = publish_backlog(port, scales, args.readings, now)
        print(f"backlog: {total} readings queued for {len(sessions)} sessions in "
              f"{time.perf_counter() - t:.1f}s (mosquitto_pub -l, {args.households} "
              f"households, {len(scales)} scales, {total // len(scales)} readings each over "
              f"{reading_times(total // len(scales), now)[0][:10]} .. {now.date()})")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

        raw = drain_raw(port, "zw-ingest", ingest_pw, total)
        print(f"(a) raw paho subscriber, counting only: {raw:10.0f} readings/s")
        naive = drain_naive(port, "zw-ingest", ingest_pw, db, args.naive_seconds)
        print(f"(b) naive subscriber, one commit each:  {naive:10.0f} readings/s "
              f"(over {args.naive_seconds:g}s)")
        env = {**os.environ, "ZW_DATABASE_URL": url, "ZW_INSTANCE_PATH": str(instance),
               "ZW_SECRET_KEY": "bench", "ZW_MQTT_HOST": "127.0.0.1", "ZW_MQTT_PORT": str(port),
               "ZW_MQTT_USERNAME": "zw-ingest", "ZW_MQTT_PASSWORD": ingest_pw,
               "ZW_INGEST_CLIENT_ID": INGEST_ID, "ZW_LOG_LEVEL": "WARNING"}
        if args.batch_size:
            env["ZW_INGEST_BATCH_SIZE"] = str(args.batch_size)
        if not args.no_one_process:
            one_proc, one, _ = drain_ingest({**env, "ZW_INGEST_CLIENT_ID": INGEST_ONE_ID,
                                             "ZW_INGEST_PROCESSES": "1"}, instance, db, total)
            one_proc.send_signal(signal.SIGTERM)
            one_proc.wait(60)
            with db.session() as s:  # leave the table empty for the next run
                s.query(WeighIn).delete()
            print(f"(c1) zw ingest, 1 storing process:     {one:10.0f} readings/s "
                  f"({one / raw:.2f}x raw)")
        env = {**env, "ZW_INGEST_PROCESSES": str(args.processes)}
        dropped = [index for index in WeighIn.__table__.indexes
                   if index.name in args.before_drop_index]

        def cpu_line(name, cpu):
            return (f"CPU per reading during {name}: " + ", ".join(
                f"{group} {seconds * 1e6:.0f} µs" for group, seconds in cpu.items())
                + f"; in all {sum(cpu.values()) * 1e6:.0f} µs, so {os.cpu_count()} cores "
                f"would store at most {os.cpu_count() / sum(cpu.values()):.0f} readings/s")
        if args.before:
            for index in dropped:
                index.drop(db.engine)
            before_proc, before, before_cpu = drain_ingest(
                {**env, "ZW_INGEST_CLIENT_ID": INGEST_BEFORE_ID}, instance, db, total,
                meter_for, root=args.before.resolve())
            stop(before_proc)
            with db.session() as s:  # leave the table empty for the next run
                s.query(WeighIn).delete()
            for index in dropped:
                index.create(db.engine)
            print(f"(c0) zw ingest of {args.before}, {args.processes} storing processes: "
                  f"{before:10.0f} readings/s ({before / raw:.2f}x raw)")
            print(cpu_line("(c0)", before_cpu))
        ingest_proc, ours, cpu = drain_ingest(env, instance, db, total, meter_for)
        print(f"(c) zw ingest, {args.processes} storing processes:    {ours:10.0f} readings/s")
        print(cpu_line("(c)", cpu))
        if args.before:
            print(f"(c) / (c0) = {ours / before:.2f}")
        print(f"ratios: zw ingest / raw = {ours / raw:.2f} (goal >= 0.5), "
              f"zw ingest / naive = {ours / naive:.1f} (goal >= 10)"
              + ("" if args.no_one_process else
                 f", {args.processes} processes / 1 = {ours / one:.2f}"))

        runs = []
        if args.before:
            stop(ingest_proc)
            for index in dropped:
                index.drop(db.engine)
            ingest_proc = start_ingest(env, instance, root=args.before.resolve())
            wait_connected(instance, INGEST_ID, ingest_proc)
            runs.append((f"{args.lone_rate:g} readings/s, before", steady_delay(
                port, scales, db, args.lone_rate, args.lone_seconds, 10_000_000)))
            runs.append((f"{args.steady_rate:g} readings/s, before", steady_delay(
                port, scales, db, args.steady_rate, args.steady_seconds, 11_000_000)))
            stop(ingest_proc)
            for index in dropped:
                index.create(db.engine)
            ingest_proc = start_ingest(env, instance)
            wait_connected(instance, INGEST_ID, ingest_proc)
        runs.append((f"{args.lone_rate:g} readings/s", steady_delay(
            port, scales, db, args.lone_rate, args.lone_seconds, 20_000_000)))
        runs.append((f"{args.steady_rate:g} readings/s", steady_delay(
            port, scales, db, args.steady_rate, args.steady_seconds, 21_000_000)))
        medians = {}
        for name, (delays, lost) in runs:
            delays.sort()
            q = statistics.quantiles(delays, n=100, method="inclusive")  # never above max
            medians[name] = (q[49], q[98])
            print(f"steady {name}: publish->commit p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms, "
                  f"max {delays[-1]:.0f} ms ({len(delays)} readings, {lost} not seen)")
        if args.before:
            for name in (f"{args.lone_rate:g} readings/s", f"{args.steady_rate:g} readings/s"):
                (p50, p99), (b50, b99) = medians[name], medians[f"{name}, before"]
                print(f"{name}: this checkout / before: p50 {p50 / b50:.2f}, "
                      f"p99 {p99 / b99:.2f}")
    finally:
        if pinner:
            pinner.halt.set()
        if server_pin:
            server_pin.restore()
            print(f"--pin-postgres: the server's processes back on CPU "
                  f"{sorted(server_pin.server_before)}")
        if ingest_proc and ingest_proc.poll() is None:
            ingest_proc.send_signal(signal.SIGTERM)
            ingest_proc.wait(60)
        broker.stop()
        db.dispose()


if __name__ == "__main__":
    main()

"""Benchmark of the MQTT ingest (not a test): backlog drain rates side by side, then latency.

    python bench/ingest.py [--readings 100000] [--naive-seconds 15] [--database-url URL]
                           [--keep-database]

1. Starts the project's mosquitto (mosquitto.conf, free port, temporary folder) and a fresh
   database (SQLite in the temporary folder; with --database-url of a PostgreSQL server, a
   scratch database made on it and dropped at the end, bench.scratch), with an edition, a
   household and 10 paired scales.
2. Registers three persistent sessions (clean session off) subscribed at QoS 1, then publishes
   N canonical readings: each session now holds the same backlog of N readings.
3. Drains it with (a) a raw paho subscriber that only counts, (b) a naive subscriber that
   validates and commits each reading through record_weighin (one transaction per reading,
   run for --naive-seconds: its rate is what it committed in that time), and (c) `zw ingest`
   as a subprocess (rate: from its first committed batch to the last), with one storing
   process and then with --processes of them (ZW_INGEST_PROCESSES, default the config's),
   each from its own session's backlog.
4. With the ingest caught up, publishes at a steady 500 readings/s for --steady-seconds and
   measures each reading's delay from publish to visible in the database (the bench polls the
   table every 5 ms, so delays are over-estimated by up to that much).
Prints readings/s of each, the ratios, and the delay percentiles.
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
from sqlalchemy import func, select  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from ingest.broker import free_port, prepare_broker  # noqa: E402
from ingest.dynsec import DynsecClient  # noqa: E402
from tracker import services  # noqa: E402
from tracker.config import Config  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import Device, WeighIn  # noqa: E402
from tracker.schemas import reading as reading_schema  # noqa: E402
from tracker.services.devices import provision_device  # noqa: E402

INGEST_ID = "zw-ingest-bench"
INGEST_ONE_ID = "zw-ingest-bench-one"
SCALES = 10


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


def publish_backlog(port, scales, total, ts):
    """N canonical readings over the scales, with mosquitto_pub -l (fast, in C)."""
    per = total // len(scales)
    procs = []
    for i, (device_id, secret) in enumerate(scales):
        lines = b"\n".join(json.dumps({"seq": s, "ts": ts, "weight_g": 300 + s % 900},
                                      separators=(",", ":")).encode()
                           for s in range(1, per + 1)) + b"\n"
        p = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-u",
                              device_id, "-P", secret, "-i", device_id, "-q", "1",
                              "-M", "200", "-l", "-t", f"zw/scales/{device_id}/weighin"],
                             stdin=subprocess.PIPE)
        p.stdin.write(lines)
        p.stdin.close()
        procs.append(p)
    for p in procs:
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


def count_rows(db):
    """Rows in the table, from the smallest and largest ids (two index lookups): COUNT(*)
    scans the table, and on 100,000 rows 20 times a second that took a tenth of a core from
    the ingest being measured. The table holds only the run's rows (emptied before each), and
    with no duplicates their ids follow each other."""
    with db.session() as s:
        low, high = s.execute(select(func.min(WeighIn.id), func.max(WeighIn.id))).one()
    return 0 if high is None else high - low + 1


def start_ingest(env, instance):
    log = open(instance / "ingest.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "tracker.entry", "ingest"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc


def drain_ingest(env, instance, db, total):
    """(c) zw ingest: rows committed per second, from its first committed batch to the last.

    Timed between two observations of the table (the rows already there at the first one are
    left out), so neither the process start nor the status file's once-a-second report counts.
    """
    proc = start_ingest(env, instance)
    first = None
    while True:
        rows = count_rows(db)
        now = time.perf_counter()
        if first is None and rows:
            first = (now, rows)
        if rows >= total:
            break
        if proc.poll() is not None:
            sys.exit("ingest died:\n" + (instance / "ingest.log").read_text())
        time.sleep(0.05)  # counting is not free: look 20 times a second, not more
    if first[1] >= total:
        sys.exit(f"the ingest stored all {total} readings before the first look at the table: "
                 "the backlog is too small to time (use --readings 20000 or more)")
    return proc, (total - first[1]) / (now - first[0])


def steady_delay(port, scales, db, rate, seconds):
    """Publish at `rate` readings/s; return publish-to-visible delays in ms."""
    device_id, secret = scales[0]
    c = client(device_id, device_id, secret, clean=True)  # a scale connects as itself
    c.max_inflight_messages_set(1000)
    c.connect("127.0.0.1", port)
    c.loop_start()
    sent: dict[int, float] = {}
    seen: dict[int, float] = {}
    first_seq = 10_000_000
    stop = threading.Event()

    def watch():
        last = first_seq - 1
        while not stop.is_set() or len(seen) < len(sent):
            with db.session() as s:
                rows = s.scalars(select(WeighIn.seq).where(WeighIn.device_id == device_id,
                                                           WeighIn.seq > last)).all()
            now = time.perf_counter()
            for seq in rows:
                seen.setdefault(seq, now)
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
        sent[seq] = time.perf_counter()
        c.publish(f"zw/scales/{device_id}/weighin", payload, qos=1)
    stop_at[0] = time.perf_counter()
    stop.set()
    watcher.join()
    c.disconnect()
    c.loop_stop()
    return [(seen[s] - sent[s]) * 1000 for s in sent if s in seen], len(sent) - len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--naive-seconds", type=float, default=15)
    parser.add_argument("--steady-rate", type=float, default=500)
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="ZW_INGEST_BATCH_SIZE for the ingest (default: the config's)")
    parser.add_argument("--processes", type=int, default=Config.ingest_processes,
                        help="ZW_INGEST_PROCESSES for (c) (default: the config's, %(default)s)")
    parser.add_argument("--no-one-process", action="store_true",
                        help="skip the run with a single storing process")
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
    db = Database(url)
    today = dt.date.today()
    scales = []
    with db.session() as s:
        edition = services.create_edition(s, slug=f"bench-{os.getpid()}", name="Bench",
                                          start=today.replace(day=1))
        home = services.create_household(s, edition, name="Bench", persons=3)
        for i in range(SCALES):
            device, secret = provision_device(s, home, device_id=f"bench-{i:02d}")
            scales.append((device.id, secret))
    ts = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()

    port = free_port()
    admin_pw, ingest_pw = "bench-admin", "bench-ingest"
    broker = prepare_broker(work / "broker", port, admin_user="zw-admin",
                            admin_password=admin_pw, ingest_user="zw-ingest",
                            ingest_password=ingest_pw).start()
    ingest_proc = None
    try:
        with DynsecClient("127.0.0.1", port, "zw-admin", admin_pw) as admin:
            for device_id, secret in scales:
                admin.add_scale(device_id, secret)
        sessions = ["bench-raw", "bench-naive", INGEST_ID]
        if not args.no_one_process:
            sessions.append(INGEST_ONE_ID)
        for cid in sessions:
            register_session(port, cid, "zw-ingest", ingest_pw)
        t = time.perf_counter()
        total = publish_backlog(port, scales, args.readings, ts)
        print(f"backlog: {total} readings queued for {len(sessions)} sessions in "
              f"{time.perf_counter() - t:.1f}s (mosquitto_pub -l, 10 scales)")
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
            one_proc, one = drain_ingest({**env, "ZW_INGEST_CLIENT_ID": INGEST_ONE_ID,
                                          "ZW_INGEST_PROCESSES": "1"}, instance, db, total)
            one_proc.send_signal(signal.SIGTERM)
            one_proc.wait(60)
            with db.session() as s:  # leave the table empty for the next run
                s.query(WeighIn).delete()
            print(f"(c1) zw ingest, 1 storing process:     {one:10.0f} readings/s "
                  f"({one / raw:.2f}x raw)")
        ingest_proc, ours = drain_ingest({**env, "ZW_INGEST_PROCESSES": str(args.processes)},
                                         instance, db, total)
        print(f"(c) zw ingest, {args.processes} storing processes:    {ours:10.0f} readings/s")
        print(f"ratios: zw ingest / raw = {ours / raw:.2f} (goal >= 0.5), "
              f"zw ingest / naive = {ours / naive:.1f} (goal >= 10)"
              + ("" if args.no_one_process else
                 f", {args.processes} processes / 1 = {ours / one:.2f}"))

        delays, lost = steady_delay(port, scales, db, args.steady_rate, args.steady_seconds)
        delays.sort()
        q = statistics.quantiles(delays, n=100)
        print(f"steady {args.steady_rate:g} readings/s for {args.steady_seconds:g}s: "
              f"publish->commit p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms, "
              f"max {delays[-1]:.0f} ms ({len(delays)} readings, {lost} not seen)")
    finally:
        if ingest_proc and ingest_proc.poll() is None:
            ingest_proc.send_signal(signal.SIGTERM)
            ingest_proc.wait(60)
        broker.stop()
        db.dispose()


if __name__ == "__main__":
    main()

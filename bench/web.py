"""Benchmark of the web app under gunicorn (not a test): phones posting weigh-ins and reading
their progress, against a trivial endpoint on the same server in the same run.

    python bench/web.py [--phones 20] [--duration 20] [--paced-duration 60] [--workers 2]
                        [--threads 4] [--households 60] [--think 2] [--database-url URL]
                        [--phases alone,one,flat,paced] [--ratelimit] [--keep-database]
                        [--no-progress]

1. A fresh database (SQLite in a temporary folder; with --database-url of a PostgreSQL server,
   a scratch database made on it and dropped at the end, bench.scratch) with an edition that
   started two months ago and --households households, each with an account, an API token and
   two months of history (about 1.5 weigh-ins a day: residual, packaging, glass).
2. gunicorn (`tracker.app:create_app()`, gthread workers) on a free port of 127.0.0.1.
3. "Phones", each its own keep-alive connection and bearer token, loop: POST /api/v1/weighins
   (bin and weight; time: now), then GET /progres (the family progress page, chart included),
   then wait about --think seconds. Meanwhile a probe connection asks GET /healthz (no
   database) every 20 ms. Four phases on the same server, each after a few seconds of warm-up:
   - `alone`: one request at a time, no probe: weigh-ins, then `/healthz` (the ratio's floor:
     what a weigh-in costs against a trivial request when nothing queues);
   - `one phone`: one phone, no wait: what each request costs on an idle server;
   - `20 phones`: --phones phones, no wait: the server saturated, every request queues;
   - `20 phones, paced`: --phones phones waiting --think s between rounds.
4. Prints p50/p95/p99 and requests/s of each kind per phase, and p95(POST weigh-in) /
   p95(/healthz) of each phase (issue 19's goal, 20 phones paced on PostgreSQL: at most 2;
   it was 3).

The load generator is one asyncio process speaking HTTP/1.1 on raw sockets (about 50 µs of
client time per request) on the same machine as the server: the server gets the cores minus
what the generator takes. Rate limits are off unless --ratelimit (20 phones as fast as they can
would be over the per-token limit, which is what a limit is for).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

import tracker.services.accounts as accounts  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from tracker.adapters.broker import free_port  # noqa: E402
from tracker import services  # noqa: E402
from tracker.db import Database  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import WeighIn  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
STREAMS = (("residual", 0.9, 3500), ("packaging", 0.45, 1400), ("glass", 0.12, 2500))
GUNICORN_CONF = ROOT / "docs" / "deploy" / "gunicorn.conf.py"  # the production settings
PROBE_EVERY = 0.020
WARMUP = 4.0


# --------------------------------------------------------------------------- the database

def seed(url: str, households: int, phones: int) -> list[str]:
    """An edition under way, households with history; returns the phones' API tokens."""
    # Seeding only: cheap password hashes (the load uses bearer tokens, never a password).
    accounts.generate_password_hash = functools.partial(generate_password_hash,
                                                        method="pbkdf2:sha256:1000")
    upgrade(url)
    database = Database(url)
    today = dt.datetime.now(PARIS).date()
    start = (today.replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    rng = random.Random(7)
    tokens = []
    with database.session() as s:
        edition = services.create_edition(s, slug="bench", name="Bench", start=start)
        rows = []
        for n in range(households):
            household = services.create_household(s, edition, name=f"Foyer {n:03d}",
                                                  persons=rng.randint(1, 5), commune="Orsay")
            account = services.create_account(s, email=f"foyer{n:03d}@bench.zw",
                                              password="bench-password", household=household)
            if n < phones:
                tokens.append(services.issue_api_token(s, account))
            day = start
            while day < today:
                for stream, chance, grams in STREAMS:
                    if rng.random() < chance:
                        moment = dt.datetime.combine(day, dt.time(19, rng.randint(0, 59)),
                                                     PARIS)
                        rows.append({"household_id": household.id, "stream": stream,
                                     "weight_g": int(grams * rng.uniform(0.6, 1.3)),
                                     "measured_at": moment, "source": "web",
                                     "status": "accepted", "note": "", "flag_reason": ""})
                day += dt.timedelta(days=1)
        s.execute(insert(WeighIn), rows)
    database.dispose()
    print(f"seeded {households} households, {len(rows)} weigh-ins since {start} "
          f"({today - start} ago)")
    return tokens


# --------------------------------------------------------------------------- the server

def start_gunicorn(worker_class: str, workers: int, threads: int, port: int,
                   env: dict) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--config", str(GUNICORN_CONF), "--workers", str(workers),
               "--threads", str(threads), "--worker-class", worker_class,
               "--bind", f"127.0.0.1:{port}", "--keep-alive", "30",
               "--access-logfile", str(Path(env["ZW_INSTANCE_PATH"]) / "access.log"),
               "--log-level", "warning", "tracker.app:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- the load

class Connection:
    """One keep-alive HTTP/1.1 connection (what a phone's browser holds open)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        for attempt in (1, 2):  # the server may close an idle connection: reconnect once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(
                f"{k}: {v}" for k, v in headers.items())]
            if body:
                head.append(f"Content-Length: {len(body)}")
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            try:
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError
                length, close = 0, False
                while (line := await self.reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    name = name.lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "connection" and "close" in value.lower():
                        close = True
                payload = await self.reader.readexactly(length)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
                continue
            if close:
                self.writer.close()
                self.writer = None
            return int(status_line.split()[1]), payload
        raise AssertionError("unreachable")


class Recorder:
    def __init__(self):
        self.counting = False
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, dict[int, int]] = {}
        self.started = self.ended = 0.0

    def add(self, kind: str, seconds: float, status: int, ok: tuple[int, ...]) -> None:
        if not self.counting:
            return
        self.latencies.setdefault(kind, []).append(seconds)
        if status not in ok:
            errors = self.errors.setdefault(kind, {})
            errors[status] = errors.get(status, 0) + 1


async def phone(port: int, token: str, think: float, recorder: Recorder, stop_at: float,
                rng: random.Random, progress: bool = True) -> None:
    connection = Connection(port)
    auth = {"Authorization": f"Bearer {token}"}
    post_headers = {**auth, "Content-Type": "application/json"}
    while time.monotonic() < stop_at:
        stream = rng.choice(("residual", "residual", "packaging", "glass"))
        body = json.dumps({"stream": stream,
                           "weight_kg": f"{rng.uniform(0.4, 3.5):.2f}".replace(".", ",")})
        t0 = time.perf_counter()
        status, _ = await connection.request("POST", "/api/v1/weighins", post_headers,
                                             body.encode())
        recorder.add("POST /api/v1/weighins", time.perf_counter() - t0, status, (201,))
        if progress:
            t0 = time.perf_counter()
            status, _ = await connection.request("GET", "/progres", auth)
            recorder.add("GET /progres", time.perf_counter() - t0, status, (200,))
        if think:
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def probe(port: int, recorder: Recorder, stop_at: float) -> None:
    connection = Connection(port)
    next_at = time.monotonic()
    while time.monotonic() < stop_at:
        t0 = time.perf_counter()
        status, _ = await connection.request("GET", "/healthz", {})
        recorder.add("GET /healthz", time.perf_counter() - t0, status, (200,))
        next_at += PROBE_EVERY
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def alone(port: int, token: str, duration: float) -> Recorder:
    """One request at a time and nothing else: weigh-ins for half the time, then `/healthz`
    for the other half. The ratio of their p95 is the floor of the goal's ratio on this
    server: what a weigh-in costs against a trivial request when nothing queues."""
    recorder = Recorder()
    connection = Connection(port)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    rng = random.Random(3)
    for kind in ("POST /api/v1/weighins", "GET /healthz"):
        warm_until = time.monotonic() + WARMUP / 2
        stop_at = warm_until + duration / 2
        while (now := time.monotonic()) < stop_at:
            recorder.counting = now >= warm_until
            if recorder.counting and not recorder.started:
                recorder.started = now
            t0 = time.perf_counter()
            if kind == "GET /healthz":
                status, _ = await connection.request("GET", "/healthz", {})
                recorder.add(kind, time.perf_counter() - t0, status, (200,))
            else:
                body = json.dumps({"stream": rng.choice(("residual", "packaging", "glass")),
                                   "weight_kg": f"{rng.uniform(0.4, 3.5):.2f}"}).encode()
                status, _ = await connection.request("POST", "/api/v1/weighins", headers, body)
                recorder.add(kind, time.perf_counter() - t0, status, (201,))
            await asyncio.sleep(0.005)  # the server idle between requests, as a phone leaves it
    recorder.ended = time.monotonic() - WARMUP / 2  # the second warm-up was not counted
    return recorder


async def load(port: int, tokens: list[str], duration: float, think: float,
               progress: bool = True) -> Recorder:
    recorder = Recorder()
    stop_at = time.monotonic() + WARMUP + duration
    tasks = [asyncio.create_task(phone(port, t, think, recorder, stop_at, random.Random(i),
                                       progress))
             for i, t in enumerate(tokens)]
    tasks.append(asyncio.create_task(probe(port, recorder, stop_at)))
    await asyncio.sleep(WARMUP)
    recorder.counting, recorder.started = True, time.monotonic()
    await asyncio.gather(*tasks)
    recorder.ended = time.monotonic()
    return recorder


# --------------------------------------------------------------------------- the report

def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1] \
        if len(values) > 1 else values[0]


def report(name: str, recorder: Recorder) -> dict:
    elapsed = recorder.ended - recorder.started
    print(f"\n{name}\n{'request':<24}{'count':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}  errors")
    figures = {}
    for kind in ("POST /api/v1/weighins", "GET /progres", "GET /healthz"):
        values = recorder.latencies.get(kind, [])
        if not values:
            continue
        p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
        figures[kind] = {"count": len(values), "rps": len(values) / elapsed, "p50": p50,
                         "p95": p95, "p99": p99, "errors": recorder.errors.get(kind, {})}
        print(f"{kind:<24}{len(values):>8}{len(values) / elapsed:>9.1f}{p50:>9.1f}{p95:>9.1f}"
              f"{p99:>9.1f}  {recorder.errors.get(kind) or ''}")
    if "POST /api/v1/weighins" in figures:
        post, trivial = figures["POST /api/v1/weighins"], figures["GET /healthz"]
        figures["ratio"] = post["p95"] / trivial["p95"]
        print(f"p95(POST weigh-in) / p95(/healthz) = {post['p95']:.1f} / {trivial['p95']:.1f} ms"
              f" = {figures['ratio']:.2f} (goal of issue 19: at most 2)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0,
                        help="seconds of each phase without waits")
    parser.add_argument("--paced-duration", type=float, default=60.0,
                        help="seconds of the paced phase (about 4 POSTs a second: a p95 needs "
                             "a few hundred of them)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="per worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--households", type=int, default=60)
    parser.add_argument("--no-progress", action="store_true",
                        help="phones only post weigh-ins (a diagnosis: what the progress page "
                             "costs the weigh-in)")
    parser.add_argument("--think", type=float, default=2.0,
                        help="seconds a phone waits between rounds in the paced phase")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep-database", action="store_true",
                        help="PostgreSQL: keep the scratch database made for the run")
    parser.add_argument("--ratelimit", action="store_true", help="keep the rate limits on")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--phases", default="alone,one,flat,paced",
                        help="which phases to run, comma-separated: alone, one, flat, paced")
    args = parser.parse_args()
    phases = [("alone", "one request at a time (the ratio's floor)", 1, None, args.duration),
              ("one", "one phone", 1, 0.0, args.duration),
              ("flat", f"{args.phones} phones", args.phones, 0.0, args.duration),
              ("paced", f"{args.phones} phones, paced ({args.think:g} s)", args.phones,
               args.think, args.paced_duration)]
    wanted = set(args.phases.split(","))
    phases = [phase[1:] for phase in phases if phase[0] in wanted]
    with tempfile.TemporaryDirectory(prefix="zw-bench-web-") as tmp, \
            scratch_database(args.database_url or f"sqlite:///{tmp}/zw.sqlite3",
                             keep=args.keep_database) as url:
        tokens = seed(url, args.households, args.phones)
        port = free_port("127.0.0.1")
        env = {**os.environ, "ZW_INSTANCE_PATH": tmp, "ZW_DATABASE_URL": url,
               "ZW_SECRET_KEY": "bench", "ZW_MQTT_PASSWORD": "bench",
               "ZW_BROKER_ADMIN_PASSWORD": "bench", "ZW_LOG_LEVEL": "WARNING",
               "ZW_RATELIMIT_ENABLED": "true" if args.ratelimit else "false"}
        server = start_gunicorn(args.worker_class, args.workers, args.threads, port, env)
        results = {}
        try:
            threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
            print(f"gunicorn: {args.workers} {args.worker_class} workers{threads} on "
                  f"{os.cpu_count()} cores, {url.split(':')[0]}; {args.duration:.0f} s per "
                  f"phase ({args.paced_duration:.0f} s paced) after {WARMUP:.0f} s of warm-up; "
                  "load average before: "
                  f"{os.getloadavg()[0]:.2f}")
            for name, phones, think, seconds in phases:
                recorder = asyncio.run(
                    alone(port, tokens[0], seconds) if think is None else
                    load(port, tokens[:phones], seconds, think, not args.no_progress))
                results[name] = report(name, recorder)
        finally:
            stop(server)
        print(f"\nload average after: {os.getloadavg()[0]:.2f} (other work on the machine "
              "shares its cores: compare figures of the same run)")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Fixtures shared by every test package: the app on SQLite and on PostgreSQL, client, runner.

Tests that take `app`, `client`, `runner` or `session` run once per database back-end
(`ZW_TEST_DATABASES=sqlite,postgresql` by default). PostgreSQL comes from `ZW_TEST_PG_URL`
(default: the local server, database `test`); each test session creates its own database there,
migrated once, and every test starts from empty tables (rows deleted, sequences back to 1). A
missing back-end fails, never skips.

Browser tests (marked `browser`) run on the first back-end only (SQLite by default): they check
what chromium does with the pages (layout, scripts, CSP, accessibility, offline queue), and
every page they open is also rendered, for each role, on both back-ends by
tests/security/test_pages_html.py and the access matrix, and its data tested there and in
tests/web, tests/staff and tests/life. Each browser test costs a chromium session (seconds).
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import uuid

import jinja2
import pytest
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from tracker import services
from tracker.config import Config
from tracker.migrate import upgrade
from tracker.models import Base

pytest_plugins = ["tests.support.broker"]

PG_URL = os.environ.get("ZW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b.strip() for b in os.environ.get("ZW_TEST_DATABASES", "sqlite,postgresql").split(",")
            if b.strip()]


#: A cheap hash for the tests' accounts and scales. scrypt (werkzeug's default, what production
#: stores) costs 0.25 to 0.7 s a hash or a check on the CI machine, and the `world` fixture alone
#: hashes three passwords: most tests check who may do what, not the hash's strength. The real
#: hash keeps its own tests (tests/tracker/test_password_hash.py, marked `real_password_hash`,
#: which turns this off); the unknown-email dummy is swapped too, so both sign-in paths still
#: cost the same.
FAST_HASH = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")


@pytest.fixture(autouse=True)
def fast_password_hashing(request, monkeypatch):
    if request.node.get_closest_marker("real_password_hash"):
        return
    import tracker.services.accounts
    import tracker.services.devices

    for module in (tracker.services.accounts, tracker.services.devices):
        monkeypatch.setattr(module, "generate_password_hash", FAST_HASH)
    monkeypatch.setattr(tracker.services.accounts, "_DUMMY_HASH", FAST_HASH("not-a-password"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


_pg_engines: dict = {}  # the session database's url -> one engine that empties it between tests


@pytest.fixture(scope="session")
def _pg_database():
    name = f"zw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database: a commit need not wait for its WAL to reach the disk (what a
        # test sees is the same; only a server crash could lose the last commits).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    if url in _pg_engines:
        _pg_engines.pop(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.hookimpl(tryfirst=True)  # the mark, seen by pytest, then overrides the fixture's params
def pytest_generate_tests(metafunc):
    """Browser tests: one back-end (see the module's docstring)."""
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
            "browser"):
        metafunc.definition.add_marker(
            pytest.mark.parametrize("database_url", BACKENDS[:1], indirect=True))


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A migrated, empty database of each back-end; its monthly aggregates checked against the
    raw weigh-ins when the test is over (`_check_aggregates`)."""
    url = _fresh_database(request, tmp_path)
    yield url
    _check_aggregates(request, url)


def _fresh_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "zw.sqlite3"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_pg_database")
    if url not in _pg_engines:
        # pre-ping: a test that cuts the database off (tests/ingest/test_faults.py terminates
        # every backend of it) leaves dead connections in this pool
        _pg_engines[url] = create_engine(url, pool_pre_ping=True)
    engine = _pg_engines[url]
    # DELETE, children first, then every used sequence back to 1: what TRUNCATE ... RESTART
    # IDENTITY did, without TRUNCATE's new files for each of the 26 tables and their indexes
    # (1 s a test on the CI machine; this takes a few milliseconds on tables this small).
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                          "FROM pg_sequences WHERE last_value IS NOT NULL"))
    return url


# --- every test's monthly aggregates checked against its raw weigh-ins (issue 19) ---

#: what `_check_aggregates` did this session (printed by `pytest_terminal_summary`)
AGGREGATE_CHECKS = {"checked": 0, "differing": 0, "unreachable": 0, "no_table": 0,
                    "unchecked": 0, "seconds": 0.0, "cpu_seconds": 0.0}


_SQLITE_CHECKED = [""]  # the file `_sqlite_check_engine` opens


@functools.lru_cache(maxsize=1)
def _sqlite_check_engine():
    """One engine for every SQLite check, on the file of the test being checked: an engine
    caches its compiled statements (with its dialect in the key), and compiling the grouped
    statement's CASEs again for each test was most of a check's CPU."""
    import sqlite3

    from sqlalchemy.pool import NullPool

    return create_engine("sqlite://", poolclass=NullPool,
                         creator=lambda: sqlite3.connect(_SQLITE_CHECKED[0], timeout=30))


def _aggregate_differences(url: str) -> list[str] | None:
    """Every edition of the database verified (`aggregates.verify`, one per edition), one
    line per differing column; None when there is nothing to check: the SQLite file is gone,
    the server cannot be reached (a fault test cut it off), or the database is not at a
    revision with the table (a migration test went down)."""
    from sqlalchemy import inspect as inspect_db, select
    from sqlalchemy.exc import OperationalError

    from tracker import aggregates
    from tracker.models import Edition

    if url.startswith("sqlite"):
        if not os.path.exists(url.split("///", 1)[1]):
            return None
        engine = _sqlite_check_engine()
        _SQLITE_CHECKED[0] = url.split("///", 1)[1]
    else:
        engine = _pg_engines.get(url)  # pre-ping: a fresh connection if the test killed them
        if engine is None:
            return None
    try:
        conn = engine.connect()
    except OperationalError:
        AGGREGATE_CHECKS["unreachable"] += 1
        return None
    with conn:
        if not inspect_db(conn).has_table(aggregates._table().name):
            AGGREGATE_CHECKS["no_table"] += 1
            return None
        ed = Edition.__table__
        editions = conn.execute(select(ed.c.id, ed.c.slug, ed.c.start_date, ed.c.months,
                                       ed.c.timezone, ed.c.counted_streams)
                                .order_by(ed.c.id)).all()
        lines = []
        for edition in editions:
            for d in aggregates.verify(conn, edition):
                stored = d.stored or (None,) * len(aggregates.VALUE_COLUMNS)
                expected = d.expected or (None,) * len(aggregates.VALUE_COLUMNS)
                lines += [f"edition {edition.slug} household {d.household_id} month "
                          f"{d.month} {column}: stored {s!r}, recomputed {e!r}"
                          for column, s, e in zip(aggregates.VALUE_COLUMNS, stored,
                                                  expected) if s != e]
        conn.rollback()
        return lines


def _check_aggregates(request, url: str) -> None:
    """Fail the test (an error at teardown) when a write left the monthly aggregates out of
    step with the raw rows. A test that breaks them on purpose says so, and why:
    `@pytest.mark.aggregates_unchecked("why")`."""
    import time

    marker = request.node.get_closest_marker("aggregates_unchecked")
    if marker is not None:
        if not (marker.args and isinstance(marker.args[0], str) and marker.args[0].strip()):
            pytest.fail("aggregates_unchecked needs a reason", pytrace=False)
        AGGREGATE_CHECKS["unchecked"] += 1
        return
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        lines = _aggregate_differences(url)
    finally:
        AGGREGATE_CHECKS["seconds"] += time.perf_counter() - wall
        AGGREGATE_CHECKS["cpu_seconds"] += time.process_time() - cpu
    if lines is None:
        return
    AGGREGATE_CHECKS["checked"] += 1
    if lines:
        AGGREGATE_CHECKS["differing"] += 1
        pytest.fail("monthly aggregates differ from the raw weigh-ins after this test "
                    f"({len(lines)} values):\n  " + "\n  ".join(lines), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    c = AGGREGATE_CHECKS
    if not (c["checked"] or c["unchecked"] or c["no_table"] or c["unreachable"]):
        return
    terminalreporter.write_line(
        f"aggregates checked after {c['checked']} tests: {c['differing']} with differences, "
        f"{c['seconds']:.2f} s ({c['cpu_seconds']:.2f} s CPU); not checked: "
        f"{c['unchecked']} marked aggregates_unchecked, {c['no_table']} without the table, "
        f"{c['unreachable']} unreachable")


@pytest.fixture
def config(database_url, tmp_path):
    return Config(instance_path=tmp_path / "instance", database_url=database_url,
                  secret_key="test-secret", broker_admin_password="admin-test",
                  mqtt_password="ingest-test")


class _SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates shared by the session's apps (keyed by name and source checksum, as
    jinja's own file cache): each test builds its own app, which compiled every page again."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


def _share_url_builders() -> None:
    """Each app compiles a Python function per URL rule to build its URLs (werkzeug's
    Rule._compile_builder, ~1/8 of a web test's time): the same rule text gives the same
    function, so the session compiles it once. Rules with defaults are left alone (their
    defaults are folded into the code through the converters)."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "shared", False):
        return
    builders: dict = {}

    def shared(self, append_unknown=True):
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    shared.shared = True
    Rule._compile_builder = shared


_share_url_builders()


@pytest.fixture
def app(config):
    from tracker.app import create_app

    app = create_app(config, TESTING=True)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    yield app
    app.extensions["zw_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A plain session on the app's database (committed by the test when needed)."""
    with app.extensions["zw_db"].session() as session:
        yield session


# --- a small world: one edition, two households with one family account each, one staff ---

EDITION_START = dt.date(2026, 3, 1)
PASSWORD = "motdepasse-123"


@pytest.fixture
def world(app):
    """Edition `defi-2026` (from 2026-03-01, 8 months) with Martin (3 persons) and Durand (2)."""
    with app.extensions["zw_db"].session() as s:
        edition = services.create_edition(s, slug="defi-2026", name="Défi 2026",
                                          start=EDITION_START)
        martin = services.create_household(s, edition, name="Martin", persons=3,
                                           commune="Orsay")
        durand = services.create_household(s, edition, name="Durand", persons=2,
                                           commune="Bures-sur-Yvette")
        services.create_account(s, email="martin@example.org", password=PASSWORD,
                                household=martin)
        services.create_account(s, email="durand@example.org", password=PASSWORD,
                                household=durand)
        services.create_account(s, email="staff@example.org", password=PASSWORD, role="staff")
        ids = {"edition": edition.id, "martin": martin.id, "durand": durand.id}
    return ids


def sign_in(client, email, password=PASSWORD):
    """Sign in through the real form (CSRF included); returns the response."""
    page = client.get("/connexion")
    token = _csrf_from(page.get_data(as_text=True))
    return client.post("/connexion", data={"email": email, "password": password,
                                           "csrf_token": token}, follow_redirects=False)


def _csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def now_in_edition(monkeypatch):
    """Freeze 'now' inside the edition (2026-04-15 12:00 Paris) for services and pages."""
    from tracker import clock

    frozen = dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(clock, "now", lambda: frozen)
    return frozen


@pytest.fixture
def database(database_url):
    """The database without Flask (services, ingest)."""
    from tracker.db import Database

    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """A test that runs the ingest or the bridge in pytest's own main thread lets them install
    their SIGTERM / SIGINT handlers (stop the service); put pytest's back afterwards, or a CI
    timeout's SIGTERM and a Ctrl-C would only stop a service that is long gone."""
    import signal
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    yield
    for sig, handler in kept.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)

"""pytest fixtures: a real mosquitto started from the project's mosquitto.conf on a free port.

Registered for every test package by `pytest_plugins = ["tests.support.broker"]` in
tests/conftest.py. `mosquitto` gives each test its own broker (fresh data directory, so
restarting or killing it is fine); `mosquitto_session` shares one broker across the session
(never stop or restart that one). A missing mosquitto or plugin FAILS the test, never skips.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tracker.adapters import broker as zw_broker
from tracker.adapters.dynsec import DynsecClient

ADMIN_USERNAME = "zw-admin"
INGEST_USERNAME = "zw-ingest"


class RunningBroker:
    """A mosquitto of the project, with its credentials and provisioning helpers."""

    def __init__(self, data_dir: Path, *, template: Path | None = None):
        self.host = "127.0.0.1"
        self.port = zw_broker.free_port(self.host)
        self.data_dir = Path(data_dir)
        self.admin_username = ADMIN_USERNAME
        self.admin_password = "admin-" + secrets.token_urlsafe(12)
        self.ingest_username = INGEST_USERNAME
        self.ingest_password = "ingest-" + secrets.token_urlsafe(12)
        self.broker = zw_broker.prepare_broker(
            self.data_dir, self.port, admin_user=self.admin_username,
            admin_password=self.admin_password, ingest_user=self.ingest_username,
            ingest_password=self.ingest_password, bind=self.host,
            template=template or zw_broker.DEFAULT_TEMPLATE)
        self.scales: dict[str, str] = {}  # device id -> password, for the test's own use

    # --- where and who ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.broker.pid

    @property
    def log_path(self) -> Path:
        return self.broker.log_path

    def log_text(self) -> str:
        """Everything mosquitto logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def env(self) -> dict[str, str]:
        """ZW_* variables that point a tracker Config (ingest, CLI) at this broker."""
        return {"ZW_MQTT_HOST": self.host, "ZW_MQTT_PORT": str(self.port),
                "ZW_MQTT_USERNAME": self.ingest_username,
                "ZW_MQTT_PASSWORD": self.ingest_password,
                "ZW_BROKER_ADMIN_USERNAME": self.admin_username,
                "ZW_BROKER_ADMIN_PASSWORD": self.admin_password}

    def config_overrides(self) -> dict:
        """Keyword arguments for tracker.config.Config(...) pointing at this broker."""
        return {"mqtt_host": self.host, "mqtt_port": self.port,
                "mqtt_username": self.ingest_username, "mqtt_password": self.ingest_password,
                "broker_admin_username": self.admin_username,
                "broker_admin_password": self.admin_password}

    # --- provisioning -----------------------------------------------------------------
    def admin(self) -> DynsecClient:
        """A connected dynamic-security admin client (use it in a `with` block)."""
        return DynsecClient(self.host, self.port, self.admin_username, self.admin_password)

    def add_scale(self, device_id: str, password: str | None = None) -> str:
        """Register a scale with the running broker; return its password."""
        password = password or secrets.token_urlsafe(16)
        with self.admin() as admin:
            admin.add_scale(device_id, password)
        self.scales[device_id] = password
        return password

    def revoke(self, device_id: str, *, delete: bool = False) -> None:
        """Revoke a scale: next connection refused, current one kicked."""
        with self.admin() as admin:
            admin.revoke_scale(device_id, delete=delete)

    def restore(self, device_id: str) -> None:
        """Re-enable a revoked scale."""
        with self.admin() as admin:
            admin.restore_scale(device_id)

    # --- process ----------------------------------------------------------------------
    def start(self) -> "RunningBroker":
        self.broker.start()
        return self

    def stop(self) -> None:
        """Clean stop (persistence saved)."""
        self.broker.stop()

    def kill(self) -> None:
        """SIGKILL: only what autosave already wrote survives."""
        self.broker.kill()

    def restart(self) -> "RunningBroker":
        self.broker.restart()
        return self

    def __repr__(self) -> str:
        return f"RunningBroker({self.url}, pid={self.pid}, data={self.data_dir})"


def start_broker(data_dir: Path, **kwargs) -> RunningBroker:
    """Start a project broker in data_dir; fail the test clearly if mosquitto is unusable."""
    try:
        return RunningBroker(data_dir, **kwargs).start()
    except (zw_broker.BrokerError, FileNotFoundError) as exc:
        pytest.fail(f"cannot start mosquitto from the project's mosquitto.conf: {exc}",
                    pytrace=False)


def _teardown(running: RunningBroker) -> None:
    running.stop()
    # Shown by pytest only when the test failed ("Captured stdout teardown").
    print(f"--- {running!r} log (tail) ---\n{running.broker.log_tail(60)}")


@pytest.fixture
def mosquitto(tmp_path_factory) -> RunningBroker:
    """A fresh project broker for this test (its own port and data directory)."""
    running = start_broker(tmp_path_factory.mktemp("mosquitto"))
    yield running
    _teardown(running)


@pytest.fixture(scope="session")
def mosquitto_session(tmp_path_factory) -> RunningBroker:
    """One project broker shared by the session: provision unique device ids, never restart."""
    running = start_broker(tmp_path_factory.mktemp("mosquitto-session"))
    yield running
    _teardown(running)


@pytest.fixture
def mqtt_probe():
    """Factory of test MQTT clients (tests.support.mqtt.Probe), all closed at teardown.

    mqtt_probe(broker, username, password, connect=True, **Probe kwargs) -> Probe

    Without a client_id, a scale's probe connects as a scale must (client id = its username:
    the broker refuses any other); the ingest's and the admin's get a random one.
    """
    from tests.support.mqtt import Probe

    probes: list[Probe] = []

    def make(broker, username, password, *, connect: bool = True, **kwargs) -> Probe:
        if username and username not in (broker.ingest_username, broker.admin_username):
            kwargs.setdefault("client_id", username)
        probe = Probe.for_broker(broker, username, password, **kwargs)
        probes.append(probe)
        if connect:
            probe.connect()
        return probe

    yield make
    for probe in probes:
        probe.close()

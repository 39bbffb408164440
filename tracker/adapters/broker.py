"""Run the project's own mosquitto: render mosquitto.conf, seed dynamic security, start/stop.

Used by `zw run` (broker on ZW_MQTT_PORT, data in instance/broker) and by the tests (a
broker per test on a free port in a temporary directory). Standard library only: no Flask,
no paho; the runtime administration of clients lives in tracker/adapters/dynsec.py.
"""
from __future__ import annotations

import getpass
import logging
import os
import shutil
import signal
import socket
import sys
import subprocess
import time
from pathlib import Path

from tracker.adapters.dynsec_file import (  # noqa: F401  (re-exported: broker.init_dynsec...)
    ADMIN_ROLE, DYNSEC_NAME, INGEST_ROLE, hash_password, init_dynsec, sync_dynsec)
from tracker.private_files import UMASK, open_private, private_dir

log = logging.getLogger(__name__)

#: The template shipped at the top of the repository.
def _default_template() -> Path:
    """The project's mosquitto.conf: beside the package (checkout, editable install), else where
    a wheel install puts it (setup.cfg data_files: <prefix>/share/zero-waste-tracker/)."""
    here = Path(__file__).resolve().parents[2] / "mosquitto.conf"
    if here.exists():
        return here
    installed = Path(sys.prefix) / "share" / "zero-waste-tracker" / "mosquitto.conf"
    return installed if installed.exists() else here


DEFAULT_TEMPLATE = _default_template()
CONFIG_NAME = "mosquitto.conf"
LOG_NAME = "mosquitto.log"

DYNSEC_PLUGIN_PATHS = (
    "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",  # Debian/Ubuntu amd64
    "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",  # Debian/Ubuntu arm64 (Pi)
    "/usr/lib/arm-linux-gnueabihf/mosquitto_dynamic_security.so",  # Raspberry Pi OS 32-bit
    "/usr/lib/mosquitto_dynamic_security.so",  # Debian (older layout), Alpine
    "/usr/lib64/mosquitto_dynamic_security.so",  # Fedora/RHEL
    "/usr/lib64/mosquitto/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto/mosquitto_dynamic_security.so",  # Arch
    "/usr/local/lib/mosquitto_dynamic_security.so",  # built from source
    "/opt/homebrew/lib/mosquitto_dynamic_security.so",  # Homebrew, Apple silicon
    "/usr/local/opt/mosquitto/lib/mosquitto_dynamic_security.so",  # Homebrew, Intel
    "/opt/homebrew/opt/mosquitto/lib/mosquitto_dynamic_security.so",
)
MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto",
                   "/opt/homebrew/sbin/mosquitto", "/usr/local/opt/mosquitto/sbin/mosquitto")


class BrokerError(RuntimeError):
    """mosquitto is missing, failed to start, or did not stop."""


def find_mosquitto() -> Path:
    """Path of the mosquitto executable (PATH first, then the usual sbin folders)."""
    found = shutil.which("mosquitto")
    candidates = ([found] if found else []) + list(MOSQUITTO_PATHS)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise BrokerError("mosquitto not found: install it (apt install mosquitto, "
                      "dnf install mosquitto, brew install mosquitto)")


def find_dynsec_plugin() -> Path:
    """Path of mosquitto_dynamic_security.so in the usual Debian/Ubuntu/Fedora/Homebrew places."""
    candidates = list(DYNSEC_PLUGIN_PATHS)
    try:  # next to a mosquitto installed under a prefix: <prefix>/sbin/mosquitto
        prefix = find_mosquitto().resolve().parent.parent
        candidates += [str(prefix / "lib" / "mosquitto_dynamic_security.so"),
                       str(prefix / "lib64" / "mosquitto_dynamic_security.so")]
    except BrokerError:
        pass
    for candidate in candidates:
        if os.path.isfile(candidate):
            return Path(candidate)
    raise BrokerError("mosquitto_dynamic_security.so not found (searched "
                      + ", ".join(candidates) + ")")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on host right now (the OS picks it from the ephemeral range)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def render_config(template_path, data_dir, port: int, bind: str = "127.0.0.1", *,
                  plugin=None, user: str | None = None) -> Path:
    """Render the mosquitto.conf template into data_dir/mosquitto.conf and return its path."""
    data_dir = Path(data_dir).resolve()
    plugin = Path(plugin) if plugin else find_dynsec_plugin()
    values = {
        "@PORT@": str(int(port)),
        "@BIND@": bind,
        "@DATA_DIR@": str(data_dir),
        "@DYNSEC_PLUGIN@": str(plugin),
        "@USER@": user or getpass.getuser(),
    }
    for key, value in values.items():
        if not value or any(ch.isspace() for ch in value):
            # mosquitto splits option values on whitespace: fail here, not in the broker.
            raise ValueError(f"{key} must be non-empty and contain no whitespace: {value!r}")
    text = Path(template_path).read_text(encoding="utf-8")
    private_dir(data_dir)  # password hashes, persistence (queued readings), logs
    for key, value in values.items():
        text = text.replace(key, value)
    target = data_dir / CONFIG_NAME
    with open_private(target, "w", encoding="utf-8") as fh:
        fh.write(text)
    return target


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class Broker:
    """One mosquitto process started from a rendered config; its stderr goes to a log file."""

    def __init__(self, config_path, port: int, host: str = "127.0.0.1", *,
                 log_path=None, mosquitto=None, start_timeout: float = 10.0):
        self.config_path = Path(config_path)
        self.port = int(port)
        self.host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self.log_path = Path(log_path) if log_path else self.config_path.parent / LOG_NAME
        self.mosquitto = Path(mosquitto) if mosquitto else find_mosquitto()
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        """True while the mosquitto process is alive."""
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> "Broker":
        """Start mosquitto and wait until its port accepts connections."""
        if self.running:
            return self
        if port_open(self.host, self.port):
            raise BrokerError(f"port {self.port} on {self.host} is already in use")
        with open_private(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                [str(self.mosquitto), "-c", str(self.config_path)],
                umask=UMASK,  # mosquitto.db and the dynsec file it rewrites: 0600
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True)  # a Ctrl-C in `zw run` is handled by us, not sent twice
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"mosquitto exited with {self.process.returncode}:\n"
                                  + self.log_tail())
            if port_open(self.host, self.port):
                log.info("mosquitto %s listening on %s:%s", self.pid, self.host, self.port)
                return self
            time.sleep(0.02)
        self.kill()
        raise BrokerError(f"mosquitto did not listen on {self.port} within "
                          f"{self.start_timeout}s:\n" + self.log_tail())

    def stop(self, timeout: float = 10.0) -> None:
        """Stop mosquitto cleanly (SIGTERM: it saves its persistence database first)."""
        if not self.running:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("mosquitto %s ignored SIGTERM for %ss, killing it", self.pid, timeout)
            self.kill()
        self._wait_port_closed()

    def kill(self) -> None:
        """Kill mosquitto at once (SIGKILL: only what autosave already wrote survives)."""
        if self.running:
            self.process.kill()
            self.process.wait()
            self._wait_port_closed()

    def restart(self) -> "Broker":
        """Stop cleanly, then start again on the same port with the same data."""
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the broker's log file."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _wait_port_closed(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while port_open(self.host, self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def __enter__(self) -> "Broker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Broker(port={self.port}, pid={self.pid}, config={self.config_path})"


def prepare_broker(data_dir, port: int, *, admin_user: str, admin_password: str,
                   ingest_user: str, ingest_password: str, bind: str = "127.0.0.1",
                   template=None) -> Broker:
    """Render the config into data_dir, seed or update dynamic security, return a Broker.

    Not started: call .start() (or use it as a context manager).
    """
    data_dir = Path(data_dir)
    if not (data_dir / DYNSEC_NAME).exists():
        init_dynsec(data_dir, admin_user, admin_password, ingest_user, ingest_password)
    elif not port_open("127.0.0.1" if bind in ("0.0.0.0", "") else bind, port):
        # Not running (the plugin rewrites the file itself while it runs).
        sync_dynsec(data_dir, admin_user, admin_password, ingest_user, ingest_password)
    config = render_config(template or DEFAULT_TEMPLATE, data_dir, port, bind)
    return Broker(config, port, bind)


def broker_from_config(cfg, *, bind: str | None = None, template=None) -> Broker:
    """The broker of one tracker installation (tracker.config.Config): data in cfg.broker_dir."""
    return prepare_broker(cfg.broker_dir, cfg.mqtt_port,
                          admin_user=cfg.broker_admin_username,
                          admin_password=cfg.broker_admin_password,
                          ingest_user=cfg.mqtt_username, ingest_password=cfg.mqtt_password,
                          bind=bind or cfg.mqtt_host, template=template)

"""Fixtures of the bridge tests: a throwaway anonymous mosquitto as the firmwares' broker.

The tracker side uses the project's broker (``mosquitto`` fixture of tests.support.broker,
auth and per-scale credentials on). The firmwares publish to a home broker of their
own, which is what this fixture stands for: anonymous, on a free port, never 1883.
"""

from __future__ import annotations

import getpass
import re
import shutil
import socket
import subprocess
import time

import pytest

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SourceBroker:
    """An anonymous mosquitto in a temporary directory."""

    def __init__(self, tmp_path):
        self.host, self.port = "127.0.0.1", _free_port()
        self.conf = tmp_path / "source.conf"
        self.log = tmp_path / "source.log"
        self.conf.write_text(
            "listener %d 127.0.0.1\nallow_anonymous true\npersistence true\n"
            "persistence_location %s/\nlog_dest file %s\n"
            "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
            "log_type subscribe\n"
            # as root mosquitto would switch to its own user, who cannot write in tmp_path
            "user %s\n" % (self.port, tmp_path, self.log, getpass.getuser()))
        self.proc: subprocess.Popen | None = None

    def start(self) -> "SourceBroker":
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        pytest.fail("the source mosquitto did not start: %s" % (
            self.log.read_text() if self.log.exists() else "no log"), pytrace=False)

    def subscriptions(self) -> int:
        """How many subscriptions the broker has logged (`<client> <qos> <topic>` lines)."""
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return 0
        return len(re.findall(r"^\d+: \S+ [012] \S+$", text, re.M))

    def wait_subscribed(self, more_than: int = 0, timeout: float = 15) -> None:
        """Wait until a subscription beyond the first `more_than` is in place: a message
        published from then on reaches the subscriber (this broker keeps no session for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.subscriptions() > more_than:
                return
            time.sleep(0.05)
        pytest.fail("nobody subscribed on the source broker:\n" + (
            self.log.read_text() if self.log.exists() else "no log"), pytrace=False)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def source_broker(tmp_path_factory):
    """The firmwares' own broker (anonymous), started for this test."""
    broker = SourceBroker(tmp_path_factory.mktemp("source-broker")).start()
    yield broker
    broker.stop()

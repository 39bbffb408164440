"""Fixtures of the challenge-life tests: the captured outbox, an open edition, staff client."""
from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.conftest import sign_in
from tracker.models import Edition
from tracker.services.preferences import edition_settings


class Outbox:
    """The .eml files the sender wrote (no SMTP in tests): every message, oldest first.

    Requests only queue mail; reading the outbox first runs one pass of the sender (what
    `zw mail send` does), as the timer or `zw run`'s sender thread would have by then."""

    def __init__(self, app) -> None:
        self.app = app
        self.folder = Path(app.instance_path) / "outbox"

    def written(self) -> int:
        """How many messages were written, without running the sender."""
        return len(list(self.folder.glob("*.eml"))) if self.folder.exists() else 0

    def messages(self):
        from tracker.adapters.mailer import deliver

        with self.app.app_context():
            deliver(self.app)
        if not self.folder.exists():
            return []
        return [BytesParser(policy=policy.default).parse(p.open("rb"))
                for p in sorted(self.folder.glob("*.eml"))]

    def to(self, address: str):
        return [m for m in self.messages() if m["To"] == address]

    def last(self, address: str):
        found = self.to(address)
        assert found, f"no mail to {address}; outbox: {[m['To'] for m in self.messages()]}"
        return found[-1]

    @staticmethod
    def body(message) -> str:
        return message.get_body(("plain",)).get_content()

    @classmethod
    def link(cls, message) -> str:
        """The path of the first link of the app in the message."""
        match = re.search(r"https?://[^/\s]+(/\S+)", cls.body(message))
        assert match, "no link in the message"
        return match.group(1)


@pytest.fixture
def outbox(app, monkeypatch):
    monkeypatch.delenv("ZW_SMTP_HOST", raising=False)
    return Outbox(app)


@pytest.fixture
def open_edition(app, world, now_in_edition):
    """The world's edition with public sign-up switched on."""
    with app.extensions["zw_db"].session() as s:
        edition_settings(s, s.get(Edition, world["edition"])).enrolment_open = True
    return world


@pytest.fixture
def staff(client, world):
    assert sign_in(client, "staff@example.org").status_code == 302
    return client

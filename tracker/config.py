"""One configuration object read from the environment, shared by the web app, the ingest and the CLI.

Every variable is listed in README.md ("Configuration"). Nothing here imports Flask.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

#: `Host:` names of this machine itself: on a laptop, any of them reaches `zw run`.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Addresses that mean "every interface" when serving: not an address to put in a link.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})

from tracker.private_files import open_private, private_dir, tighten

DEFAULT_INSTANCE = Path(os.environ.get("ZW_INSTANCE_PATH", Path.cwd() / "instance"))


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Settings of one tracker installation (defaults suit a laptop demo)."""

    instance_path: Path = DEFAULT_INSTANCE
    database_url: str = ""
    secret_key: str = ""
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1884
    mqtt_username: str = "zw-ingest"
    mqtt_password: str = ""
    mqtt_tls: bool = False
    # Where scales reach the broker, shown in the pairing page's settings (the tracker may
    # reach it on 127.0.0.1 while scales come through a public name): default mqtt_host/port.
    mqtt_public_host: str = ""
    mqtt_public_port: int = 0
    broker_admin_username: str = "zw-admin"
    broker_admin_password: str = ""
    ingest_client_id: str = "zw-ingest"
    ingest_group: str = ""
    ingest_batch_size: int = 1000
    ingest_processes: int = 2  # storing processes (decode in parallel, commit in turn)
    log_level: str = "INFO"
    log_format: str = "text"
    default_locale: str = "fr"
    web_host: str = "127.0.0.1"
    web_port: int = 5000
    public_url: str = ""  # the site's address for every absolute link; empty: where `zw run` serves
    trusted_hosts: str = ""  # other host names the site answers to (comma-separated)
    session_cookie_secure: bool = False
    proxy_fix: int = 0  # proxies in front of the app whose X-Forwarded-* headers are trusted
    ratelimit_enabled: bool = True
    ratelimit_storage_url: str = "memory://"  # redis://host:6379/0 with several workers
    flag_weight_g: int = 15000
    #: a scale's readings past this many in one hour (of their time) are stored flagged; 0: off
    ingest_max_readings_per_hour: int = 30
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "Config":
        """Build the configuration from ZW_* variables (ZW_DATABASE_URL, ZW_SECRET_KEY, ...)."""
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get("ZW_" + f.name.upper())
            if raw is None:
                continue
            if f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("bool", bool):
                values[f.name] = _bool(raw)
            elif f.type in ("Path", Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        cfg = cls(**values)
        return cfg.resolved()

    def resolved(self) -> "Config":
        """Fill the defaults that depend on the instance folder (database file, secrets)."""
        inst = Path(self.instance_path)
        _check_public_url(self.public_url)
        changes = {}
        if not self.database_url:
            changes["database_url"] = f"sqlite:///{inst / 'zw.sqlite3'}"
        if not self.secret_key:
            changes["secret_key"] = _instance_secret(inst, "secret_key")
        if not self.broker_admin_password:
            changes["broker_admin_password"] = _instance_secret(inst, "broker_admin_password")
        if not self.mqtt_password:
            changes["mqtt_password"] = _instance_secret(inst, "mqtt_ingest_password")
        if not changes:
            return self
        from dataclasses import replace

        return replace(self, **changes)

    @property
    def site_url(self) -> str:
        """The site's address, without a trailing slash: ZW_PUBLIC_URL, else where `zw run` serves.

        Every absolute link (mails, calendar feeds, pages that show the site's address) is built
        on it, never on the request's `Host:` header, which the client chooses."""
        if self.public_url:
            return self.public_url.strip().rstrip("/")
        host = "127.0.0.1" if self.web_host in WILDCARD_HOSTS else self.web_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.web_port}"

    @property
    def host_names(self) -> list[str]:
        """The `Host:` names the site answers to: the site's own, ZW_TRUSTED_HOSTS, and on a
        loopback address (a laptop, the tests) the other loopback names as well."""
        own = (urlsplit(self.site_url).hostname or "").lower()
        names = [own] + [h.strip().lower() for h in self.trusted_hosts.split(",") if h.strip()]
        if own in LOOPBACK_HOSTS:
            names += sorted(LOOPBACK_HOSTS - {own})
        return list(dict.fromkeys(names))

    @property
    def scale_broker(self) -> tuple[str, int]:
        """Host and port a scale or bridge connects to (public address, else the tracker's)."""
        return (self.mqtt_public_host or self.mqtt_host,
                self.mqtt_public_port or self.mqtt_port)

    @property
    def broker_dir(self) -> Path:
        """Where `zw run` keeps the broker's rendered config, persistence and dynsec file."""
        return Path(self.instance_path) / "broker"

    def __repr__(self) -> str:  # never print secrets
        shown = {f.name: getattr(self, f.name) for f in fields(self) if "password" not in f.name
                 and "secret" not in f.name}
        for url in ("database_url", "ratelimit_storage_url"):
            shown[url] = _hide_password(shown[url])
        return f"Config({shown})"


def _check_public_url(url: str) -> None:
    """Refuse a ZW_PUBLIC_URL that is not a site's address: every link in a mail is built on it."""
    if not url:
        return
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ValueError(f"ZW_PUBLIC_URL must be the site's address, such as "
                         f"https://defi.example.org (not {url!r})")


def _hide_password(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def _instance_secret(instance: Path, name: str) -> str:
    """A random secret generated once per installation and kept in the instance folder (mode 600)."""
    private_dir(instance)
    path = instance / f".{name}"
    if path.exists():
        tighten(path)  # written by an older version with the umask's mode
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    with open_private(path, "x") as fh:
        fh.write(value)
    return value

"""Administer the running broker's scales over MQTT (mosquitto's dynamic security plugin).

`zw devices add` and the staff pages call DynsecClient.add_scale / revoke_scale: the change
takes effect at once, without a broker restart. Requests go to $CONTROL/dynamic-security/v1,
replies come back on .../v1/response and are matched by correlation data. Synchronous, with
a timeout. Passwords are sent to the broker only and never logged.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import uuid

import paho.mqtt.client as mqtt

from firmware_bridge.mqttclient import new_client

from tracker.adapters.dynsec_file import SCALE_ROLE_PREFIX, scale_client_fields, scale_role_acls

log = logging.getLogger(__name__)

REQUEST_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = REQUEST_TOPIC + "/response"
# One topic level that is a safe MQTT username, role-name suffix and topic level: no '/',
# '+', '#', '$', spaces or control characters.
DEVICE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
#: Client ids and logins of the services (zw-ingest, zw-ingest-2, zw-admin-...): a scale's
#: client id is its device id, so a device id there could take a service's session.
RESERVED_PREFIX = "zw-"


class DynsecError(RuntimeError):
    """The broker refused a dynamic-security command (or did not answer in time)."""

    def __init__(self, message: str, command: str | None = None, error: str | None = None):
        super().__init__(message)
        self.command = command
        self.error = error


class DynsecTimeout(DynsecError):
    """No answer from the broker within the timeout."""


def check_device_id(device_id: str) -> str:
    """Return device_id if it can be a username and one topic level, else raise ValueError."""
    if not isinstance(device_id, str) or not DEVICE_ID_RE.fullmatch(device_id):
        raise ValueError(f"invalid device id {device_id!r}: 1-64 of A-Z a-z 0-9 . _ : - "
                         "starting with a letter or digit")
    if device_id.lower().startswith(RESERVED_PREFIX):
        raise ValueError(f"invalid device id {device_id!r}: {RESERVED_PREFIX!r} starts the "
                         "client ids of the ingest and the admin")
    return device_id


def scale_role(device_id: str) -> str:
    """Name of the role that lets one scale publish under its own topics."""
    return SCALE_ROLE_PREFIX + check_device_id(device_id)


def scale_acls(device_id: str) -> list[dict]:
    """The only topics a scale may publish to: its weigh-in and status topics."""
    return scale_role_acls(check_device_id(device_id))


class DynsecClient:
    """A synchronous admin connection to the broker's dynamic security plugin."""

    BATCH = 50  # commands per request in add_scales

    def __init__(self, host: str = "127.0.0.1", port: int = 1884, username: str = "zw-admin",
                 password: str = "", *, timeout: float = 5.0, tls: bool = False,
                 client_id: str | None = None):
        self.host, self.port, self.timeout = host, int(port), timeout
        self._client = new_client(client_id or f"zw-admin-{uuid.uuid4().hex[:12]}",
                                  username=username, password=password, tls=tls,
                                  protocol=mqtt.MQTTv5)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._client.on_disconnect = self._on_disconnect
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._connect_rc = None
        self._subscribe_error: str | None = None
        self._lock = threading.Lock()  # one request at a time
        self._cond = threading.Condition()
        self._replies: dict[str, dict] = {}
        self._waiting: set[str] = set()

    @classmethod
    def from_config(cls, cfg, **kwargs) -> "DynsecClient":
        """An admin client for the broker described by a tracker Config."""
        return cls(cfg.mqtt_host, cfg.mqtt_port, cfg.broker_admin_username,
                   cfg.broker_admin_password, tls=cfg.mqtt_tls, **kwargs)

    # --- connection -----------------------------------------------------------------------
    def connect(self) -> "DynsecClient":
        """Connect, subscribe to the replies, and wait for both (raises DynsecError)."""
        try:
            self._client.connect(self.host, self.port, keepalive=30)
        except OSError as exc:
            raise DynsecError(f"cannot reach the broker at {self.host}:{self.port}: {exc}") from exc
        self._client.loop_start()
        if not self._connected.wait(self.timeout):
            self.close()
            raise DynsecTimeout(f"no CONNACK from {self.host}:{self.port} in {self.timeout}s")
        if self._connect_rc is not None and self._connect_rc.is_failure:
            self.close()
            raise DynsecError(f"broker refused the admin login: {self._connect_rc}",
                              error=str(self._connect_rc))
        if not self._subscribed.wait(self.timeout):
            self.close()
            raise DynsecTimeout(f"no SUBACK for {RESPONSE_TOPIC} in {self.timeout}s")
        if self._subscribe_error:
            self.close()
            raise DynsecError(f"this login may not read {RESPONSE_TOPIC} "
                              f"({self._subscribe_error}): is it the broker admin?",
                              error=self._subscribe_error)
        return self

    def close(self) -> None:
        """Disconnect and stop the network thread."""
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()

    def __enter__(self) -> "DynsecClient":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self._connect_rc = reason_code
        if not reason_code.is_failure:
            client.subscribe(RESPONSE_TOPIC, qos=1)
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        refused = [rc for rc in reason_codes if rc.is_failure]
        self._subscribe_error = str(refused[0]) if refused else None
        self._subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning("dynsec admin connection lost: %s", reason_code)

    def _on_message(self, client, userdata, message):
        try:
            responses = json.loads(message.payload)["responses"]
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable dynsec response (%d bytes)", len(message.payload))
            return
        with self._cond:
            for response in responses:
                key = response.get("correlationData")
                if key in self._waiting:
                    self._replies[key] = response
            self._cond.notify_all()

    # --- requests -------------------------------------------------------------------------
    def execute(self, *commands: dict, ignore: tuple[str, ...] = ()) -> list[dict]:
        """Send commands in one request; return their responses; raise on the first error.

        `ignore` lists error texts to accept (for instance "Role already exists").
        """
        keys = [uuid.uuid4().hex for _ in commands]
        request = {"commands": [dict(cmd, correlationData=key)
                                for cmd, key in zip(commands, keys)]}
        with self._lock:
            with self._cond:
                self._waiting.update(keys)
            try:
                info = self._client.publish(REQUEST_TOPIC, json.dumps(request), qos=1)
                if info.rc != mqtt.MQTT_ERR_SUCCESS:
                    raise DynsecError(f"cannot send to the broker: {mqtt.error_string(info.rc)}")
                with self._cond:
                    done = self._cond.wait_for(
                        lambda: all(k in self._replies for k in keys), self.timeout)
                    replies = [self._replies.pop(k, None) for k in keys]
            finally:
                with self._cond:
                    self._waiting.difference_update(keys)
        if not done:
            names = ", ".join(c["command"] for c in commands)
            raise DynsecTimeout(f"no answer to {names} within {self.timeout}s")
        for reply in replies:
            error = reply.get("error")
            if error and error not in ignore:
                raise DynsecError(f"{reply.get('command')} failed: {error}",
                                  command=reply.get("command"), error=error)
        return replies

    # --- scales ---------------------------------------------------------------------------
    def add_scale(self, device_id: str, password: str) -> None:
        """Register a scale: username and client id = device_id, may publish only its
        zw/scales/<id>/weighin and .../status."""
        role = scale_role(device_id)
        if not password:
            raise ValueError("a scale needs a password")
        self.execute(
            # A role left by an earlier half-done add has exactly these ACLs: reuse it.
            {"command": "createRole", "rolename": role, "textname": f"scale {device_id}",
             "acls": scale_acls(device_id)},
            ignore=("Role already exists",))
        self.execute({"command": "createClient", "username": device_id, "password": password,
                      "textname": f"scale {device_id}", **scale_client_fields(device_id),
                      "roles": [{"rolename": role, "priority": 0}]})
        log.info("scale %s registered with the broker", device_id)

    def add_scales(self, passwords: dict[str, str]) -> None:
        """Register many scales in two requests (a simulated fleet, a benchmark)."""
        roles, clients = [], []
        for device_id, password in passwords.items():
            if not password:
                raise ValueError(f"scale {device_id} needs a password")
            roles.append({"command": "createRole", "rolename": scale_role(device_id),
                          "acls": scale_acls(device_id)})
            clients.append({"command": "createClient", "username": device_id,
                            "password": password, "textname": f"scale {device_id}",
                            **scale_client_fields(device_id),
                            "roles": [{"rolename": scale_role(device_id), "priority": 0}]})
        # The plugin rewrites its JSON file after every change: small requests keep each
        # answer well within the timeout even when the file has grown large.
        for start in range(0, len(roles), self.BATCH):
            self.execute(*roles[start:start + self.BATCH], ignore=("Role already exists",))
            self.execute(*clients[start:start + self.BATCH])
        log.info("%d scales registered with the broker", len(clients))

    def revoke_scale(self, device_id: str, *, delete: bool = False) -> None:
        """Refuse the scale's next connections and disconnect it now (disable, or delete)."""
        check_device_id(device_id)
        if delete:
            self.remove_scale(device_id)
            return
        self.execute({"command": "disableClient", "username": device_id})
        log.info("scale %s revoked (disabled)", device_id)

    def disable_scales(self, device_ids) -> list[str]:
        """Disable every scale of `device_ids` that the broker knows (a revocation made while
        the broker was away); the ones disabled, sorted. Disabling twice is harmless."""
        known = set(self.list_clients())
        wanted = sorted(check_device_id(d) for d in set(device_ids) if d in known)
        for start in range(0, len(wanted), self.BATCH):
            self.execute(*({"command": "disableClient", "username": d}
                           for d in wanted[start:start + self.BATCH]))
        if wanted:
            log.info("%d revoked scales disabled in the broker", len(wanted))
        return wanted

    def pin_scales(self, device_ids) -> list[str]:
        """Scales of `device_ids` registered by an older version, in the running broker: tie
        each login to its client id and narrow its role to its two topics (what sync_dynsec
        does to the file at start); the ones changed, sorted. Only those are touched."""
        wanted = {d for d in device_ids if DEVICE_ID_RE.fullmatch(d)}
        (clients,) = self.execute({"command": "listClients", "verbose": True, "count": -1,
                                   "offset": 0})
        (roles,) = self.execute({"command": "listRoles", "verbose": True, "count": -1,
                                 "offset": 0})
        acls = {r["rolename"]: r.get("acls", []) for r in roles.get("data", {}).get("roles", [])}
        commands, changed = [], set()
        for client in clients.get("data", {}).get("clients", []):
            username = client.get("username")
            if username not in wanted:
                continue
            if client.get("clientid") != username:
                commands.append({"command": "setClientId", "username": username,
                                 **scale_client_fields(username)})
                changed.add(username)
            role = SCALE_ROLE_PREFIX + username
            have, want = acls.get(role), scale_role_acls(username)
            if have is None or _acl_set(have) == _acl_set(want):
                continue
            changed.add(username)
            commands += [{"command": "removeRoleACL", "rolename": role,
                          "acltype": a["acltype"], "topic": a["topic"]}
                         for a in have if _acl_key(a) not in _acl_set(want)]
            commands += [{"command": "addRoleACL", "rolename": role, **a}
                         for a in want if _acl_key(a) not in _acl_set(have)]
        for start in range(0, len(commands), self.BATCH):
            self.execute(*commands[start:start + self.BATCH],
                         ignore=("ACL not found", "ACL with this topic already exists"))
        if changed:
            log.info("%d scales pinned to their client id in the broker", len(changed))
        return sorted(changed)

    def restore_scale(self, device_id: str) -> None:
        """Allow a revoked (disabled) scale to connect again."""
        self.execute({"command": "enableClient", "username": check_device_id(device_id)})
        log.info("scale %s enabled", device_id)

    def remove_scale(self, device_id: str) -> None:
        """Delete the scale's client (disconnecting it) and its role."""
        self.execute({"command": "deleteClient", "username": check_device_id(device_id)})
        self.execute({"command": "deleteRole", "rolename": scale_role(device_id)},
                     ignore=("Role not found",))
        log.info("scale %s removed from the broker", device_id)

    # --- any client -----------------------------------------------------------------------
    def set_password(self, username: str, password: str) -> None:
        """Change a client's password (takes effect at its next connection)."""
        if not password:
            raise ValueError("empty password")
        self.execute({"command": "setClientPassword", "username": username,
                      "password": password})
        log.info("password of %s changed", username)

    def list_clients(self) -> list[str]:
        """Usernames of every client known to the broker."""
        (reply,) = self.execute({"command": "listClients", "verbose": False, "count": -1,
                                 "offset": 0})
        return list(reply.get("data", {}).get("clients", []))

    def get_client(self, username: str) -> dict:
        """The broker's record of one client: username, roles, groups, disabled flag."""
        (reply,) = self.execute({"command": "getClient", "username": username})
        return reply.get("data", {}).get("client", {})


def _acl_key(acl: dict) -> tuple:
    return (acl.get("acltype"), acl.get("topic"), bool(acl.get("allow")))


def _acl_set(acls: list[dict]) -> set[tuple]:
    return {_acl_key(a) for a in acls}

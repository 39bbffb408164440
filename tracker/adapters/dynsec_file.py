"""The broker's dynamic-security.json: seeded before the first start, kept in step after.

The admin and ingest logins come from the tracker's configuration; scales are added at
runtime over MQTT (tracker/adapters/dynsec.py) and the plugin saves them in the same file.
Hashes use the plugin's own format (PBKDF2-HMAC-SHA512, raw 12-byte salt, base64), the same as
`mosquitto_ctrl dynsec init`. Standard library only.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
from pathlib import Path

from tracker.private_files import open_private, private_dir

log = logging.getLogger(__name__)

DYNSEC_NAME = "dynamic-security.json"
ADMIN_ROLE = "zw-admin"
INGEST_ROLE = "zw-ingest"
DYNSEC_ITERATIONS = 101  # what mosquitto 2.0's plugin uses for the clients it creates
SCALE_ROLE_PREFIX = "zw-scale-"
#: The only topics a scale may publish to, under zw/scales/<device_id>/: a wildcard there
#: would let it leave any number of retained messages on subtopics nobody reads.
SCALE_LEAVES = ("weighin", "status")


def hash_password(password: str, *, salt: bytes | None = None,
                  iterations: int = DYNSEC_ITERATIONS) -> dict:
    """The password fields of a dynamic-security.json client (PBKDF2-HMAC-SHA512, raw salt)."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return {"password": base64.b64encode(digest).decode("ascii"),
            "salt": base64.b64encode(salt).decode("ascii"),
            "iterations": iterations}


def _acl(acltype: str, topic: str, allow: bool = True, priority: int = 0) -> dict:
    return {"acltype": acltype, "topic": topic, "priority": priority, "allow": allow}


def admin_role_acls() -> list[dict]:
    """The admin may drive $CONTROL/dynamic-security and read $SYS and scale status."""
    acls = []
    for topic in ("$CONTROL/dynamic-security/#",):
        acls += [_acl("publishClientSend", topic), _acl("publishClientReceive", topic),
                 _acl("subscribePattern", topic), _acl("unsubscribePattern", topic)]
    for topic in ("$SYS/#", "zw/scales/+/status"):
        acls += [_acl("publishClientReceive", topic), _acl("subscribePattern", topic)]
    return acls


def ingest_role_acls() -> list[dict]:
    """The ingest reads weigh-ins and status (plain or shared subscriptions), writes zw/ingest/#,
    and may publish on weigh-in topics: only to delete a retained weigh-in (an empty retained
    message, ingest.service), which no role can be allowed without the right to publish
    there. It holds the database's credentials anyway."""
    acls = []
    for topic in ("zw/scales/+/weighin", "zw/scales/+/status"):
        acls += [_acl("publishClientReceive", topic), _acl("subscribePattern", topic),
                 _acl("subscribePattern", "$share/+/" + topic)]
    acls += [_acl("publishClientSend", "zw/ingest/#"),
             _acl("publishClientSend", "zw/scales/+/weighin"), _acl("unsubscribePattern", "#")]
    return acls


def scale_role_acls(device_id: str) -> list[dict]:
    """A scale publishes its readings and its (retained) status, nothing else."""
    return [_acl("publishClientSend", f"zw/scales/{device_id}/{leaf}") for leaf in SCALE_LEAVES]


def scale_client_fields(device_id: str) -> dict:
    """What ties a scale's login to its client id: mosquitto refuses (CONNACK "not
    authorised", before any session takeover) a login that connects with another client id,
    so a scale can take neither the ingest's session nor another scale's."""
    return {"clientid": device_id}


def _login(username: str, password: str, role: str, textname: str) -> dict:
    return {"username": username, "textname": textname, **hash_password(password),
            "roles": [{"rolename": role}]}


def _roles() -> list[dict]:
    return [{"rolename": ADMIN_ROLE, "textname": "dynamic security admin",
             "acls": admin_role_acls()},
            {"rolename": INGEST_ROLE, "textname": "reads scale topics",
             "acls": ingest_role_acls()}]


def _write_private_json(path: Path, document: dict) -> None:
    tmp = path.with_suffix(".json.new")
    with open_private(tmp, "w", encoding="utf-8") as fh:  # holds password hashes
        json.dump(document, fh, indent=2)
    os.replace(tmp, path)


def init_dynsec(data_dir, admin_user: str, admin_password: str,
                ingest_user: str, ingest_password: str, *, overwrite: bool = False) -> Path:
    """Write the initial dynamic-security.json: the admin and ingest clients and their roles."""
    path = Path(data_dir) / DYNSEC_NAME
    if path.exists() and not overwrite:
        raise FileExistsError(path)
    if admin_user == ingest_user:
        raise ValueError("the admin and ingest usernames must differ")
    private_dir(path.parent)
    document = {
        "defaultACLAccess": {"publishClientSend": False, "publishClientReceive": False,
                             "subscribe": False, "unsubscribe": True},
        "clients": [_login(admin_user, admin_password, ADMIN_ROLE, "zw broker admin"),
                    _login(ingest_user, ingest_password, INGEST_ROLE, "zw ingest")],
        "groups": [],
        "roles": _roles(),
    }
    _write_private_json(path, document)
    log.info("dynamic security initialised in %s (admin %s, ingest %s)",
             path, admin_user, ingest_user)
    return path


def _password_matches(client: dict, password: str) -> bool:
    try:
        salt = base64.b64decode(client["salt"])
        expected = hash_password(password, salt=salt, iterations=int(client["iterations"]))
    except (KeyError, ValueError, TypeError):
        return False
    return secrets.compare_digest(expected["password"], client.get("password", ""))


def _pin_scales(document: dict) -> bool:
    """Scales registered by an older version: tie each login to its client id and narrow its
    role to its two topics (see scale_client_fields, scale_role_acls). True if changed."""
    changed = False
    roles = {role["rolename"]: role for role in document.get("roles", [])}
    for client in document.get("clients", []):
        username = client.get("username", "")
        role = roles.get(SCALE_ROLE_PREFIX + username)
        if role is None or role["rolename"] not in [r.get("rolename")
                                                    for r in client.get("roles", [])]:
            continue
        for key, value in scale_client_fields(username).items():
            if client.get(key) != value:
                client[key] = value
                changed = True
        if role.get("acls") != scale_role_acls(username):
            role["acls"] = scale_role_acls(username)
            changed = True
    return changed


def sync_dynsec(data_dir, admin_user: str, admin_password: str,
                ingest_user: str, ingest_password: str) -> bool:
    """Bring the admin and ingest logins and roles of a STOPPED broker's file up to date.

    The configuration is the source of truth for these two logins: a changed password or a
    newer version of their ACLs is written into dynamic-security.json before the broker
    starts. Scales keep their passwords and state; those registered by an older version get
    their client id pinned and their role narrowed (_pin_scales). Returns True when the file
    was rewritten.
    """
    path = Path(data_dir) / DYNSEC_NAME
    document = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    roles = {role["rolename"]: role for role in document.setdefault("roles", [])}
    for wanted in _roles():
        current = roles.get(wanted["rolename"])
        if current is None:
            document["roles"].append(wanted)
            changed = True
        elif current.get("acls") != wanted["acls"]:
            current["acls"] = wanted["acls"]
            changed = True
    clients = {c["username"]: c for c in document.setdefault("clients", [])}
    for username, password, role, textname in (
            (admin_user, admin_password, ADMIN_ROLE, "zw broker admin"),
            (ingest_user, ingest_password, INGEST_ROLE, "zw ingest")):
        client = clients.get(username)
        if client is None:
            document["clients"].append(_login(username, password, role, textname))
            changed = True
            continue
        if not _password_matches(client, password):
            client.update(hash_password(password))
            changed = True
        if role not in [r.get("rolename") for r in client.get("roles", [])]:
            client.setdefault("roles", []).append({"rolename": role})
            changed = True
        if client.pop("disabled", False):
            changed = True
    changed |= _pin_scales(document)
    if changed:
        _write_private_json(path, document)
        log.info("dynamic security logins of %s and %s brought up to date in %s",
                 admin_user, ingest_user, path)
    return changed

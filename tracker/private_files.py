"""Files only the tracker's own user may read: the instance folder and what it holds.

The instance folder holds the SQLite database (every household's data), the generated secrets
(session key, broker passwords), the broker's password hashes and persistence, the outbox
copies of mails (live sign-in links) and the logs. Each is created 0600 and each folder 0700
whatever the process's umask (gunicorn's default is 0): modes are given explicitly at
creation, and a looser file or folder left by an older version is tightened when the tracker
next opens it. Processes started by the `zw` command run with umask 077 besides, for files
that other programs create (SQLite's -wal and -shm copy the database file's mode; mosquitto
writes its own files).

No Flask or SQLAlchemy here: the ingest and the broker helpers use it too.
"""
from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077


def tighten(path, mode: int = FILE_MODE) -> None:
    """Remove group and other access from an existing file or folder we own."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        os.chmod(path, (st.st_mode | mode) & 0o700)


def private_dir(path, tighten_existing: bool = True) -> Path:
    """The folder, created 0700 (missing parents too) or tightened to 0700 (not when it may be
    shared: the folder of a database file given by its URL may be the working directory)."""
    path = Path(path)
    missing = []
    for parent in [path, *path.parents]:
        if parent.exists():
            break
        missing.append(parent)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            pass
        os.chmod(folder, DIR_MODE)  # mkdir's mode is cut by the umask
    if tighten_existing:
        tighten(path, DIR_MODE)
    return path


def open_private(path, mode: str = "w", **kwargs):
    """open() for a file created 0600 ("w", "wb", "a", "ab", "x", "xb")."""
    flags = os.O_WRONLY | os.O_CREAT
    if mode.startswith("w"):
        flags |= os.O_TRUNC
    elif mode.startswith("a"):
        flags |= os.O_APPEND
    elif mode.startswith("x"):
        flags |= os.O_EXCL
    else:
        raise ValueError(f"not a writing mode: {mode!r}")
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode through os.open
    except PermissionError:  # not ours (a shared export target): left as it is
        pass
    return os.fdopen(fd, mode, **kwargs)


def touch_private(path) -> Path:
    """Create the file empty 0600 when missing (before another program opens it: SQLite), or
    tighten it."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        tighten(path)
    return path


def restrict_umask() -> int:
    """Files this process creates without an explicit mode are private; returns the old umask."""
    return os.umask(UMASK)

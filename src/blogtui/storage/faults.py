"""What SQLite's failures mean, in one line: a full disk, a read-only cache, a damaged file, a lock
another process holds (and which process); and how to open a cache that cannot be written.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StoreError

#: SQLite's primary result codes (the low byte of ``sqlite_errorcode``).
_FULL, _READONLY, _CORRUPT, _NOTADB, _BUSY, _LOCKED, _IOERR, _CANTOPEN = 13, 8, 11, 26, 5, 6, 10, 14

DOCTOR_HINT = "`blogtui doctor` checks it, `blogtui doctor --repair` saves what can be read"


def kind(exc: BaseException) -> str | None:
    """``full``, ``read-only``, ``damaged``, ``locked``, ``io`` or None for another error."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary == _FULL or "disk is full" in text or getattr(exc, "errno", None) == 28:
        return "full"
    if primary == _READONLY or "readonly database" in text or "read-only" in text:
        return "read-only"
    if primary in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text:
        return "damaged"
    if primary in (_BUSY, _LOCKED) or "database is locked" in text or "database table is locked" in text:
        return "locked"
    if primary == _IOERR or "disk i/o error" in text:
        return "io"
    return None


def explain(exc: BaseException, path: Path, *, doing: str = "") -> str:
    """One line naming the file and the cause (``doing``: what could not be done, e.g. "not saved")."""
    found = kind(exc)
    then = f": {doing}" if doing else ""
    if found == "full":
        return f"{path}: the disk is full{then or ': not saved'} (the posts stored before are intact)"
    if found == "read-only":
        return (
            f"{path}: read-only (the file, its folder or the disk cannot be written){then or ': not saved'}"
        )
    if found == "damaged":
        return f"{path}: the database is damaged ({exc}); {DOCTOR_HINT}"
    if found == "locked":
        holders = lock_holders(path)
        who = f" by {holders}" if holders else " by another process"
        return f"{path}: locked{who} for too long{then or ': not saved'}; try again when it ends"
    if found == "io":
        return f"{path}: disk I/O error ({exc}){then}"
    return f"{path}: {exc}{then}"


def writable(path: Path) -> bool:
    """Whether the cache at ``path`` can be written: the file (when it exists) and its directory
    (SQLite writes its journal and WAL index beside the file)."""
    directory = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return False
    if not os.access(directory, os.W_OK):
        return False
    try:
        return not os.statvfs(directory).f_flag & os.ST_RDONLY
    except (OSError, AttributeError):
        return True


def read_only_uri(path: Path) -> str:
    """The URI that opens an existing cache without writing anything.

    ``mode=ro`` when the directory can be written (a WAL database needs its ``-shm`` file, which
    SQLite may create); else ``immutable=1``, which needs no ``-shm`` (a read-only medium: nothing
    can change the file while it is open, and a ``-wal`` left there is not read).
    """
    uri = path.resolve().as_uri()
    directory_writable = os.access(path.parent, os.W_OK)
    try:
        directory_writable = directory_writable and not os.statvfs(path.parent).f_flag & os.ST_RDONLY
    except (OSError, AttributeError):
        pass
    shm = Path(f"{path}-shm")
    if directory_writable or (shm.exists() and os.access(shm, os.R_OK)):
        return f"{uri}?mode=ro"
    return f"{uri}?immutable=1"


def lock_holders(path: Path) -> str:
    """Which other processes have the cache open ("pid 123 (blogtui add ...)"), from /proc; ""
    when none can be seen (another user's process, or no /proc)."""
    names = {str(Path(f"{path}{suffix}").resolve()) for suffix in ("", "-wal", "-shm", "-journal")}
    found: list[str] = []
    me = os.getpid()
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return ""
    for pid in pids:
        if pid == me:
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target in names:
                found.append(f"pid {pid} ({_command(pid)})")
                break
        if len(found) >= 3:
            break
    return ", ".join(found)


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    if words:
        words[0] = Path(words[0]).name
    text = " ".join(" ".join(words).split())  # one line, whatever the arguments hold
    return (text[:60] + "…") if len(text) > 60 else text or "?"


def store_error(exc: BaseException, path: Path, *, doing: str = "") -> StoreError:
    """A :class:`StoreError` for SQLite's ``exc``, its ``kind`` set."""
    error = StoreError(explain(exc, path, doing=doing))
    error.kind = kind(exc)
    return error

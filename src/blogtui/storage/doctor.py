"""``blogtui doctor``: check the cache (``PRAGMA integrity_check``) and, with ``--repair``, copy
what SQLite can still read into a new database, keeping the damaged file beside it.

The repair tries ``VACUUM INTO`` first (a clean copy, when the damage does not stop a full read);
else it salvages table by table, row by row (what ``.recover`` does for the rows it can reach): a
fresh cache is made at the current schema, every table's readable rows are copied into it (an
unreadable stretch of rows is stepped over), and the search index is rebuilt from the posts when
its own tables were not copied whole.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import faults

#: Problems ``integrity_check`` lists at most.
MAX_PROBLEMS = 20
#: Rows read per step of a salvage.
CHUNK = 500


@dataclass
class CheckReport:
    """What ``integrity_check`` said: no problems is a sound cache."""

    path: Path
    problems: list[str] = field(default_factory=list)
    missing: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing


@dataclass
class RepairReport:
    """What a repair copied: rows per table, rows it could not read, where the damaged file went."""

    path: Path
    method: str = ""
    copied: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)
    kept_as: Path | None = None
    problem: str | None = None

    def summary(self) -> str:
        if self.problem:
            return f"{self.path}: not repaired: {self.problem}"
        counts = ", ".join(f"{self.copied.get(t, 0):,} {t}" for t in ("feeds", "posts", "tags", "views"))
        lost = sum(self.unreadable.values())
        lost_text = f"; {lost:,} rows could not be read" if lost else ""
        return (
            f"{self.path}: repaired ({self.method}): {counts} copied{lost_text}; the damaged file is kept"
            f" as {self.kept_as}"
        )


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(faults.read_only_uri(path), uri=True, isolation_level=None)


def check(path: Path) -> CheckReport:
    """Run ``PRAGMA integrity_check`` on the cache at ``path`` (read-only)."""
    report = CheckReport(path)
    if not path.exists():
        report.missing = True
        return report
    try:
        db = _connect_ro(path)
        try:
            rows = db.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
            report.problems = [str(r[0]) for r in rows if r[0] != "ok"]
            if not report.problems:
                bad_keys = db.execute("PRAGMA foreign_key_check").fetchmany(MAX_PROBLEMS)
                report.problems = [f"row {r[1]} of {r[0]} points at a missing {r[2]} row" for r in bad_keys]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        report.problems = [str(exc)]
    return report


def repair(path: Path) -> RepairReport:
    """Copy what can be read of the cache at ``path`` into a new one that takes its place; the
    damaged file (and its ``-wal``) are kept beside it as ``blogtui.db.damaged-YYYYmmdd-HHMMSS``."""
    report = RepairReport(path)
    if not path.exists():
        report.problem = "no cache here"
        return report
    fresh = path.with_name(path.name + ".repairing")
    for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        if _vacuum_into(path, fresh):
            report.method = "VACUUM INTO"
            report.copied = _counts(fresh)
        else:
            report.method = "salvaged row by row"
            _salvage(path, fresh, report)
    except (sqlite3.Error, OSError) as exc:
        report.problem = f"the copy failed ({exc})"
        fresh.unlink(missing_ok=True)
        return report
    if not check(fresh).ok:
        report.problem = "the copy is not sound either; the damaged file is left as it was"
        fresh.unlink(missing_ok=True)
        return report
    if not any(report.copied.get(t) for t in ("feeds", "posts")):
        report.problem = "nothing could be read from it (no feeds, no posts); it is left as it was"
        fresh.unlink(missing_ok=True)
        return report
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, kept)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{kept}{suffix}"))
    os.replace(fresh, path)
    report.kept_as = kept
    return report


def _vacuum_into(path: Path, fresh: Path) -> bool:
    """A clean copy by ``VACUUM INTO``, when SQLite can read the whole file and the copy is sound."""
    try:
        db = _connect_ro(path)
        try:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return False
            db.execute("VACUUM INTO ?", (str(fresh),))
        finally:
            db.close()
    except sqlite3.DatabaseError:
        fresh.unlink(missing_ok=True)
        return False
    return check(fresh).ok


def _counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: int(db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        db.close()


def _salvage(path: Path, fresh: Path, report: RepairReport) -> None:
    from . import schema
    from .store import Store

    Store(fresh).close()  # the current schema, empty
    new = sqlite3.connect(fresh, isolation_level=None)
    old = _connect_ro(path)
    try:
        new.execute("PRAGMA foreign_keys = OFF")
        tables = new.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        virtual = [name for name, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL")]
        plain = [name for name, sql in tables if name not in virtual]
        try:
            old_tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            same_version = (
                old.execute("PRAGMA user_version").fetchone()[0]
                == new.execute("PRAGMA user_version").fetchone()[0]
            )
        except sqlite3.DatabaseError:
            old_tables, same_version = set(plain), False
        new.execute("BEGIN")
        for table in plain:
            if table not in old_tables or table in schema.COUNT_TABLES:
                continue  # the counts are worked out again from what was copied (below)
            copied, lost = _copy_table(old, new, table)
            report.copied[table] = copied
            if lost:
                report.unreadable[table] = lost
        index_whole = same_version and not any(
            t.startswith(tuple(f"{v}_" for v in virtual)) for t in report.unreadable
        )
        if not index_whole:
            _reindex(new, virtual)
        schema.recount(new)
        new.execute("COMMIT")
    finally:
        old.close()
        new.close()


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]


def _copy_table(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> tuple[int, int]:
    """Copy the readable rows of ``table``; returns (rows copied, stretches that could not be read)."""
    try:
        columns = [c for c in _columns(new, table) if c in set(_columns(old, table))]
    except sqlite3.DatabaseError:
        return 0, 1
    if not columns:
        return 0, 0
    names = ", ".join(f'"{c}"' for c in columns)
    insert = f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    copied = lost = 0
    try:
        old.execute(f'SELECT rowid FROM "{table}" LIMIT 1').fetchall()
        has_rowid = True
    except sqlite3.OperationalError:
        has_rowid = False  # a WITHOUT ROWID table: read in one pass, as far as it goes
    except sqlite3.DatabaseError:
        has_rowid = True
    if not has_rowid:
        try:
            for row in old.execute(f'SELECT {names} FROM "{table}"'):
                new.execute(insert, row)
                copied += 1
        except sqlite3.DatabaseError:
            lost += 1
        return copied, lost
    try:
        top = old.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0]
    except sqlite3.DatabaseError:
        top = None
    last = -(2**63)
    step = 1
    while True:
        try:
            rows = old.execute(
                f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT {CHUNK}', (last,)
            ).fetchall()
        except sqlite3.DatabaseError:
            rows = None
        if rows is None:
            # An unreadable stretch: one row at a time, then ever longer jumps past it.
            try:
                rows = old.execute(
                    f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT 1', (last,)
                ).fetchall()
            except sqlite3.DatabaseError:
                lost += 1
                if top is None or last >= top:
                    break
                last = max(last, 0) + step
                step *= 2
                continue
        if not rows:
            break
        step = 1
        for row in rows:
            new.execute(insert, row[1:])
            copied += 1
        last = rows[-1][0]
    return copied, lost


def _reindex(new: sqlite3.Connection, virtual: list[str]) -> None:
    """Rebuild the (contentless) search index from the copied posts, as the store writes it."""
    from ..content.text import html_to_text

    for table in virtual:
        new.execute(f'INSERT INTO "{table}"("{table}") VALUES (\'delete-all\')')
    rows = new.execute("SELECT id, published, title, author, content_html FROM posts").fetchall()
    from ..query import index_key, index_rows
    from .codec import Codec

    codec = Codec(new)  # the HTML is stored packed (schema 11)

    def unpack(html: object) -> str:
        try:
            return codec.unpack(html)
        except sqlite3.DatabaseError:
            return ""  # its dictionary was not recovered: the post keeps its title and author

    # In the order of their keys (by date, as the store keys them): FTS5 writes a segment of its
    # own whenever a rowid is not above the last one (Store._fts_insert).
    rows.sort(key=lambda row: index_key(int(row[1] or 0), row[0]))
    for post_id, published, title, author, html in rows:
        text = html_to_text(unpack(html))
        key = index_key(int(published or 0), post_id)
        for table, row in zip(("posts_fts", "posts_cjk"), index_rows(title or "", author or "", text)):
            if row is not None and table in virtual:
                new.execute(
                    f"INSERT INTO {table}(rowid, title, author, body) VALUES (?, ?, ?, ?)", (key, *row)
                )

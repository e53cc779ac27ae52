"""The docs say what the code does: docs/ARCHITECTURE.md's commands, options, tables, columns,
``--json`` fields and keys, and the README's key table, compared with the code both ways."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from textual.widgets import Static

from blogtui.cli import build_parser
from blogtui.library import Library
from blogtui.storage.store import Store
from blogtui.ui.app import BlogApp
from blogtui.ui.screens.help import APP, SOURCES, HelpScreen, help_table, key_name, own_bindings
from conftest import DATA, run

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
README = ROOT / "README.md"

_HEADING_RE = re.compile(r"^(#{2,4}) (.+?)\s*$")
_TICKS_RE = re.compile(r"`([^`]+)`")


def sections(path: Path) -> dict[str, list[str]]:
    """Each heading's text, and the backticked tokens in the first column of the tables under it
    (header and separator rows hold none). A token's first word is what it names."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = _HEADING_RE.match(line)
        if heading:
            current = found.setdefault(heading.group(2), [])
        elif current is not None and line.startswith("|"):
            first = line.split("|")[1]
            current.extend(_expand(first))
    return found


def _expand(cell: str) -> list[str]:
    """The names in a first column: `` `1` … `9` `` is 1 to 9; `` `--jobs N` `` is ``--jobs``."""
    cell = re.sub(
        r"`(\d)` … `(\d)`",
        lambda m: " ".join(f"`{n}`" for n in range(int(m.group(1)), int(m.group(2)) + 1)),
        cell,
    )
    return [t.split()[0] if t.startswith("-") else t for t in _TICKS_RE.findall(cell)]


def titled(found: dict[str, list[str]], pattern: str) -> dict[str, set[str]]:
    """The sections whose heading matches ``pattern`` (one group: the name), by name."""
    out = {}
    for heading, names in found.items():
        match = re.fullmatch(pattern, heading)
        if match:
            out[match.group(1)] = set(names)
    return out


@pytest.fixture(scope="module")
def doc() -> dict[str, list[str]]:
    return sections(ARCHITECTURE)


# -- (a) commands and options ----------------------------------------------------------------


def _arguments(parser: argparse.ArgumentParser) -> set[str]:
    """A parser's option strings and positional metavars (the subcommand slot excluded)."""
    names: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            names.update(action.option_strings)
        else:
            names.add(str(action.metavar or action.dest))
    return names


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {"blogtui": parser, **{f"blogtui {n}": p for n, p in subparsers.choices.items()}}


def test_every_command_is_documented_and_every_documented_command_exists(doc: dict[str, list[str]]) -> None:
    documented = titled(doc, r"Command `(blogtui(?: [a-z]+)?)`")
    assert set(documented) == set(_commands())


def test_each_commands_options_are_the_documented_ones(doc: dict[str, list[str]]) -> None:
    common = set(doc["Options of every command"])
    commands = _commands()
    assert common and all(common <= _arguments(p) for p in commands.values()), (
        "an option listed under 'Options of every command' is missing from some command"
    )
    shared = set.intersection(*(_arguments(p) for p in commands.values()))
    assert shared == common, "options every command has belong under 'Options of every command'"
    documented = titled(doc, r"Command `(blogtui(?: [a-z]+)?)`")
    for name, parser in commands.items():
        assert documented[name] == _arguments(parser) - common, name


# -- (b) tables and columns ------------------------------------------------------------------


def test_tables_and_columns_are_the_schema_of_a_fresh_store(
    tmp_path: Path, doc: dict[str, list[str]]
) -> None:
    store = Store(tmp_path / "x.db")
    try:
        rows = store.db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL TABLE")]
        tables = [
            name
            for name, _ in rows
            if not name.startswith("sqlite_") and not any(name.startswith(f"{v}_") for v in virtual)
        ]
        schema = {t: {r[1] for r in store.db.execute(f"PRAGMA table_info({t})")} for t in tables}
    finally:
        store.close()
    assert {"feeds", "posts", "posts_fts"} <= set(schema)
    assert titled(doc, r"Table `(\w+)`") == schema


# -- (c) --json fields -----------------------------------------------------------------------


def test_json_fields_are_what_the_commands_print(
    capsys: pytest.CaptureFixture[str], doc: dict[str, list[str]]
) -> None:
    for args in (
        ("add", str(DATA / "some-feed.xml")),
        ("tag", "1", "to reread"),
        ("star", "2"),
        ("read", "3"),
        ("view", "fresh", "is:unread"),
    ):
        code, _, err = run(capsys, *args)
        assert code == 0, (args, err)
    documented = titled(doc, r"JSON `(\w+) --json`")
    assert set(documented) == {"posts", "feeds", "tags", "views", "show", "images"}
    for command, fields in documented.items():
        code, out, err = run(capsys, *([command, "1"] if command == "show" else [command]), "--json")
        assert code == 0, err
        printed = json.loads(out)
        objects = [printed] if command in ("show", "images") else printed
        assert objects, f"{command} --json printed no objects to compare"
        for obj in objects:
            assert set(obj) == fields, command


# -- (d) keys: bindings, help screen, README ---------------------------------------------------


def _help_keys() -> set[str]:
    """Every key name the help screen's rows show."""
    names: set[str] = set()
    for title, rows in help_table(BlogApp).groups:
        if title == "Marks":
            continue  # what the marks mean: not keys
        for keys, _text in rows:
            for part in re.split(r", | / ", keys):
                if re.fullmatch(r"\d … \d", part):
                    names.update(str(n) for n in range(int(part[0]), int(part[-1]) + 1))
                else:
                    names.add(part)
    return names


def test_help_screen_names_every_binding_and_every_row_finds_its_binding() -> None:
    table = help_table(BlogApp)
    assert not table.unresolved, f"help rows name actions no class binds: {table.unresolved}"
    assert not table.unnamed, f"bindings the help screen has no row for: {table.unnamed}"
    for cls in (BlogApp if c is APP else c for c in SOURCES):
        for binding in own_bindings(cls):
            assert (cls, binding.key) in table.shown, (cls.__name__, binding.key)


def test_readme_key_table_lists_the_keys_the_help_screen_shows() -> None:
    readme = titled(sections(README), r"(Keys)")["Keys"]
    shown = help_table(BlogApp).names
    assert _help_keys() == shown
    assert readme == shown, (
        f"README only: {sorted(readme - shown)}; bindings the README lacks: {sorted(shown - readme)}"
    )


def test_architecture_lists_each_classs_own_keys(doc: dict[str, list[str]]) -> None:
    documented = titled(doc, r"Keys of `(\w+)`")
    classes = {c.__name__: c for c in (BlogApp if c is APP else c for c in SOURCES)}
    assert set(documented) == set(classes)
    for name, cls in classes.items():
        assert documented[name] == {key_name(b) for b in own_bindings(cls)}, name


async def test_the_help_screen_shows_the_rows_built_from_the_bindings(data_dir: Path) -> None:
    library = Library(data_dir)
    app = BlogApp(library)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            tables = [s.content for s in app.screen.query(Static) if isinstance(s.content, Table)]
            assert len(tables) == 1
            console = Console(width=200, record=True, file=io.StringIO())
            console.print(tables[0])
            lines = [line.strip() for line in console.export_text().splitlines()]
    finally:
        library.close()
    expected = [(keys, text) for _, rows in help_table(BlogApp).groups for keys, text in rows]
    assert len(expected) > 20
    for keys, text in expected:
        assert any(line.startswith(keys) and line.endswith(text) for line in lines), (keys, text)


def test_readme_and_architecture_name_every_binding_id() -> None:
    from blogtui.config import KEY_ACTIONS

    for path in (README, ARCHITECTURE):
        text = " ".join(path.read_text(encoding="utf-8").split())
        named = set(re.findall(r"`([a-z0-9_]+)`", text))
        if "`link_1` … `link_9`" in text:
            named.update(f"link_{n}" for n in range(1, 10))
        missing = [a for a in KEY_ACTIONS if a not in named]
        assert not missing, (path.name, missing)

"""Where blogtui keeps its files, and the typed settings read from ``config.toml``."""

from __future__ import annotations

import difflib
import math
import os
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import platformdirs

from . import __version__
from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

APP_NAME = "blogtui"
DATA_DIR_ENV = "BLOGTUI_DATA_DIR"
CONFIG_DIR_ENV = "BLOGTUI_CONFIG_DIR"
DB_NAME = "blogtui.db"


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """One feed's own settings: a ``[feeds."URL"]`` table of ``config.toml``."""

    #: Whether its archive is walked (off: ``add`` and refreshes read only the feed's current page).
    archive: bool = True
    #: Whether the reader fetches the whole article of its summary-only posts when one is opened.
    full_article: bool = False


#: The keys of a ``[feeds."URL"]`` table.
FEED_SETTINGS = ("archive", "full_article")

#: The ids of the reader's bindings (``Binding(..., id=...)`` in ``ui/``), the names a ``[keys]``
#: table may remap (tests/test_ui_keymap.py checks they are the bindings' ids, every one).
KEY_ACTIONS = (
    "force_quit",
    # MainScreen (help, add_feed and quit: the welcome screen's too)
    "search", "help", "clear", "focus_tags", "toggle_read", "toggle_star", "mark_all_read",
    "cycle_sort", "find", "save_view", "next_post", "next_unread", "previous_post",
    "open_in_browser", "copy_url", "zoom", "toggle_sidebar", "toggle_images", "follow_link", "footnote",
    "full_article",
    "tag_post", *(f"link_{n}" for n in range(1, 10)), "refresh", "add_feed", "quit",
    # PostList
    "list_down", "list_up", "list_first", "list_last", "list_page_down", "list_page_up", "list_open",
    # ReaderView
    "reader_down", "reader_up", "reader_page_down", "reader_page_up", "reader_top", "reader_bottom",
    # Sidebar
    "sidebar_toggle_tag", "sidebar_down", "sidebar_up", "sidebar_remove_feed",
    "sidebar_rename_feed", "sidebar_mark_read",
    # YearBar, FindBox
    "year_earlier", "year_later", "year_pick", "find_next", "find_previous",
)  # fmt: skip

#: Key names besides single characters and Unicode character names (``question_mark``):
#: Textual's (``textual.keys.Keys``) that a ``[keys]`` value may use after its modifiers.
KEY_NAMES = frozenset(
    {
        "backspace", "delete", "down", "end", "enter", "escape", "home", "insert", "left",
        "pagedown", "pageup", "right", "space", "tab", "up",
        *(f"f{n}" for n in range(1, 25)),
    }
)  # fmt: skip
#: Textual's short names of some characters' keys (``textual.keys.KEY_NAME_REPLACEMENTS``).
_KEY_RENAMES = {
    "solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
    "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore",
}  # fmt: skip


def character_key(char: str) -> str:
    """The key Textual names a character's key by (``?``: ``question_mark``; a letter: itself)."""
    if char.isalnum():
        return char
    name = unicodedata.name(char, char).lower().replace(" ", "_").replace("-", "_")
    return _KEY_RENAMES.get(name, name)


#: The names of the keys of the printable ASCII characters that are not letters or digits.
ASCII_KEY_NAMES = frozenset(character_key(chr(c)) for c in range(32, 127) if not chr(c).isalnum())
#: The modifiers a key may have (``ctrl+shift+up``).
KEY_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


@dataclass(frozen=True, slots=True)
class Config:
    """Settings with their defaults; any of them may be set in ``config.toml``."""

    #: Most archive pages walked back per feed.
    max_archive_pages: int = 500
    #: A feed body larger than this is an error for that feed.
    max_feed_bytes: int = 25 * 1024 * 1024
    #: Total deadline for one HTTP request, in seconds.
    timeout: float = 20.0
    #: Feeds fetched at once.
    jobs: int = 8
    #: Textual theme of the reader.
    theme: str = "textual-dark"
    #: Whether the tag sidebar is shown.
    show_sidebar: bool = True
    #: Seconds each connection to a blog waits between two of its post pages (an archive crawl);
    #: a longer robots.txt ``Crawl-delay`` wins (up to 30 s).
    page_delay: float = 1.0
    #: The User-Agent sent with every request (robots.txt rules for ``blogtui`` apply whatever it says).
    user_agent: str = f"blogtui/{__version__} (+https://pypi.org/project/blogtui/; terminal blog reader)"
    #: Most post pages one archive crawl (a sitemap's posts) fetches per feed.
    max_archive_posts: int = 20_000
    #: Seconds a write waits for another process's write to end before naming that process.
    lock_timeout: float = 30.0
    #: The proxy for every request (``http://proxy.example:3128``); empty: the environment's
    #: (``http_proxy``, ``https_proxy``, ``all_proxy``; ``NO_PROXY`` applies either way).
    proxy: str = ""
    #: A PEM file of CAs trusted besides the system's (a TLS-inspecting firewall's CA).
    ca_file: str = ""
    #: Hosts whose own (self-signed) certificate is trusted, for that host only:
    #: ``"HOST[:PORT]=CERT.pem"``, several separated by commas.
    trust_cert: str = ""
    #: The browser links open in: a command, ``%u`` standing for the URL (appended when absent);
    #: a console browser (w3m, lynx, links, elinks, browsh) runs in the terminal while the reader
    #: waits. Empty: the system's (Python's ``webbrowser``: ``$BROWSER``, then the desktop's).
    browser: str = ""
    #: Which of a post's images are kept with the archive: ``off``, ``lead`` (its first) or ``all``.
    images: str = "lead"
    #: The image cache's size cap in bytes; past it, the least recently read images make room.
    image_cache_bytes: int = 1024**3
    #: Whether the reader draws a post's kept images in it (``I`` toggles it; off: links).
    show_images: bool = True
    #: How the reader draws pictures: ``auto`` (the terminal is asked: Kitty's graphics protocol,
    #: else half cells), ``kitty`` or ``halfcell``.
    image_protocol: str = "auto"
    #: The widest the reader lays a post's lines out, in columns (a wider pane centres them); 0: no limit.
    reading_width: int = 100
    #: Retention (applied by ``blogtui vacuum``): keep each feed's newest N posts (0: all).
    keep_per_feed: int = 0
    #: Retention: drop read posts published before this date (``"YYYY-MM-DD"``) or this many days
    #: ago (a number; ``""`` or 0: none dropped). Starred posts and the user's tagged ones stay.
    drop_read_before: str | int = ""
    #: Each feed's own settings by its URL (``[feeds."URL"]`` tables).
    feeds: dict[str, FeedSettings] = field(default_factory=dict)
    #: Keys remapped: a binding id (``KEY_ACTIONS``) to its keys, comma-separated (``[keys]``).
    keys: dict[str, str] = field(default_factory=dict)

    def feed_settings(self, url: str) -> FeedSettings:
        """The settings of the feed at ``url`` (the defaults when it has no table)."""
        return self.feeds.get(url) or FeedSettings()


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``--data-dir`` wins over ``BLOGTUI_DATA_DIR``, then platformdirs."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def config_dir() -> Path:
    """The directory holding ``config.toml``."""
    env = os.environ.get(CONFIG_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME))


def config_path() -> Path:
    """The path of ``config.toml`` (it need not exist)."""
    return config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read ``config.toml``; a missing file gives the defaults.

    Raises:
        ConfigError: the file is not valid TOML, or holds a key that is not a setting or a value
            that is not valid for its setting (one line: the file, key, value and fix).
    """
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    try:
        values = tomllib.loads(raw.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    changes: dict[str, Any] = {}
    for key, value in values.items():
        problem = setting_problem(key, value)
        if problem:
            raise ConfigError(f"{path}: {problem}")
        if key == "feeds":
            value = {url: FeedSettings(**table) for url, table in value.items()}
        elif key == "keys":
            value = {action: ",".join(k.strip() for k in keys.split(",")) for action, keys in value.items()}
        changes[key] = float(value) if RULES[key].kind is float else value
    return replace(Config(), **changes)


def _feeds_problem(value: object) -> str | None:
    """What is wrong with the ``[feeds."URL"]`` tables: a table per URL, each key a feed setting,
    true or false; None if nothing."""
    if not isinstance(value, dict):
        return 'feeds must be tables, e.g. [feeds."https://example.com/feed.xml"]'
    for url, table in value.items():
        where = f"[feeds.{_render(url)}]"
        if not isinstance(table, dict):
            return f"feeds.{_render(url)} must be a table, e.g. {where} then archive = false"
        for key, setting in table.items():
            if key not in FEED_SETTINGS:
                close = difflib.get_close_matches(key, FEED_SETTINGS, n=1)
                hint = (
                    f"did you mean {close[0]}?" if close else f"the settings are {', '.join(FEED_SETTINGS)}"
                )
                return f"{where}: unknown key {key} ({hint})"
            if not isinstance(setting, bool):
                return f"{where}: {key} = {_render(setting)}: must be true or false"
    return None


def _keys_problem(value: object) -> str | None:
    """What is wrong with the ``[keys]`` table: a binding id per key, each mapped to keys Textual
    knows (comma-separated); None if nothing."""
    if not isinstance(value, dict):
        return '[keys] must be a table, e.g. [keys] then next_post = "J"'
    for action, keys in value.items():
        if action not in KEY_ACTIONS:
            close = difflib.get_close_matches(action, KEY_ACTIONS, n=1)
            hint = f"did you mean {close[0]}?" if close else "the README's settings list every action"
            return f"[keys]: unknown action {action} ({hint})"
        shown = f"[keys]: {action} = {_render(keys)}"
        if not isinstance(keys, str):
            return f'{shown}: must be keys in quotes, e.g. {action} = "J" or "j,down"'
        for one in keys.split(","):
            problem = key_problem(one.strip())
            if problem:
                return f"{shown}: {problem}"
    return None


def key_problem(key: str) -> str | None:
    """Why Textual cannot read ``key`` as one key (``J``, ``ctrl+f``, ``question_mark``, ``pagedown``);
    None if it can."""
    if not key:
        return 'an empty key (several keys are separated by single commas: "j,down")'
    *modifiers, name = key.split("+") if len(key) > 1 else [key]
    for modifier in modifiers:
        if modifier not in KEY_MODIFIERS:
            return f"{modifier or 'an empty modifier'} is not a modifier ({', '.join(KEY_MODIFIERS)})"
    if len(name) == 1 or name in KEY_NAMES or name in ASCII_KEY_NAMES:
        return None
    try:  # another character's name (Textual's for a character it has no short name for)
        unicodedata.lookup(name.upper().replace("_", " "))
    except KeyError:
        return (
            f"{name or 'nothing'} is not a key (a character, a name such as question_mark or plus, "
            "or up, down, left, right, home, end, pageup, pagedown, enter, escape, tab, space, f1 … f24)"
        )
    return None


@dataclass(frozen=True, slots=True)
class _Rule:
    """What one setting may hold: its kind and, for a number, its bounds (a float's low is excluded)."""

    kind: type
    low: float = 0
    high: float = math.inf
    #: A float may be ``low`` itself.
    inclusive: bool = False
    #: A text setting's only values (none: any text).
    choices: tuple[str, ...] = ()
    #: What is wrong with a text setting's value (None: nothing); an empty text is then allowed.
    check: Callable[[str], str | None] | None = None


def _proxy_problem(value: str) -> str | None:
    if not value:
        return None
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https", "socks5", "socks5h") or not rest.strip("/"):
        return 'must be a proxy URL, e.g. proxy = "http://proxy.example:3128" (or "" for the environment\'s)'
    return None


def _file_problem(value: str) -> str | None:
    if value and not Path(value).expanduser().is_file():
        return "no such file (a PEM file of certificates)"
    return None


def _browser_problem(value: str) -> str | None:
    import shlex

    try:
        words = shlex.split(value)
    except ValueError as exc:
        return f'not a command ({exc}), e.g. browser = "firefox %u"'
    if value.strip() and not words:
        return 'must name a command, e.g. browser = "w3m %u"'
    return None


def _trust_problem(value: str) -> str | None:
    for part in filter(None, (p.strip() for p in value.split(","))):
        host, sep, path = part.partition("=")
        if not sep or not host.strip() or not path.strip():
            return 'must be "HOST=CERT.pem" (several separated by commas)'
        if not Path(path.strip()).expanduser().is_file():
            return f"{path.strip()}: no such file (the host's certificate, PEM)"
    return None


#: The ways the reader draws pictures, as ``image_protocol`` names them (besides ``auto``).
IMAGE_PROTOCOLS = ("kitty", "sixel", "halfcell")


def _protocol_problem(value: str) -> str | None:
    """What is wrong with an ``image_protocol`` (None: nothing)."""
    if value == "auto" or value in IMAGE_PROTOCOLS:
        return None
    return "must be one of auto, kitty, sixel, halfcell"


#: One rule per field of Config.
RULES: dict[str, _Rule] = {
    "max_archive_pages": _Rule(int, 1, 100_000),
    "max_feed_bytes": _Rule(int, 1024, 2**30),
    "timeout": _Rule(float, 0, 3600),
    "jobs": _Rule(int, 1, 64),
    "theme": _Rule(str),
    "show_sidebar": _Rule(bool),
    "page_delay": _Rule(float, 0, 60, inclusive=True),
    "user_agent": _Rule(str),
    "max_archive_posts": _Rule(int, 1, 1_000_000),
    "lock_timeout": _Rule(float, 0, 3600, inclusive=True),
    "proxy": _Rule(str, check=_proxy_problem),
    "ca_file": _Rule(str, check=_file_problem),
    "trust_cert": _Rule(str, check=_trust_problem),
    "browser": _Rule(str, check=_browser_problem),
    "images": _Rule(str, choices=("off", "lead", "all")),
    "image_cache_bytes": _Rule(int, 1024 * 1024, 2**40),
    "show_images": _Rule(bool),
    "image_protocol": _Rule(str, check=_protocol_problem),
    "reading_width": _Rule(int, 0, 10_000),
    "keep_per_feed": _Rule(int, 0, 10**9),
    "drop_read_before": _Rule(str),  # a date or a number of days: _drop_problem
    "feeds": _Rule(dict),
    "keys": _Rule(dict),
}


def setting_problem(key: str, value: object) -> str | None:
    """What is wrong with ``key = value`` as a setting, as ``key = value: the fix``; None if nothing."""
    rule = RULES.get(key)
    if rule is None and isinstance(value, dict):
        top = ", ".join(k for k in RULES if RULES[k].kind is not dict)
        return (
            f"unknown table [{key}] (settings are top-level keys: {top}; "
            'a feed\'s own: [feeds."URL"]; keys: [keys])'
        )
    if rule is None:
        close = difflib.get_close_matches(key, list(RULES), n=1)
        hint = f"did you mean {close[0]}?" if close else f"the settings are {', '.join(RULES)}"
        return f"unknown key {key} ({hint})"
    if rule.kind is dict:
        return _keys_problem(value) if key == "keys" else _feeds_problem(value)
    if key == "drop_read_before":
        return _drop_problem(value)
    shown = f"{key} = {_render(value)}"
    if rule.kind is bool:
        return None if isinstance(value, bool) else f"{shown}: must be true or false"
    if rule.kind is str:
        if not isinstance(value, str):
            return f'{shown}: must be text in quotes, e.g. {key} = "{getattr(Config(), key)}"'
        if rule.choices and value not in rule.choices:
            return f"{shown}: must be one of {', '.join(rule.choices)}"
        if rule.check is not None:
            problem = rule.check(value.strip())
            return f"{shown}: {problem}" if problem else None
        return None if value.strip() else f"{shown}: must not be empty"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{shown}: must be {'a number' if rule.kind is float else 'a whole number'}"
    if rule.kind is int and not isinstance(value, int):
        return f"{shown}: must be a whole number"
    if rule.kind is float and not rule.inclusive and not value > rule.low:  # NaN too
        return f"{shown}: must be more than {_bound(rule.low)}"
    if not value >= rule.low:
        return f"{shown}: must be at least {_bound(rule.low)}"
    if not value <= rule.high:
        return f"{shown}: must be at most {_bound(rule.high)}"
    return None


def _drop_problem(value: object) -> str | None:
    """What is wrong with ``drop_read_before``: a date ``"YYYY-MM-DD"``, a whole number of days,
    or ``""``; None if nothing."""
    shown = f"drop_read_before = {_render(value)}"
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return f'{shown}: must be a date in quotes ("2020-01-31") or a number of days (365)'
    if isinstance(value, int):
        return None if 0 <= value <= 100_000 else f"{shown}: must be from 0 to 100000 days"
    if value.strip() and read_before(value, 0) is None:
        return f'{shown}: must be a date YYYY-MM-DD ("2020-01-31") or a number of days (365)'
    return None


def read_before(value: str | int, now: int) -> int | None:
    """The Unix time ``drop_read_before`` names (UTC midnight of its date, or ``now`` less its
    days); None when it drops nothing (``""``, 0) or is not a date."""
    if isinstance(value, int):
        return now - value * 86_400 if value > 0 else None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return int(day.timestamp())


def _bound(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _render(value: object) -> str:
    """A value as it is written in TOML (near enough for a message)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{...}" if value else "{}"
    return str(value)


def save_setting(key: str, value: object, path: Path | None = None) -> None:
    """Write one top-level setting into ``config.toml``, keeping the other lines; ``keys`` (a
    mapping of binding ids to keys) goes into the ``[keys]`` table, each id's line replaced.

    Raises:
        ConfigError: the key is not a setting or the value is not valid for it.
    """
    path = path or config_path()
    problem = setting_problem(key, value)
    if not problem and key == "feeds" and value:
        problem = 'feeds: a feed\'s settings are saved one at a time (save_feed_setting), in [feeds."URL"]'
    if problem:
        raise ConfigError(f"{path}: {problem}")
    if key == "keys":
        assert isinstance(value, dict)
        _save_keys(value, path)
        return
    rendered = _render(value)
    lines = _toml_lines(path)
    # Top-level keys come before the first [table]: replace the key where it stands, else add it
    # at the end of the top level (after a table header it would belong to that table).
    top = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    out = list(lines)
    for i, line in enumerate(lines[:top]):
        if line.split("=", 1)[0].strip() == key:
            out[i] = f"{key} = {rendered}"
            break
    else:
        while top > 0 and not lines[top - 1].strip():  # before the blank lines ahead of a table
            top -= 1
        out.insert(top, f"{key} = {rendered}")
    _write_lines(path, out)


def _toml_lines(path: Path) -> list[str]:
    """The lines of the config file at ``path`` (none if there is no file yet).

    Raises:
        ConfigError: the file is not valid TOML (nothing is written over it then).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return text.splitlines()


def _write_lines(path: Path, lines: list[str]) -> None:
    """Write the config file whole, through a temporary file (a crash never leaves half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _save_keys(keys: dict[str, str], path: Path) -> None:
    """Write remapped keys into the ``[keys]`` table (made at the end when there is none), each
    ``action = "keys"`` replacing that action's line; the other lines are kept."""
    lines = _toml_lines(path)
    start = next((i for i, x in enumerate(lines) if x.split("#", 1)[0].strip() == "[keys]"), None)
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", "[keys]"] if lines else ["[keys]"]
        start = len(lines) - 1
    for action, value in keys.items():
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        line = f"{action} = {_render(value)}"
        for i in range(start + 1, end):
            if lines[i].split("=", 1)[0].strip() == action:
                lines[i] = line
                break
        else:
            while end > start + 1 and not lines[end - 1].strip():  # before the blank lines ahead
                end -= 1
            lines.insert(end, line)
    _write_lines(path, lines)


def save_feed_setting(url: str, key: str, value: bool, path: Path | None = None) -> None:
    """Write one feed's setting (``key = value`` in its ``[feeds."URL"]`` table), keeping the other lines.

    Raises:
        ConfigError: the key is not a feed setting, or the file is not valid TOML.
    """
    path = path or config_path()
    if key not in FEED_SETTINGS or not isinstance(value, bool):
        raise ConfigError(f"{path}: [feeds.{_render(url)}]: {key} = {_render(value)}: not a feed setting")
    lines = _toml_lines(path)
    header = f"[feeds.{_render(url)}]"
    line = f"{key} = {_render(value)}"
    start = next((i for i, x in enumerate(lines) if _is_header(x, url)), None)
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        lines += ["", header, line] if lines else [header, line]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
        for i in range(start + 1, end):
            if lines[i].split("=", 1)[0].strip() == key:
                lines[i] = line
                break
        else:
            lines.insert(start + 1, line)
    _write_lines(path, lines)


def _is_header(line: str, url: str) -> bool:
    """Whether a line is the header of the ``[feeds."URL"]`` table of this URL (however spaced or quoted)."""
    stripped = line.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")) or stripped.startswith("[["):
        return False
    try:
        parsed = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return False
    return url in parsed.get("feeds", {}) if isinstance(parsed.get("feeds"), dict) else False

"""Where blogtui keeps its files, and the typed settings read from ``config.toml``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

import platformdirs

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

APP_NAME = "blogtui"
DATA_DIR_ENV = "BLOGTUI_DATA_DIR"
CONFIG_DIR_ENV = "BLOGTUI_CONFIG_DIR"
DB_NAME = "blogtui.db"


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
        ConfigError: the file is not valid TOML or a value has the wrong type.
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
    config = Config()
    known = {f.name: f for f in fields(Config)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            continue
        default = getattr(config, key)
        if isinstance(default, bool) != isinstance(value, bool) or not isinstance(
            value, (type(default), int) if isinstance(default, float) else type(default)
        ):
            raise ConfigError(f"{path}: {key} must be a {type(default).__name__}")
        changes[key] = value
    return replace(config, **changes)


def save_setting(key: str, value: object, path: Path | None = None) -> None:
    """Write one top-level setting into ``config.toml``, keeping the other lines."""
    path = path or config_path()
    if isinstance(value, bool):
        rendered = "true" if value else "false"
    elif isinstance(value, (int, float)):
        rendered = str(value)
    else:
        rendered = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    tmp.replace(path)

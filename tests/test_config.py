"""Config: data-dir precedence and config.toml parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtui.config import Config, data_dir, load_config, save_setting
from blogtui.errors import ConfigError


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOGTUI_DATA_DIR", str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv("BLOGTUI_DATA_DIR")
    assert "blogtui" in str(data_dir())


def test_missing_config_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.toml") == Config()


def test_config_values_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('max_archive_pages = 3\ntheme = "textual-light"\nunknown = 1\n')
    config = load_config(path)
    assert (config.max_archive_pages, config.theme) == (3, "textual-light")
    path.write_text("max_archive_pages = 'many'\n")
    with pytest.raises(ConfigError, match="max_archive_pages"):
        load_config(path)
    path.write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_save_setting_keeps_other_lines(tmp_path: Path) -> None:
    path = tmp_path / "c" / "config.toml"
    save_setting("jobs", 4, path)
    save_setting("theme", "textual-light", path)
    save_setting("jobs", 6, path)
    config = load_config(path)
    assert (config.jobs, config.theme) == (6, "textual-light")


def test_save_setting_keeps_comments_order_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\njobs = 4  # fewer at home\ntheme = "textual-dark"\n\n[later]\nx = 1\n')
    save_setting("theme", "textual-light", path)
    save_setting("timeout", 5.0, path)
    assert path.read_text() == (
        '# mine\njobs = 4  # fewer at home\ntheme = "textual-light"\ntimeout = 5.0\n\n[later]\nx = 1\n'
    )
    config = load_config(path)
    assert (config.jobs, config.theme, config.timeout) == (4, "textual-light", 5.0)

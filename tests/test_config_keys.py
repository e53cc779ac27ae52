"""The [keys] table of config.toml: `blogtui config` checks it (keys given to two bindings), and
save_setting writes it as a table."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blogtui.config import config_path, load_config, save_setting
from blogtui.errors import ConfigError
from conftest import run


def _write(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_says_ok_for_a_sound_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = _write('theme = "textual-light"\n\n[keys]\nnext_post = "J"\n')
    code, out, err = run(capsys, "config")
    assert code == 0 and err == ""
    assert out.strip() == f"{path}: ok"


def test_config_without_a_file_says_the_defaults_apply(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config")
    assert code == 0
    assert "no such file (every setting has its default)" in out
    assert not os.path.exists(config_path())


def test_config_names_both_bindings_of_a_key_that_collides(capsys: pytest.CaptureFixture[str]) -> None:
    path = _write('[keys]\nnext_post = "s"\n')
    code, out, err = run(capsys, "config")
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f'blogtui: {path}: [keys]: next_post = "s": s is toggle_star')
    assert "only one of them works" in line


def test_config_reports_a_bad_setting_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = _write("jobs = 0\n")
    code, _, err = run(capsys, "config")
    assert code == 2
    assert err.strip() == f"blogtui: {path}: jobs = 0: must be at least 1"


def test_save_setting_writes_keys_into_the_keys_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "textual-light"\n\n[keys]\nnext_post = "J"\n\n'
        '[feeds."https://a.example/"]\narchive = false\n',
        encoding="utf-8",
    )
    save_setting("keys", {"next_post": "ctrl+n", "zoom": "Z"}, path)
    save_setting("jobs", 3, path)  # a top-level setting still lands above the tables
    config = load_config(path)
    assert config.keys == {"next_post": "ctrl+n", "zoom": "Z"}
    assert config.jobs == 3 and config.theme == "textual-light"
    assert not config.feed_settings("https://a.example/").archive
    text = path.read_text(encoding="utf-8")
    assert text.count("[keys]") == 1 and "next_post" in text.split("[feeds.")[0]


def test_save_setting_makes_the_keys_table_when_there_is_none(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_setting("keys", {"zoom": "Z"}, path)
    assert path.read_text(encoding="utf-8") == '[keys]\nzoom = "Z"\n'
    save_setting("theme", "textual-light", path)
    assert load_config(path).keys == {"zoom": "Z"}
    assert load_config(path).theme == "textual-light"


def test_save_setting_refuses_bad_keys_and_feed_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match="unknown action zoomx"):
        save_setting("keys", {"zoomx": "Z"}, path)
    with pytest.raises(ConfigError, match="save_feed_setting"):
        save_setting("feeds", {"https://a.example/": {"archive": False}}, path)
    assert not path.exists()

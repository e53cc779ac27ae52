"""Config: data-dir precedence, config.toml parsing and the check of every setting."""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

import pytest

from blogtui.config import RULES, Config, data_dir, load_config, save_setting
from blogtui.errors import ConfigError
from conftest import run

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


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
    path.write_text('max_archive_pages = 3\ntheme = "textual-light"\ntimeout = 5\n')
    config = load_config(path)
    assert (config.max_archive_pages, config.theme) == (3, "textual-light")
    assert config.timeout == 5.0 and isinstance(config.timeout, float)
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
    top = tomllib.loads(path.read_text())
    assert (top["jobs"], top["theme"], top["timeout"], top["later"]) == (4, "textual-light", 5.0, {"x": 1})
    # blogtui has no tables: load_config names the one here instead of ignoring it.
    with pytest.raises(ConfigError, match=r"unknown table \[later\]"):
        load_config(path)


def test_every_setting_has_a_rule_and_its_default_passes(tmp_path: Path) -> None:
    assert set(RULES) == {f.name for f in fields(Config)}
    path = tmp_path / "config.toml"
    for setting in fields(Config):
        save_setting(setting.name, getattr(Config(), setting.name), path)
    assert load_config(path) == Config()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("timout = 60", "unknown key timout (did you mean timeout?)"),
        ("job = 4", "unknown key job (did you mean jobs?)"),
        ("colour = 1", "unknown key colour (the settings are max_archive_pages, max_feed_bytes,"),
        ("timeout = -5", "timeout = -5: must be more than 0"),
        ("timeout = 0", "timeout = 0: must be more than 0"),
        ("timeout = nan", "timeout = nan: must be more than 0"),
        ("timeout = 86400", "timeout = 86400: must be at most 3600"),
        ('timeout = "20"', 'timeout = "20": must be a number'),
        ("jobs = 0", "jobs = 0: must be at least 1"),
        ("jobs = 1000", "jobs = 1000: must be at most 64"),
        ('jobs = "eight"', 'jobs = "eight": must be a whole number'),
        ("jobs = 2.5", "jobs = 2.5: must be a whole number"),
        ("jobs = true", "jobs = true: must be a whole number"),
        ("max_archive_pages = 0", "max_archive_pages = 0: must be at least 1"),
        ("max_feed_bytes = 10", "max_feed_bytes = 10: must be at least 1024"),
        ("max_feed_bytes = 2147483648", "max_feed_bytes = 2147483648: must be at most 1073741824"),
        ("theme = 3", 'theme = 3: must be text in quotes, e.g. theme = "textual-dark"'),
        ('theme = " "', 'theme = " ": must not be empty'),
        ('show_sidebar = "yes"', 'show_sidebar = "yes": must be true or false'),
        ('images = "some"', 'images = "some": must be one of off, lead, all'),
        ("images = true", 'images = true: must be text in quotes, e.g. images = "lead"'),
        ("image_cache_bytes = 1000", "image_cache_bytes = 1000: must be at least 1048576"),
        ("image_cache_bytes = 1.5e9", "image_cache_bytes = 1500000000.0: must be a whole number"),
        ("[ui]\ntheme = 'x'", "unknown table [ui] (settings are top-level keys:"),
    ],
)
def test_a_bad_setting_is_one_line_naming_file_key_value_and_fix(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"# mine\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: {message}")
    assert "\n" not in text


def test_save_setting_refuses_what_load_config_would_refuse(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    save_setting("theme", "textual-light", path)
    for key, value in (("jobs", 0), ("timout", 5.0), ("theme", 3)):
        with pytest.raises(ConfigError, match=key):
            save_setting(key, value, path)
    assert path.read_text() == 'theme = "textual-light"\n'
    assert load_config(path).theme == "textual-light"


@pytest.mark.parametrize("args", [("posts",), ()], ids=["command", "tui"])
def test_cli_and_tui_report_a_bad_config_in_one_line(
    isolated: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    path = isolated / "config" / "config.toml"
    path.parent.mkdir()
    path.write_text("timout = 60\n")
    code, out, err = run(capsys, *args)  # no command: the TUI, never started
    assert code == 2 and out == ""
    assert err == f"blogtui: {path}: unknown key timout (did you mean timeout?)\n"


def test_image_settings_default_to_lead_images_and_a_1_gb_cap(tmp_path: Path) -> None:
    assert (Config().images, Config().image_cache_bytes) == ("lead", 1024**3)
    path = tmp_path / "config.toml"
    for value in ("off", "lead", "all"):
        save_setting("images", value, path)
        assert load_config(path).images == value
    save_setting("image_cache_bytes", 200 * 1024 * 1024, path)
    assert load_config(path).image_cache_bytes == 200 * 1024 * 1024
    with pytest.raises(ConfigError, match="must be one of off, lead, all"):
        save_setting("images", "first", path)


def test_a_keys_table_maps_binding_ids_to_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "textual-light"\n\n[keys]\nnext_post = "J"\nlist_down = "j, down"\nhelp = "f1"\n'
    )
    assert load_config(path).keys == {"next_post": "J", "list_down": "j,down", "help": "f1"}
    assert Config().keys == {}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('nxt_post = "J"', "[keys]: unknown action nxt_post (did you mean next_post?)"),
        ('zzzz = "J"', "[keys]: unknown action zzzz (the README's settings list every action)"),
        ("next_post = 3", '[keys]: next_post = 3: must be keys in quotes, e.g. next_post = "J" or "j,down"'),
        ('next_post = "ctrl+nope"', '[keys]: next_post = "ctrl+nope": nope is not a key (a character,'),
        ('next_post = "cmd+j"', '[keys]: next_post = "cmd+j": cmd is not a modifier (ctrl, shift,'),
        ('next_post = "j,,k"', '[keys]: next_post = "j,,k": an empty key (several keys are separated'),
        ('next_post = ""', '[keys]: next_post = "": an empty key'),
    ],
)
def test_a_bad_keys_table_is_one_line_naming_the_action_or_key(
    tmp_path: Path, table: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[keys]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: {message}")
    assert "\n" not in text


def test_keys_not_a_table_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('keys = "J"\n')
    with pytest.raises(ConfigError, match=r'\[keys\] must be a table, e.g. \[keys\] then next_post = "J"'):
        load_config(path)


@pytest.mark.parametrize(
    "key", ["J", "j", "ctrl+f", "question_mark", "?", "plus", "pagedown", "f12", "shift+up"]
)
def test_keys_textual_reads_pass(key: str) -> None:
    from textual.keys import Keys, _character_to_key

    from blogtui.config import KEY_NAMES, character_key, key_problem

    assert key_problem(key) is None
    assert {k.value for k in Keys} >= KEY_NAMES
    assert all(character_key(chr(c)) == _character_to_key(chr(c)) for c in range(32, 127))

"""Layering: nothing outside blogtui.ui imports Textual, and headless commands never load it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import blogtui

DATA_MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(blogtui.__path__, "blogtui.")
    if not m.name.startswith("blogtui.ui") and m.name != "blogtui.__main__"
)


def test_data_layer_modules_do_not_import_textual() -> None:
    assert {"blogtui.library", "blogtui.cli", "blogtui.storage.store", "blogtui.content.article"} <= set(
        DATA_MODULES
    )
    code = (
        "import importlib, sys\n"
        f"for name in {DATA_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "", f"Textual imported by the data layer: {out.stdout}"


def test_headless_command_does_not_load_textual(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\n"
        "from blogtui.cli import main\n"
        f"main(['--data-dir', {str(tmp_path)!r}, 'posts', '--json'])\n"
        "print('textual' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stderr.strip().endswith("False"), out.stderr
    assert out.stdout.strip() == "[]"


def test_reader_start_does_not_load_the_fetcher(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The reader opens without the network stack, the parsers or the backup readers: they load
    when a refresh, an import or a picture first needs them (each costs start-up time)."""
    code = (
        "import sys\n"
        "import blogtui.cli, blogtui.ui.app\n"
        "from blogtui.library import Library\n"
        f"library = Library({str(tmp_path)!r})\n"
        "library.has_feeds()\n"
        "library.store.add_feed('https://blog.example/feed')\n"
        "library.feed('https://blog.example/feed', words=True)  # the card's facts\n"
        "heavy = ('httpx', 'feedparser', 'trafilatura', 'PIL', 'blogtui.fetching', 'blogtui.interop')\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "", f"loaded at start: {out.stdout}"

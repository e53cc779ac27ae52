"""Regenerate screenshots/*.svg from the demo blog: seed a temporary library, drive the app with Pilot."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from blogtui.cli import demo_feed_path, keep_demo_pictures  # noqa: E402
from blogtui.library import Library  # noqa: E402
from ui_harness import frozen_clock, make_app, seeded_library, settle  # noqa: E402

SHOTS: list[tuple[str, tuple[int, int], Sequence[str], str | None]] = [
    ("main", (140, 40), (), None),
    ("reader", (140, 40), ("j", "j", "j", "enter"), None),
    ("search", (140, 40), ("slash", *"tag:gardening", "enter"), None),
    ("help", (120, 42), ("question_mark",), None),
    ("narrow-80x24", (80, 24), ("j",), None),
    ("light", (140, 40), ("enter",), "textual-light"),
    ("wide-200x60", (200, 60), ("j", "j", "enter"), None),
]
#: Shot from the demo as `blogtui demo` has it, its picture kept: "Raised beds", the ninth post.
PICTURE_SHOT = ("picture", (80, 30), (*"jjjjjjjj", "enter", "z", *"jjjjj"), None)


async def shoot(
    library: Library, name: str, size: tuple[int, int], keys: Sequence[str], theme: str | None, out: Path
) -> None:
    app = make_app(library)
    if theme:
        app.theme = theme
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, app)
        app.save_screenshot(filename=f"{name}.svg", path=str(out))


async def export(out: Path) -> int:
    """Write every screenshot into ``out``; returns how many."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        library = seeded_library(Path(tmp) / "demo")
        for name, size, keys, theme in SHOTS:
            await shoot(library, name, size, keys, theme, out)
        empty = Library(Path(tmp) / "empty")
        await shoot(empty, "welcome", (100, 30), (), None, out)
        library.close()
        empty.close()
        pictures = Library(Path(tmp) / "pictures", clock=frozen_clock)
        keep_demo_pictures(pictures)  # before subscribing, as `blogtui demo` does
        pictures.subscribe([str(demo_feed_path())])
        await shoot(pictures, *PICTURE_SHOT, out)
        pictures.close()
    return len(SHOTS) + 2


if __name__ == "__main__":
    target = ROOT / "screenshots"
    print(f"wrote {asyncio.run(export(target))} screenshots to {target}")

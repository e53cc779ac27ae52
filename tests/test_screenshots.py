"""screenshots/ must be what scripts/export_screenshots.py makes from the demo today (never stale)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def test_screenshots_are_current(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "export_screenshots", ROOT / "scripts" / "export_screenshots.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    count = await module.export(tmp_path)
    made = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert len(made) == count
    stale = [
        name for name in made if (ROOT / "screenshots" / name).read_bytes() != (tmp_path / name).read_bytes()
    ]
    assert not stale, f"run `python scripts/export_screenshots.py` and commit: {stale} changed"

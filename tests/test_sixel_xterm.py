"""The demo's picture in a real Sixel terminal: xterm as a VT340 on a virtual X display
(``scripts/sixel_in_xterm.sh``), its window saved and compared, pixel by pixel, with the picture
as blogtui draws it. Skipped without xterm, Xvfb, xdotool, xwd and netpbm (CI installs them).

What this sees that ``tests/vt.py`` cannot: the terminal's own reading of the sequences (the
probe's answers, xterm's colour registers, the cursor after an image)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("xterm", "Xvfb", "xdotool", "xwd", "xwdtopnm", "pnmtopng")
#: xterm's window: 120 x 40 cells and a border of 2 pixels each side (internalBorder).
COLUMNS, LINES, BORDER = 120, 40, 2

missing = [tool for tool in TOOLS if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"no {', '.join(missing)} (apt-get install xterm xvfb xdotool x11-apps netpbm)"
)


def test_xterm_shows_the_demo_picture_in_sixel_at_full_resolution(tmp_path: Path) -> None:
    shot = tmp_path / "xterm.png"
    blogtui = Path(sys.executable).parent / "blogtui"
    env = {**os.environ, "BLOGTUI": str(blogtui)}
    env.pop("DISPLAY", None)
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "sixel_in_xterm.sh"), str(shot)],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    if done.returncode in (2, 3):  # a tool missing, or no X display can start here
        # The script's own reason is its last line (xterm's warnings come before it).
        lines = done.stderr.strip().splitlines()
        pytest.skip(lines[-1] if lines else f"sixel_in_xterm.sh: exit {done.returncode}")
    assert done.returncode == 0, done.stderr
    screen = Image.open(shot).convert("RGB")
    cell_w = (screen.width - 2 * BORDER) // COLUMNS
    cell_h = (screen.height - 2 * BORDER) // LINES
    assert cell_w >= 5 and cell_h >= 10, screen.size
    source = Image.open(ROOT / "src" / "blogtui" / "demo" / "beds.png")
    # Where the picture's first line is: the first long run of its sky on screen.
    sky = (165, 200, 232)
    pixels = screen.load()
    assert pixels is not None
    found = None
    for y in range(screen.height):
        run = 0
        for x in range(screen.width + 1):
            if x < screen.width and max(abs(a - b) for a, b in zip(pixels[x, y], sky, strict=True)) < 24:
                run += 1
                continue
            if run >= 40 * cell_w:  # the picture's top line: its sky, all of its width
                found = (x - run, y, run)
                break
            run = 0
        if found:
            break
    assert found is not None, "no picture on screen"
    left, top, width = found
    # On a cell (the sky's edge pixels, blended by the resize, may be a shade off).
    assert abs(left - BORDER - round((left - BORDER) / cell_w) * cell_w) <= 2, left
    assert abs(top - BORDER - round((top - BORDER) / cell_h) * cell_h) <= 2, top
    left = BORDER + round((left - BORDER) / cell_w) * cell_w
    top = BORDER + round((top - BORDER) / cell_h) * cell_h
    # The picture as blogtui draws it for these cells (fit's rows), each pixel its own.
    cells = round(width / cell_w)
    rows = round(source.height * cells * cell_w / source.width / cell_h)
    expected = source.convert("RGB").resize((cells * cell_w, rows * cell_h), Image.Resampling.LANCZOS)
    shown_rows = min(rows, (screen.height - BORDER - top) // cell_h - 2)  # above the status line
    same = total = 0
    for y in range(0, shown_rows * cell_h, 3):
        for x in range(0, expected.width, 3):
            total += 1
            want, got = expected.getpixel((x, y)), pixels[left + x, top + y]
            same += max(abs(a - b) for a, b in zip(want, got, strict=True)) <= 40  # type: ignore[arg-type]
    # Sixel shows the picture's own pixels (half cells would be blocks of a cell's half): nearly
    # every sample matches, lines and colours in their place.
    assert total > 1000 and same / total > 0.9, f"{same} of {total} pixels match"

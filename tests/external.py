"""Programs of other projects that tests and benchmarks check blogtui's output with (one place
that knows how each is installed and run)."""

from __future__ import annotations

import shutil
from pathlib import Path


def epubcheck() -> list[str] | None:
    """The command that runs epubcheck, or None. Debian installs it as a jar named epubcheck."""
    found = shutil.which("epubcheck")
    if found is None:
        return None
    real = Path(found).resolve()
    if real.suffix == ".jar":
        java = shutil.which("java")
        return [java, "-jar", str(real)] if java else None
    return [found]

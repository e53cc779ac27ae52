"""Where the real-world feed corpus is: the one place tests (and benchmarks) look for it.

The corpus is not part of the repository. CI checks it out beside the repository, at
``<repo>/../shared/corpus/real`` (files under format folders, listed in ``MANIFEST.tsv``); the
environment variable ``BLOGTUI_CORPUS`` names another directory. A plain clone has no corpus: the
tests that need one skip and say why (``pytest -ra`` lists the reason).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = "BLOGTUI_CORPUS"
DEFAULT = ROOT.parent / "shared" / "corpus" / "real"
#: Files of the corpus directory that are about the corpus, not feeds.
NOT_FEEDS = frozenset({"MANIFEST.tsv", "README.md"})


def corpus_dir() -> Path:
    """``$BLOGTUI_CORPUS`` if set (and not empty), else ``<repo>/../shared/corpus/real``."""
    value = os.environ.get(ENV, "").strip()
    return Path(value).expanduser() if value else DEFAULT


def corpus_files(root: Path | None = None) -> list[Path]:
    """Every feed file of the corpus, sorted; empty when there is no corpus."""
    root = corpus_dir() if root is None else root
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in NOT_FEEDS)


def absent_reason(root: Path | None = None) -> str | None:
    """Why the corpus cannot be used (a skip reason), or None when it has a MANIFEST.tsv."""
    root = corpus_dir() if root is None else root
    if not (root / "MANIFEST.tsv").is_file():
        if os.environ.get(ENV, "").strip():
            return f"no real-world corpus at {root} (no MANIFEST.tsv in the directory ${ENV} names)"
        return f"no real-world corpus at {root} (no MANIFEST.tsv; set ${ENV} to use one elsewhere)"
    return None


CORPUS = corpus_dir()

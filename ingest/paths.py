"""Where the shared corpus and the user's data live."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def corpus_root() -> Path:
    """The shared corpus (`../shared/corpus` beside the checkout, or $COUNCIL_CORPUS)."""
    return Path(os.environ.get("COUNCIL_CORPUS", REPO_ROOT.parent / "shared" / "corpus")).resolve()


def data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "council-assistant"

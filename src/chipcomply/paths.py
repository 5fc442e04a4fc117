"""Where chipcomply keeps state that is not shipped in the package.

Everything writable (list snapshots fetched later, the SQLite database, reports) lives under
one data home: ``$CHIPCOMPLY_HOME`` when set (tests point it at a temporary directory),
otherwise ``$XDG_DATA_HOME/chipcomply`` or ``~/.local/share/chipcomply``.
"""

from __future__ import annotations

import os
from pathlib import Path

_made: set[Path] = set()


def data_home() -> Path:
    explicit = os.environ.get("CHIPCOMPLY_HOME")
    if explicit:
        base = Path(explicit)
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = Path(xdg) / "chipcomply" if xdg else Path.home() / ".local/share/chipcomply"
    if base not in _made:  # hot paths call this per request; create the folder once
        base.mkdir(parents=True, exist_ok=True)
        _made.add(base)
    return base

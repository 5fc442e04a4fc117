"""chipcomply — export-control compliance engine for AI compute."""

from __future__ import annotations

__version__ = "0.1.0"

from chipcomply.logic.classify import Classification, classify
from chipcomply.logic.determine import determine as determine
from chipcomply.model import ChipSpec
from chipcomply.screening import screen

__all__ = ["ChipSpec", "Classification", "__version__", "classify", "screen"]

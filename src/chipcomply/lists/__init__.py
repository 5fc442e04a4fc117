"""Restricted-party lists: records, parsers for the official formats, snapshots."""

from __future__ import annotations

from chipcomply.lists.parsers import FORMATS, ParsedList, parse_file
from chipcomply.lists.records import ListRecord, parse_footnotes
from chipcomply.lists.sources import BY_CODE, SOURCES, Source, source_code
from chipcomply.lists.store import (
    ActiveLists,
    Snapshot,
    SnapshotMeta,
    SnapshotStore,
    active_lists,
    combine,
    validate,
)

__all__ = [
    "BY_CODE",
    "FORMATS",
    "SOURCES",
    "ActiveLists",
    "ListRecord",
    "ParsedList",
    "Snapshot",
    "SnapshotMeta",
    "SnapshotStore",
    "Source",
    "active_lists",
    "combine",
    "parse_file",
    "parse_footnotes",
    "source_code",
    "validate",
]

"""Real list editions for the monitor tests, built from the bundled ones.

The bundled CSL projection and OFAC SDN JSON are the newest editions; older ones are made
by removing and altering entries (aliases added or dropped, a licence requirement
rewritten), and written in the same formats, so `lists update --from` reads them exactly as
it reads a download.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


@lru_cache(maxsize=2)
def _doc(name: str) -> dict[str, Any]:
    blob = resources.files("chipcomply.lists").joinpath(f"data/{name}").read_bytes()
    doc: dict[str, Any] = json.loads(gzip.decompress(blob))
    return doc


def bundled_csl() -> dict[str, Any]:
    return copy.deepcopy(_doc("csl_projection_2026-07-31.json.gz"))


def bundled_sdn() -> dict[str, Any]:
    return copy.deepcopy(_doc("ofac_sdn_2026-08-20.json.gz"))


def older_csl(
    seed: int, as_of: str, drop: int, alter: int, keep: set[str] = frozenset()
) -> dict[str, Any]:
    """The CSL projection without ``drop`` non-SDN entries and with ``alter`` changed."""
    doc = bundled_csl()
    rng = random.Random(seed)
    sources = doc["tables"]["sources"]
    pool = [
        i
        for i, e in enumerate(doc["entries"])
        if "(SDN)" not in sources[e["s"]] and e.get("n") not in keep
    ]
    picks = rng.sample(pool, drop + alter)
    gone = set(picks[:drop])
    for n, i in enumerate(picks[drop:]):
        e = doc["entries"][i]
        if n % 3 == 0 and e.get("a"):
            e["a"] = e["a"][:-1]
        elif n % 3 == 1:
            e["a"] = [*(e.get("a") or []), f"{e['n']} International Trading"]
        else:
            e["fr"] = "91 FR 12345"
    doc["entries"] = [e for i, e in enumerate(doc["entries"]) if i not in gone]
    doc["entryCount"] = len(doc["entries"])
    doc["sourceGeneratedAt"] = f"{as_of}T00:00:00Z"
    return doc


def older_sdn(
    seed: int, as_of: str, drop: int, alter: list[int], keep: set[int] = frozenset()
) -> dict[str, Any]:
    """The SDN JSON without ``drop`` entries and with the entries ``alter`` (uids) changed."""
    doc = bundled_sdn()
    rng = random.Random(seed)
    pool = [
        i for i, e in enumerate(doc["entries"]) if e["uid"] not in keep and e["uid"] not in alter
    ]
    gone = set(rng.sample(pool, drop))
    for e in doc["entries"]:
        if e["uid"] in alter:
            names = list(e.get("alternateNames") or [])
            e["alternateNames"] = names[:-1] if names else [f"{e['name']} GENERAL TRADING LLC"]
    doc["entries"] = [e for i, e in enumerate(doc["entries"]) if i not in gone]
    doc["published"] = as_of
    return doc


def write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path

"""Fetching list files: the official downloads, another URL, or a local file.

Every fetch lands in a folder the caller owns (a temporary one during an update) and is
checked for completeness: an HTTP error status, a connection that fails, or a body shorter
than its ``Content-Length`` is refused with a message naming the URL, before anything is
parsed. OFAC's legacy ``sdn.csv`` comes with sibling files (``alt.csv``, ``add.csv``,
``sdn_comments.csv``) that carry the aliases and addresses; they are fetched from the same
place.
"""

from __future__ import annotations

import http.client
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path

from chipcomply import __version__
from chipcomply.errors import BadInput, DataError

#: The official downloads `chipcomply lists update` fetches when no --from is given.
OFFICIAL: tuple[tuple[str, str], ...] = (
    # (family, URL)
    ("csl", "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"),
    ("ofac-sdn", "https://www.treasury.gov/ofac/downloads/sdn.csv"),
)
#: Files that travel with an OFAC legacy primary file (the first group is required when the
#: primary file is the official download, the rest are fetched when present).
OFAC_SIBLINGS = {
    "sdn.csv": (("alt.csv", "add.csv"), ("sdn_comments.csv",)),
    "cons_prim.csv": (("cons_alt.csv", "cons_add.csv"), ("cons_comments.csv",)),
}
TIMEOUT = 60.0  # seconds without data before a download is abandoned
MAX_BYTES = 512 * 1024 * 1024
USER_AGENT = f"chipcomply/{__version__} (list update)"


class NotThere(DataError):
    """The server has no such file (HTTP 404 or 410)."""


@dataclass(frozen=True)
class Fetched:
    """One fetched file: where it is now, where it came from, what the server said."""

    path: Path
    origin: str  # the URL or the local path as given
    last_modified: date | None = None
    remote: bool = False


def is_url(value: str) -> bool:
    return urllib.parse.urlsplit(value).scheme in ("http", "https", "file")


def _download(url: str, dest: Path) -> date | None:
    """Stream ``url`` to ``dest``; refuse errors and short bodies. Returns Last-Modified."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            expected = resp.headers.get("Content-Length")
            modified = resp.headers.get("Last-Modified")
            got = 0
            with dest.open("wb") as fh:
                while True:
                    block = resp.read(1 << 20)
                    if not block:
                        break
                    got += len(block)
                    if got > MAX_BYTES:
                        raise DataError(f"{url}: larger than {MAX_BYTES // (1 << 20)} MB; refused")
                    fh.write(block)
    except urllib.error.HTTPError as exc:
        error = NotThere if exc.code in (404, 410) else DataError
        raise error(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DataError(f"cannot fetch {url} ({exc.reason})") from None
    except http.client.IncompleteRead as exc:
        raise DataError(
            f"{url}: truncated download ({len(exc.partial):,} more bytes were promised)"
        ) from None
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        raise DataError(f"cannot fetch {url} ({type(exc).__name__}: {exc})") from None
    if expected is not None and expected.isdigit() and got != int(expected):
        raise DataError(f"{url}: truncated download ({got:,} of {int(expected):,} bytes)")
    if modified:
        try:
            return parsedate_to_datetime(modified).date()
        except (TypeError, ValueError):
            return None
    return None


def _name_of(url: str) -> str:
    name = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    return name or "download"


def fetch(source: str, folder: Path, *, official: bool = False) -> Fetched:
    """Fetch one list file (URL or local path) into ``folder``, with OFAC siblings."""
    folder.mkdir(parents=True, exist_ok=True)
    if not is_url(source):
        path = Path(source).expanduser()
        if not path.is_file():
            raise BadInput("--from", f"no such file: {source}")
        dest = folder / path.name
        try:
            shutil.copyfile(path, dest)
        except OSError as exc:
            raise BadInput("--from", f"cannot read {source} ({exc.strerror})") from None
        for group in OFAC_SIBLINGS.get(path.name.lower(), ()):
            for sibling in group:
                for cand in (path.with_name(sibling), path.with_name(sibling.upper())):
                    if cand.is_file():
                        shutil.copyfile(cand, folder / sibling)
                        break
        return Fetched(dest, source)
    name = _name_of(source)
    dest = folder / name
    modified = _download(source, dest)
    required, optional = OFAC_SIBLINGS.get(name.lower(), ((), ()))
    base = source.rsplit("/", 1)[0]
    for sibling in (*required, *optional):
        url = f"{base}/{sibling}"
        try:
            _download(url, folder / sibling)
        except NotThere:
            (folder / sibling).unlink(missing_ok=True)
            if official and sibling in required:
                raise
    return Fetched(dest, source, modified, remote=True)

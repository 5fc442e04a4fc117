"""One screener for the whole session: the index over the bundled lists is built once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chipcomply.screening import Screener, get_screener


@pytest.fixture(scope="session")
def screening_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chipcomply-home")


@pytest.fixture(autouse=True)
def _isolated_home(screening_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHIPCOMPLY_HOME", str(screening_home))
    monkeypatch.setenv("CHIPCOMPLY_INDEX_CACHE", "0")
    yield


@pytest.fixture(scope="session")
def screener(screening_home: Path) -> Screener:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHIPCOMPLY_HOME", str(screening_home))
        mp.setenv("CHIPCOMPLY_INDEX_CACHE", "0")
        return get_screener()

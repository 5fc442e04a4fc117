"""A desk on a fresh SQLite file, a test client, and one API key per role."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chipcomply.api.app import create_app
from chipcomply.service import SYSTEM, Desk
from chipcomply.store import Store

# Writable state (imported list snapshots, the default database) stays out of the user's home.
os.environ.setdefault("CHIPCOMPLY_HOME", tempfile.mkdtemp(prefix="chipcomply-api-"))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    path: Path = tmp_path_factory.mktemp("desk") / "desk.sqlite3"
    store = Store(f"sqlite:///{path}")
    yield Desk(store)
    store.close()


@pytest.fixture(scope="module")
def client(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk=desk)) as c:
        yield c


@pytest.fixture(scope="module")
def keys(desk: Desk) -> dict[str, str]:
    return {
        role: desk.create_key(SYSTEM, role, f"{role} tester")["key"]
        for role in ("analyst", "admin", "auditor")
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def analyst(keys: dict[str, str]) -> dict[str, str]:
    return bearer(keys["analyst"])


@pytest.fixture(scope="module")
def admin(keys: dict[str, str]) -> dict[str, str]:
    return bearer(keys["admin"])


@pytest.fixture(scope="module")
def auditor(keys: dict[str, str]) -> dict[str, str]:
    return bearer(keys["auditor"])

"""Storage tests run against SQLite and a real, throwaway PostgreSQL server.

The server is started once per test session with the Debian binaries (initdb, pg_ctl) on a
free loopback port and removed afterwards. Without the binaries the PostgreSQL half is
skipped — unless CHIPCOMPLY_REQUIRE_PG=1 (set by .ci/run), where absence is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from chipcomply.store import Store, forget_store, resolve_url

os.environ.setdefault("CHIPCOMPLY_HOME", tempfile.mkdtemp(prefix="chipcomply-store-"))


def _pg_bin() -> Path | None:
    for cand in [
        shutil.which("pg_ctl"),
        *sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True),
    ]:
        if cand and Path(cand).with_name("initdb").exists():
            return Path(cand).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="chipcomply-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user: str | None = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError:
                self.user = "nobody"
            shutil.chown(self.root, user=self.user)
            os.chmod(self.root, 0o700)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.root, timeout=120)

    def start(self) -> str:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "chipcomply",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start"
        )
        return f"postgresql://chipcomply@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CHIPCOMPLY_REQUIRE_PG") == "1":
            pytest.fail(
                "PostgreSQL binaries (initdb, pg_ctl) not found and CHIPCOMPLY_REQUIRE_PG=1"
            )
        pytest.skip("PostgreSQL binaries not installed")
    server = PgServer(bindir)
    try:
        url = server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        server.stop()
        detail = getattr(exc, "stderr", b"") or b""
        pytest.fail(f"could not start PostgreSQL: {exc}: {detail.decode(errors='replace')[-500:]}")
    yield url
    server.stop()


_counter = iter(range(1, 10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    base: str = request.getfixturevalue("pg_url")
    name = f"t{os.getpid()}_{next(_counter)}"
    engine = sa.create_engine(resolve_url(base), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    forget_store(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    st = Store(store_url)
    yield st
    st.close()

"""The desk's database: SQLite file by default, PostgreSQL by URL, same schema for both.

Everything here is storage: rows in, rows out. Deciding what to store (which answer, which
versions, the time) is the service's job (``chipcomply.service``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from chipcomply.errors import BadInput, DataError
from chipcomply.paths import data_home
from chipcomply.store import schema as s
from chipcomply.store.audit import VerifyResult, canonical_json, record_hash, verify_chain

DB_ENV = "CHIPCOMPLY_DB"
ROLES = ("analyst", "admin", "auditor")
KEY_PREFIX = "cc"


def default_url() -> str:
    return f"sqlite:///{data_home() / 'chipcomply.sqlite3'}"


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then ``$CHIPCOMPLY_DB``, then the SQLite file under the data home."""
    raw = (url or os.environ.get(DB_ENV) or "").strip()
    if not raw:
        return default_url()
    if "://" not in raw:  # a bare path means a SQLite file
        return f"sqlite:///{os.path.abspath(raw)}"
    scheme = raw.split("://", 1)[0]
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg://" + raw.split("://", 1)[1]
    if scheme in ("sqlite", "postgresql+psycopg"):
        return raw
    raise BadInput(
        "--db", f"unsupported database URL scheme {scheme!r} (sqlite:// or postgresql://)"
    )


def display_url(url: str) -> str:
    """The URL with any password masked, for messages and /health."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def _sqlite_engine(url: str) -> Engine:
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions; open them IMMEDIATE so two
        # writers never both read the chain head before either appends.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writes take the write lock up front; multi-statement reads that must see one
        # snapshot (audit verification) open a deferred transaction; single-statement reads
        # run in SQLite's autocommit mode, with no transaction round trip at all.
        opts = conn.get_execution_options()
        if opts.get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif opts.get("snapshot"):
            conn.exec_driver_sql("BEGIN")

    return engine


# Statements on the hot path (every answer), built once: bound parameters, no re-coercion.
_HEAD_SELECT = sa.select(s.audit_head).where(s.audit_head.c.name == "main")
_HEAD_SELECT_LOCK = _HEAD_SELECT.with_for_update()
_HEAD_UPDATE = (
    s.audit_head.update()
    .where(s.audit_head.c.name == "main")
    .values(last_id=sa.bindparam("new_id"), last_hash=sa.bindparam("new_hash"))
)
_AUDIT_INSERT = s.audit_log.insert()
_KEY_SELECT = sa.select(s.api_keys).where(s.api_keys.c.key_id == sa.bindparam("kid"))
_CLEARANCES_SELECT = sa.select(s.clearances).where(
    s.clearances.c.counterparty_hash == sa.bindparam("cph"), s.clearances.c.revoked_at.is_(None)
)


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="microseconds")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Store:
    """A migrated database. Open with :func:`open_store`."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        self.dialect = "sqlite" if self.url.startswith("sqlite") else "postgresql"
        try:
            if self.dialect == "sqlite":
                self.engine = _sqlite_engine(self.url)
            else:
                self.engine = sa.create_engine(self.url, pool_size=8, max_overflow=8)
            self.migrate()
        except sa.exc.OperationalError as exc:
            raise DataError(f"cannot open database {display_url(self.url)}: {exc.orig}") from None
        self._append_lock = threading.Lock()

    # -- schema -----------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply missing migrations in order; returns the versions applied now."""
        applied_now: list[int] = []
        with self.begin() as conn:
            s.schema_migrations.create(conn, checkfirst=True)
        for version, name, step in s.MIGRATIONS:
            with self.begin() as conn:
                if self.dialect == "postgresql":  # one migrator at a time on a shared server
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(5151)")
                done = conn.execute(
                    sa.select(s.schema_migrations.c.version).where(
                        s.schema_migrations.c.version == version
                    )
                ).first()
                if done:
                    continue
                step(conn)
                conn.execute(
                    s.schema_migrations.insert().values(
                        version=version, name=name, applied_at=_now_iso()
                    )
                )
                applied_now.append(version)
        return applied_now

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            v = conn.execute(sa.select(sa.func.max(s.schema_migrations.c.version))).scalar()
        return int(v or 0)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction (IMMEDIATE on SQLite, so writers queue instead of racing)."""
        with self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()

    # -- keys and sessions ----------------------------------------------------------

    def create_key(self, role: str, label: str) -> tuple[str, str]:
        """A new API key; returns (key_id, the full key). Only its hash is stored."""
        if role not in ROLES:
            raise BadInput("role", f"must be one of {', '.join(ROLES)}, got {role!r}")
        label = label.strip()
        if not label or len(label) > 200:
            raise BadInput("label", "must be 1–200 characters")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(24)
        key = f"{KEY_PREFIX}_{key_id}_{secret}"
        with self.begin() as conn:
            conn.execute(
                s.api_keys.insert().values(
                    key_id=key_id,
                    secret_sha256=_sha(key),
                    role=role,
                    label=label,
                    created_at=_now_iso(),
                )
            )
        return key_id, key

    def count_keys(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(s.api_keys)).scalar() or 0
            )

    def authenticate(self, key: str) -> dict[str, Any] | None:
        """The key's row if ``key`` is a live key, else None."""
        parts = key.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(_KEY_SELECT, {"kid": parts[1]}).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(row["secret_sha256"], _sha(key.strip())):
            return None
        return dict(row)

    def list_keys(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    s.api_keys.c.key_id,
                    s.api_keys.c.role,
                    s.api_keys.c.label,
                    s.api_keys.c.created_at,
                    s.api_keys.c.revoked_at,
                ).order_by(s.api_keys.c.created_at)
            ).mappings()
            return [dict(r) for r in rows]

    def revoke_key(self, key_id: str) -> bool:
        with self.begin() as conn:
            res = conn.execute(
                s.api_keys.update()
                .where(s.api_keys.c.key_id == key_id, s.api_keys.c.revoked_at.is_(None))
                .values(revoked_at=_now_iso())
            )
            conn.execute(s.web_sessions.delete().where(s.web_sessions.c.key_id == key_id))
        return bool(res.rowcount)

    def create_session(self, key_id: str, expires_at: str) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        with self.begin() as conn:
            conn.execute(
                s.web_sessions.insert().values(
                    token_sha256=_sha(token),
                    key_id=key_id,
                    csrf_token=csrf,
                    created_at=_now_iso(),
                    expires_at=expires_at,
                )
            )
        return token, csrf

    def session(self, token: str, now_iso: str) -> dict[str, Any] | None:
        """The session and its key, if the token is live and the key not revoked."""
        j = s.web_sessions.join(s.api_keys, s.web_sessions.c.key_id == s.api_keys.c.key_id)
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(
                        s.web_sessions.c.csrf_token,
                        s.web_sessions.c.expires_at,
                        s.api_keys.c.key_id,
                        s.api_keys.c.role,
                        s.api_keys.c.label,
                        s.api_keys.c.revoked_at,
                    )
                    .select_from(j)
                    .where(s.web_sessions.c.token_sha256 == _sha(token))
                )
                .mappings()
                .first()
            )
        if row is None or row["revoked_at"] is not None or row["expires_at"] <= now_iso:
            return None
        return dict(row)

    def end_session(self, token: str) -> None:
        with self.begin() as conn:
            conn.execute(
                s.web_sessions.delete().where(s.web_sessions.c.token_sha256 == _sha(token))
            )

    # -- audit chain ----------------------------------------------------------------

    def append_audit(
        self,
        conn: Connection,
        *,
        kind: str,
        created_at: str,
        user_name: str,
        role: str,
        input_obj: Any,
        output_obj: Any,
        context: Any,
        rulebook_version: str | None,
        lists: dict[str, str],
        engine_version: str,
    ) -> dict[str, Any]:
        """Append one record inside ``conn``'s transaction; returns the stored row."""
        sel = _HEAD_SELECT_LOCK if self.dialect == "postgresql" else _HEAD_SELECT
        head = conn.execute(sel).mappings().first()
        if head is None:
            raise DataError("the audit chain head is missing: run `chipcomply audit verify`")
        last_id, last_hash = int(head["last_id"]), str(head["last_hash"])
        row: dict[str, Any] = {
            "id": last_id + 1,
            "kind": kind,
            "created_at": created_at,
            "user_name": user_name,
            "role": role,
            "input_json": canonical_json(input_obj),
            "output_json": canonical_json(output_obj),
            "context_json": canonical_json(context),
            "rulebook_version": rulebook_version,
            "lists_json": canonical_json(lists),
            "engine_version": engine_version,
            "prev_hash": last_hash,
        }
        row["hash"] = record_hash(last_hash, row)
        conn.execute(_AUDIT_INSERT, row)
        conn.execute(_HEAD_UPDATE, {"new_id": row["id"], "new_hash": row["hash"]})
        return row

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction; audit appends in one process are serialised here too."""
        with self._append_lock, self.begin() as conn:
            yield conn

    def audit_record(self, record_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(sa.select(s.audit_log).where(s.audit_log.c.id == record_id))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def audit_records(
        self, *, after: int = 0, limit: int = 50, kind: str | None = None, newest_first: bool = True
    ) -> list[dict[str, Any]]:
        q = sa.select(s.audit_log)
        if after:
            q = q.where(s.audit_log.c.id < after if newest_first else s.audit_log.c.id > after)
        if kind:
            q = q.where(s.audit_log.c.kind == kind)
        order = s.audit_log.c.id.desc() if newest_first else s.audit_log.c.id
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q.order_by(order).limit(limit)).mappings()]

    def verify_audit(self) -> VerifyResult:
        with self.engine.connect() as conn:
            # head and rows from one snapshot, so a concurrent append is not "tampering"
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            else:
                conn.execution_options(snapshot=True)
            head = (
                conn.execute(sa.select(s.audit_head).where(s.audit_head.c.name == "main"))
                .mappings()
                .first()
            )
            rows = conn.execute(sa.select(s.audit_log).order_by(s.audit_log.c.id)).mappings()
            return verify_chain(rows, dict(head) if head else None)

    # -- rulebook bundles -----------------------------------------------------------

    def has_bundle(self, version: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(s.rulebook_bundles.c.version).where(
                        s.rulebook_bundles.c.version == version
                    )
                ).first()
                is not None
            )

    def put_bundle(self, conn: Connection, version: str, files: dict[str, str]) -> None:
        exists = conn.execute(
            sa.select(s.rulebook_bundles.c.version).where(s.rulebook_bundles.c.version == version)
        ).first()
        if exists:
            return
        body = canonical_json(files)
        conn.execute(
            s.rulebook_bundles.insert().values(
                version=version, files_json=body, sha256=_sha(body), created_at=_now_iso()
            )
        )

    def bundle(self, version: str) -> dict[str, str] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(s.rulebook_bundles).where(s.rulebook_bundles.c.version == version)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        if _sha(row["files_json"]) != row["sha256"]:
            raise DataError(f"rulebook bundle {version} is corrupt (hash mismatch)")
        files: dict[str, str] = json.loads(row["files_json"])
        return files

    # -- cases ------------------------------------------------------------------------

    def insert(self, conn: Connection, table: sa.Table, **values: Any) -> int:
        res = conn.execute(table.insert().values(**values))
        pk = res.inserted_primary_key
        return int(pk[0]) if pk else 0

    def row(self, table: sa.Table, row_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().first()
        return dict(r) if r else None

    def rows(
        self, table: sa.Table, *where: Any, order: Any = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        q = sa.select(table)
        for w in where:
            q = q.where(w)
        q = q.order_by(order if order is not None else table.c.id)
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def update(self, table: sa.Table, row_id: int, **values: Any) -> None:
        with self.begin() as conn:
            conn.execute(table.update().where(table.c.id == row_id).values(**values))

    def active_clearances(self, counterparty_hash: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(_CLEARANCES_SELECT, {"cph": counterparty_hash}).mappings()
            return [dict(r) for r in rows]


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> Store:
    """A migrated store for ``url`` (one per URL per process)."""
    resolved = resolve_url(url)
    with _STORES_LOCK:
        store = _STORES.get(resolved)
        if store is None:
            store = Store(resolved)
            _STORES[resolved] = store
        return store


def forget_store(url: str) -> None:
    """Drop the cached store for ``url`` (tests that delete databases)."""
    with _STORES_LOCK:
        store = _STORES.pop(resolve_url(url), None)
    if store is not None:
        store.close()

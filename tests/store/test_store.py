"""The store on SQLite and PostgreSQL: migrations, keys, sessions, audit chain, bundles."""

from __future__ import annotations

import itertools
import threading

import sqlalchemy as sa

from chipcomply.store import Store
from chipcomply.store import schema as s
from chipcomply.store.audit import GENESIS, record_hash


def _append(store: Store, n: int, kind: str = "classify") -> list[dict]:
    rows = []
    for i in range(n):
        with store.writing() as conn:
            rows.append(
                store.append_audit(
                    conn,
                    kind=kind,
                    created_at=f"2026-01-01T00:00:{i:02d}",
                    user_name="ana",
                    role="analyst",
                    input_obj={"i": i, "name": "华为"},
                    output_obj={"ok": i},
                    context={},
                    rulebook_version="rb-1",
                    lists={"csl": "csl-1"},
                    engine_version="0.1.0",
                )
            )
    return rows


def test_migrations_are_recorded_and_idempotent(store: Store) -> None:
    assert store.schema_version() == s.SCHEMA_VERSION
    assert store.migrate() == []  # nothing left to apply
    with store.engine.connect() as conn:
        versions = [
            r[0]
            for r in conn.execute(
                sa.select(s.schema_migrations.c.version).order_by(s.schema_migrations.c.version)
            )
        ]
    assert versions == [m[0] for m in s.MIGRATIONS]
    again = Store(store.url)  # reopening an up-to-date database changes nothing
    assert again.schema_version() == s.SCHEMA_VERSION
    again.close()


def test_keys_are_stored_hashed_and_revocable(store: Store) -> None:
    key_id, key = store.create_key("auditor", "Ext")
    with store.engine.connect() as conn:
        raw = conn.execute(sa.select(s.api_keys)).mappings().all()
    assert key not in repr(raw) and raw[0]["secret_sha256"] != key
    assert store.authenticate(key)["role"] == "auditor"
    assert store.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert store.authenticate("garbage") is None
    token, csrf = store.create_session(key_id, "2999-01-01T00:00:00+00:00")
    assert store.session(token, "2026-01-01")["csrf_token"] == csrf
    assert store.session(token, "3000-01-01") is None  # expired
    assert store.revoke_key(key_id) is True
    assert store.authenticate(key) is None and store.session(token, "2026-01-01") is None


def test_audit_chain_links_each_record_to_the_one_before(store: Store) -> None:
    rows = _append(store, 3)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert rows[0]["prev_hash"] == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after["prev_hash"] == before["hash"] == record_hash(before["prev_hash"], before)
    v = store.verify_audit()
    assert v.intact and v.records == 3 and v.head_id == 3 and v.head_hash == rows[-1]["hash"]
    stored = store.audit_record(2)
    assert stored is not None and stored["input_json"] == '{"i":1,"name":"华为"}'


def test_concurrent_appends_keep_one_chain(store: Store) -> None:
    def work() -> None:
        _append(store, 10)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    v = store.verify_audit()
    assert v.intact and v.records == 40


def test_concurrent_appends_from_two_store_objects(store_url: str) -> None:
    a, b = Store(store_url), Store(store_url)  # two processes' worth of connections
    threads = [threading.Thread(target=_append, args=(x, 8)) for x in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    v = a.verify_audit()
    assert v.intact and v.records == 32
    a.close()
    b.close()


def test_rulebook_bundles_are_content_addressed(store: Store) -> None:
    files = {"rulebook.yaml": "name: x\n", "ear/a.yaml": "rules: []\n"}
    with store.begin() as conn:
        store.put_bundle(conn, "v1+abc", files)
        store.put_bundle(conn, "v1+abc", {"other": "ignored"})  # same version: kept as first stored
    assert store.bundle("v1+abc") == files
    assert store.bundle("nope") is None


def test_unicode_round_trips(store: Store) -> None:
    with store.begin() as conn:
        cid = store.insert(
            conn,
            s.cases,
            kind="screening",
            title="Screening: 华为技术有限公司",
            counterparty="華為",
            country="CN",
            status="open",
            created_by="ana",
            created_at="2026",
            audit_id=1,
        )
    assert store.row(s.cases, cid)["counterparty"] == "華為"


def test_verify_while_appending_never_reports_tampering(store: Store) -> None:
    _append(store, 3)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            _append(store, 1)

    t = threading.Thread(target=writer)
    t.start()
    try:
        results = [store.verify_audit() for _ in range(15)]
    finally:
        stop.set()
        t.join()
    assert all(r.intact for r in results), [r for r in results if not r.intact][:1]

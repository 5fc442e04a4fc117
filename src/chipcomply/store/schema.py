"""One schema for SQLite and PostgreSQL (SQLAlchemy Core), and the migrations that build it.

Migrations are numbered steps recorded in ``schema_migrations``; opening a database applies
the missing ones in order inside one transaction each, so an old file or server is brought
forward and a new one is built from nothing. A step is never edited once released: a change
to the schema is a new step.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(40), primary_key=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("key_id", sa.String(40), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)

# Append-only: rows are inserted, never updated or deleted. `audit_head` holds the id and
# hash of the last record, written in the same transaction, so removing the newest record
# is detected too (and the head hash can be anchored outside the database).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("input_json", sa.Text, nullable=False),
    sa.Column("output_json", sa.Text, nullable=False),
    sa.Column("context_json", sa.Text, nullable=False),
    sa.Column("rulebook_version", sa.String(100), nullable=True),
    sa.Column("lists_json", sa.Text, nullable=False),
    sa.Column("engine_version", sa.String(40), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("name", sa.String(20), primary_key=True),
    sa.Column("last_id", sa.Integer, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

# Rulebook YAML bundles, content-addressed by the rulebook version (which ends in the hash
# of the files), so `audit replay` can load exactly the rules an answer was given under.
rulebook_bundles = sa.Table(
    "rulebook_bundles",
    metadata,
    sa.Column("version", sa.String(100), primary_key=True),
    sa.Column("files_json", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # screening | determination
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("counterparty", sa.String(2000), nullable=True),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("audit_id", sa.Integer, nullable=False),
)

dispositions = sa.Table(
    "dispositions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("record_key", sa.String(300), nullable=False),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("entity_number", sa.String(100), nullable=True),
    sa.Column("list_name", sa.String(2000), nullable=False),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("audit_id", sa.Integer, nullable=False),
)

# The good-guy list: a (counterparty, list record) pair cleared as a false positive. It
# suppresses that alert while both hashes still match; a changed record or counterparty
# no longer matches, so the alert comes back.
clearances = sa.Table(
    "clearances",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("counterparty_hash", sa.String(64), nullable=False),
    sa.Column("record_key", sa.String(300), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.Column("counterparty", sa.String(2000), nullable=False),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("disposition_id", sa.Integer, nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
    sa.Index("ix_clearances_pair", "counterparty_hash", "record_key"),
)

red_flag_resolutions = sa.Table(
    "red_flag_resolutions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("flag_id", sa.String(100), nullable=False),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("audit_id", sa.Integer, nullable=False),
)

batch_jobs = sa.Table(
    "batch_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(20), nullable=False),  # running | done | failed
    sa.Column("filename", sa.String(500), nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("result_json", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("audit_id", sa.Integer, nullable=True),
)


# -- monitoring: stored counterparties, their band of matches, alerts, monitor runs --------

# A counterparty from a case, a desk batch or a file given to `chipcomply monitor --enrol`,
# keyed like the good-guy list (sha256 of the normalised name and country).
counterparties = sa.Table(
    "counterparties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("party_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(2000), nullable=False),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("origin", sa.String(40), nullable=False),  # case | batch | file
    sa.Column("origin_ref", sa.String(500), nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    # what the stored matches were computed against (None: never screened by the monitor)
    sa.Column("lists_key", sa.String(64), nullable=True),
    sa.Column("engine_key", sa.String(64), nullable=True),
    sa.Column("margin", sa.Float, nullable=False, server_default="0"),
    sa.Column("screened_at", sa.String(40), nullable=True),
)

# Every list record a counterparty matched at (threshold - band) the last time it was
# screened; `hit` marks those matched at the threshold itself (the alerts' source).
counterparty_matches = sa.Table(
    "counterparty_matches",
    metadata,
    sa.Column("counterparty_id", sa.Integer, sa.ForeignKey("counterparties.id"), primary_key=True),
    sa.Column("record_uid", sa.String(300), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("matched_name", sa.String(2000), nullable=False),
    sa.Column("hit", sa.Boolean, nullable=False),
    sa.Index("ix_counterparty_matches_hit", "hit"),
)

# An alert: a counterparty matching a list record, open until the match goes away (the
# record is removed, or changed so it no longer matches) or the pair is cleared.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("counterparty_id", sa.Integer, sa.ForeignKey("counterparties.id"), nullable=False),
    sa.Column("record_uid", sa.String(300), nullable=False),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.Column("snapshot_id", sa.String(100), nullable=False),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("entity_number", sa.String(100), nullable=True),
    sa.Column("list_name", sa.String(2000), nullable=False),
    sa.Column("matched_name", sa.String(2000), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # open | closed
    sa.Column("open_reason", sa.String(200), nullable=False),
    sa.Column("opened_at", sa.String(40), nullable=False),
    sa.Column("opened_run", sa.Integer, nullable=False),
    sa.Column("closed_at", sa.String(40), nullable=True),
    sa.Column("closed_run", sa.Integer, nullable=True),
    sa.Column("close_reason", sa.String(200), nullable=True),
    sa.Index("ix_alerts_pair", "counterparty_id", "record_uid"),
    sa.Index("ix_alerts_state", "state"),
)

monitor_runs = sa.Table(
    "monitor_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(20), nullable=False),  # running | done | failed
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("finished_at", sa.String(40), nullable=True),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("lists_before", sa.Text, nullable=True),
    sa.Column("lists_after", sa.Text, nullable=True),
    sa.Column("lists_key", sa.String(64), nullable=True),
    sa.Column("engine_key", sa.String(64), nullable=True),
    # the newest case and desk batch job whose counterparties this run took in
    sa.Column("cases_seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("batches_seen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("summary_json", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("audit_id", sa.Integer, nullable=True),
)


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        for table in tables:
            table.create(conn)

    return step


def _seed_head(conn: Connection) -> None:
    # The head row exists from the start, so the first appends of two writers queue on its
    # row lock (PostgreSQL SELECT ... FOR UPDATE) instead of racing to create it.
    exists = conn.execute(sa.select(audit_head.c.name).where(audit_head.c.name == "main")).first()
    if exists is None:
        last = conn.execute(
            sa.select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
        ).first()
        conn.execute(
            audit_head.insert().values(
                name="main", last_id=last[0] if last else 0, last_hash=last[1] if last else "0" * 64
            )
        )


#: (version, name, step). Append only.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (
        1,
        "keys, sessions and the audit chain",
        _create(api_keys, web_sessions, audit_log, audit_head),
    ),
    (2, "rulebook bundles for replay", _create(rulebook_bundles)),
    (
        3,
        "cases, dispositions, clearances, red-flag resolutions",
        _create(cases, dispositions, clearances, red_flag_resolutions),
    ),
    (4, "batch screening jobs", _create(batch_jobs)),
    (5, "seed the audit chain head", _seed_head),
    (
        6,
        "monitoring: counterparties, their matches, alerts, monitor runs",
        _create(counterparties, counterparty_matches, alerts, monitor_runs),
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]

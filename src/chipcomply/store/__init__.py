"""Persistence for the compliance desk: audit chain, keys, cases, dispositions, clearances."""

from chipcomply.store.audit import VerifyResult, canonical_json, record_hash, verify_chain
from chipcomply.store.db import ROLES, Store, display_url, forget_store, open_store, resolve_url

__all__ = [
    "ROLES",
    "Store",
    "VerifyResult",
    "canonical_json",
    "display_url",
    "forget_store",
    "open_store",
    "record_hash",
    "resolve_url",
    "verify_chain",
]

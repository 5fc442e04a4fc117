"""Request bodies of the JSON API (responses are the CLI's ``--json`` objects)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Name = Field(min_length=1, max_length=1000)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClassifyRequest(_Body):
    chip: str | None = Field(None, max_length=1000, description="Catalogue name.")
    spec: dict[str, Any] | None = Field(None, description="A classifier spec, as for --spec.")
    as_of: str | None = Field(None, description="YYYY-MM-DD; today when omitted.")


class CompareRequest(_Body):
    names: list[str] = Field(min_length=2, max_length=12)
    as_of: str | None = None


class ScreenRequest(_Body):
    name: str = Field(min_length=1, max_length=1000)
    country: str | None = Field(None, max_length=8, description="ISO 3166 alpha-2.")
    threshold: float | None = Field(None, ge=0, le=1)


class MatchRequest(_Body):
    left: str = Field(min_length=1, max_length=1000)
    right: str = Field(min_length=1, max_length=1000)
    schema_: str | None = Field(None, alias="schema", max_length=40)


class CaseRequest(_Body):
    audit_id: int | None = Field(None, ge=1, le=2**31 - 1)
    title: str | None = Field(None, max_length=500)
    screen: ScreenRequest | None = None
    check: dict[str, Any] | None = None


class DispositionRequest(_Body):
    record_key: str = Field(min_length=1, max_length=300)
    decision: Literal["true_match", "false_positive", "escalated"]
    reason: str = Field(min_length=1, max_length=5000)


class ResolutionRequest(_Body):
    flag_id: str = Field(min_length=1, max_length=100)
    resolution: str = Field(min_length=1, max_length=5000)


class KeyRequest(_Body):
    role: Literal["analyst", "admin", "auditor"]
    label: str | None = Field(None, min_length=1, max_length=200)

"""The case a determination answers: what moves (or is used), between whom, for what, on which day.

Every model forbids unknown fields and refuses loose types, so a typo is an error naming the
field (``parties[1].role``) instead of a silent default. Countries are ISO 3166-1 alpha-2
codes; dates are ISO ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chipcomply.errors import BadInput
from chipcomply.lists.countries import is_country_code
from chipcomply.model import ChipSpec

Activity = Literal[
    "export",
    "reexport",
    "transfer",
    "use",
    "service",
    "sell",
    "buy",
    "finance",
    "iaas_compute",
    "technical_evaluation",
]
Role = Literal[
    "exporter",
    "consignee",
    "end_user",
    "intermediate",
    "forwarder",
    "buyer",
    "seller",
    "iaas_provider",
    "iaas_customer",
    "model_owner",
    "service_provider",
    "payer",
]
Purpose = Literal[
    "ai_training",
    "inference",
    "resale",
    "technical_evaluation",
    "destructive_testing",
    "supercomputer",
    "advanced_node_ic_production",
    "military",
    "military_intelligence",
    "wmd",
    "servicing",
    "research",
    "unknown",
]
#: Knowledge uses the purpose vocabulary plus one fact: a violation that has occurred or will.
Knowledge = Purpose | Literal["ear_violation"]
ItemTypeIn = Literal["ic", "card", "server", "system", "other"]
YesNoUnknown = Literal["yes", "no", "unknown"]

MOVEMENT: frozenset[str] = frozenset({"export", "reexport", "transfer"})


def _country(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 3166-1 alpha-2 country code, got {value!r}")
    code = value.strip().upper()
    if len(code) != 2 or not is_country_code(code):
        raise ValueError(f"unknown country code {value!r} (expected ISO 3166-1 alpha-2)")
    return code


def _iso_day(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError(f"expected a date as YYYY-MM-DD, got a date-time {value.isoformat()!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")


Country = Annotated[str, BeforeValidator(_country)]
Day = Annotated[date, BeforeValidator(_iso_day)]
Percent = Annotated[float, Field(strict=True, ge=0, le=100)]
Money = Annotated[float, Field(strict=True, ge=0)]
Text = Annotated[str, Field(strict=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Owner(_Strict):
    """A direct owner of a party; owners may themselves be owned (an ownership chain)."""

    name: Text
    country: Country | None = None
    percent: Percent
    owners: list[Owner] = Field(default_factory=list)


class Party(_Strict):
    role: Role
    name: Text
    country: Country | None = None
    #: where the party's ultimate parent is headquartered (a fact to collect, never inferred)
    headquarters_country: Country | None = None
    us_person: Annotated[bool, Field(strict=True)] | None = None
    owners: list[Owner] = Field(default_factory=list)
    #: true when who owns the party could not be established (Red Flag 29)
    ownership_unknown: Annotated[bool, Field(strict=True)] = False
    #: a bona fide data-centre operator (BIS guidance of 2026-05-31)
    datacenter_operator: Annotated[bool, Field(strict=True)] = False


class Item(_Strict):
    chip: Text | None = None
    spec: ChipSpec | None = None
    eccn: Text | None = None
    item_type: ItemTypeIn | None = None
    quantity: Annotated[int, Field(strict=True, ge=0)] | None = None
    value_usd: Money | None = None
    origin_country: Country | None = None
    designer_hq_country: Country | None = None
    us_content_pct: Percent | None = None
    us_technology: YesNoUnknown = "unknown"
    material: Text | None = None
    datacenter: Annotated[bool, Field(strict=True)] | None = None
    #: total DRAM bandwidth of one IC, GB/s (Jan-2026 H200-class review policy)
    dram_bandwidth_gbps: Money | None = None

    @field_validator("eccn")
    @classmethod
    def _eccn_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().upper()
        if text == "EAR99":
            return text
        head, _, rest = text.partition(".")
        if len(head) != 5 or not (head[0].isdigit() and head[1].isalpha() and head[2:].isdigit()):
            raise ValueError(f"expected an ECCN such as 3A090.a or EAR99, got {value!r}")
        return head + ("." + rest.lower() if rest else "")


class EndUse(_Strict):
    purposes: list[Purpose] = Field(default_factory=list)
    model_owner_headquarters: Country | None = None
    knowledge: list[Knowledge] = Field(default_factory=list)


class RedFlagResolution(_Strict):
    id: Text
    resolution: Text
    resolved_by: Text
    date: Day


class Case(_Strict):
    as_of: Day
    activity: Activity
    from_country: Country | None = None
    to_country: Country | None = None
    items: list[Item] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    end_use: EndUse = Field(default_factory=EndUse)
    red_flags: list[Text] = Field(default_factory=list)
    red_flag_resolutions: list[RedFlagResolution] = Field(default_factory=list)
    #: ids of is-informed letters the actor has received (rules ear.744.informed.*)
    informed_letters: list[Text] = Field(default_factory=list)
    #: H200-class certifications the exporter makes (rule ear.742.6.b.10, 2026-01-15)
    certifications: list[Text] = Field(default_factory=list)
    #: also evaluate the AI Diffusion Rule text as if it were enforced (a what-if, never the answer)
    aidr_text_scenario: Annotated[bool, Field(strict=True)] = False

    @model_validator(mode="after")
    def _resolutions_not_future(self) -> Case:
        for i, res in enumerate(self.red_flag_resolutions):
            if res.date > self.as_of:
                raise BadInput(
                    f"red_flag_resolutions[{i}].date",
                    f"{res.date.isoformat()} is after as_of {self.as_of.isoformat()}",
                )
        return self


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"function-before[_country()]", "function-before[_iso_day()]"} or str(
            part
        ).startswith(("function-", "constrained-", "lax-", "json-or-python")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "case"


def _problem(err: Any) -> str:
    kind = err.get("type", "")
    given = err.get("input")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got {given!r}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind in {"greater_than_equal", "greater_than", "less_than_equal"}:
        return f"must be {err['msg'].split('be ', 1)[-1]}, got {given!r}"
    if kind in {"float_type", "int_type", "int_from_float", "float_parsing", "int_parsing"}:
        return f"expected a number, got {given!r}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {given!r}"
    if kind in {"list_type"}:
        return f"expected a list, got {given!r}"
    if kind in {"string_type"}:
        return f"expected text, got {given!r}"
    return f"{err['msg']} (got {given!r})"


def parse_case(data: Any) -> Case:
    """Validate a case document; any problem raises BadInput naming the field."""
    if isinstance(data, Case):
        return data
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        raise BadInput("case", f"expected a mapping of fields, got {kind}")
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise BadInput(_field_path(tuple(err["loc"])), _problem(err)) from None


__all__ = [
    "MOVEMENT",
    "Activity",
    "Case",
    "EndUse",
    "Item",
    "Owner",
    "Party",
    "Purpose",
    "RedFlagResolution",
    "Role",
    "parse_case",
]

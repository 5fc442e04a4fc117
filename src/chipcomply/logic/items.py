"""Items of a case: classification as of the day (a user-given ECCN wins over the classifier).

A user ECCN is taken as today's classification. On a day before that paragraph existed the
answer follows the law of the day: before 2022-10-21 there was no 3A090, before 2023-11-17 no
3A090.b and a different 3A090 test, before 2024-12-02 no 3A090.c.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from chipcomply.catalog import Accelerator, default_catalog
from chipcomply.errors import BadInput
from chipcomply.logic.case import Item
from chipcomply.logic.classify import Classification, classify
from chipcomply.logic.common import Ctx, ItemFacts
from chipcomply.model import ChipSpec

PClass = Literal["a", "b", "c"] | None
_A = re.compile(r"^(3A090|4A090)\.A|^[345][A-E]\d{3}\.Z(\.1)?$", re.IGNORECASE)
_B = re.compile(r"^(3A090|4A090)\.B|^[345][A-E]\d{3}\.Z\.2$", re.IGNORECASE)
_Z = re.compile(r"^[345][A-E]\d{3}\.Z$", re.IGNORECASE)
_C = re.compile(r"^3A090\.C", re.IGNORECASE)
#: first day each paragraph existed in its present form
_SINCE: dict[str, date] = {"a": date(2023, 11, 17), "b": date(2023, 11, 17), "c": date(2024, 12, 2)}
_FIRST_3A090 = date(2022, 10, 21)


def eccn_class(eccn: str) -> tuple[PClass, bool]:
    """Parameter class an ECCN string names, and whether it is a bare ``.z`` (class unknown)."""
    if _C.match(eccn):
        return "c", False
    if _Z.match(eccn):
        return None, True
    if _B.match(eccn):
        return "b", False
    if _A.match(eccn):
        return "a", False
    return None, False


def _spec_for(
    ctx: Ctx, index: int, item: Item
) -> tuple[ChipSpec | None, Accelerator | None, str | None]:
    label = f"items[{index}]"
    if item.chip is not None and item.spec is not None:
        raise BadInput(f"{label}.spec", "give either chip (a catalogue name) or spec, not both")
    record = None
    spec = item.spec
    record_id = None
    if item.chip is not None:
        catalog = default_catalog()
        found = catalog.lookup(item.chip, field=f"{label}.chip")
        record_id = found.id
        spec = catalog.spec_for(found)
        record = found if isinstance(found, Accelerator) else catalog.chip_of(found)
    if spec is not None:
        update: dict[str, object] = {}
        if item.item_type in ("card", "server", "system"):
            update["item_type"] = "system" if item.item_type == "server" else item.item_type
        if item.datacenter is not None:
            update["datacenter"] = item.datacenter
        if update:
            spec = spec.model_copy(update=update)
    return spec, record, record_id


def _classifier_missing(label: str, cls: Classification) -> list[str]:
    out = []
    for m in cls.missing:
        out.append(f"{label}.datacenter" if m == "datacenter" else f"{label}.spec.{m}")
    return out


def item_facts(ctx: Ctx, index: int, item: Item) -> ItemFacts:
    """Classify one item as of the day and record the findings that explain it."""
    label = f"items[{index}]"
    spec, record, record_id = _spec_for(ctx, index, item)
    cls = classify(spec, ctx.day, ctx.book) if spec is not None else None
    name = item.chip or (spec.name if spec and spec.name else None) or item.eccn or label
    facts = ItemFacts(
        index=index,
        name=name,
        record_id=record_id,
        eccn=None,
        paragraph=None,
        pclass=None,
        basis="none",
        handled=True,
        datacenter=item.datacenter
        if item.datacenter is not None
        else (cls.datacenter if cls else None),
        tpp=cls.tpp if cls else None,
        memory_bw_tbps=record.memory_bw_tbps if record else (spec.memory_bw_tbps if spec else None),
        interconnect_gbps=record.interconnect_gbps
        if record
        else (spec.interconnect_gbps if spec else None),
        dram_bandwidth_gbps=item.dram_bandwidth_gbps,
        designer_hq_country=item.designer_hq_country
        or (record.designer_hq_country if record else None),
        origin_country=item.origin_country,
        value_usd=item.value_usd,
        quantity=item.quantity,
    )
    if facts.dram_bandwidth_gbps is None and facts.memory_bw_tbps is not None:
        facts.dram_bandwidth_gbps = round(facts.memory_bw_tbps * 1000, 3)
    if cls is not None:
        ctx.findings.extend(cls.findings)

    if item.eccn is not None:
        _from_user_eccn(ctx, facts, item.eccn, cls)
    elif cls is not None:
        _from_classifier(ctx, facts, cls)
    else:
        ctx.need(f"{label}.chip")
        facts.handled = False
    return facts


def _from_classifier(ctx: Ctx, facts: ItemFacts, cls: Classification) -> None:
    facts.basis = "classifier"
    if cls.status == "insufficient_information":
        facts.classification_missing = _classifier_missing(facts.label, cls)
        for m in facts.classification_missing:
            ctx.need(m)
        facts.handled = False
        return
    facts.pclass = cls.parameter_class
    facts.eccn = cls.z_eccn or cls.eccn
    facts.paragraph = cls.paragraph or facts.eccn
    if facts.eccn is None:
        facts.eccn = None  # outside 3A090/4A090: AT-only assumption (ear.738.at_only)


def _from_user_eccn(ctx: Ctx, facts: ItemFacts, eccn: str, cls: Classification | None) -> None:
    facts.basis = "eccn"
    pclass, bare_z = eccn_class(eccn)
    facts.eccn = eccn
    facts.paragraph = eccn
    handled_at = {e.upper() for e in ctx.rule("ear.738.at_only").value("handled_eccns")}
    if bare_z:
        if cls is not None and cls.status != "insufficient_information":
            pclass = cls.parameter_class
        else:
            ctx.need(f"{facts.label}.spec")
            ctx.add(
                "ear.774.3A090.regime",
                "insufficient_information",
                f"{facts.label}: {eccn} does not say whether the item meets 3A090.a or 3A090.b "
                "parameters; give the chip or its spec (or write .z.1 / .z.2)",
            )
            facts.handled = False
            return
    if pclass is None:
        if eccn.upper() not in handled_at:
            facts.handled = False
            ctx.need(f"{facts.label}.eccn")
            ctx.add(
                "ear.738.at_only",
                "insufficient_information",
                f"{facts.label}: ECCN {eccn} is outside the rules chipcomply evaluates "
                "(3A090/4A090/.z and AT-only entries); its country-chart requirement decides",
            )
        return
    since = _SINCE[pclass]
    if ctx.day >= since:
        facts.pclass = pclass
        return
    # the paragraph did not exist yet in today's form: apply the law of the day
    if pclass == "a" and ctx.day >= _FIRST_3A090:
        if cls is not None and cls.status != "insufficient_information":
            facts.pclass = cls.parameter_class
            facts.eccn = cls.z_eccn or cls.eccn
            facts.paragraph = cls.paragraph or facts.eccn
            ctx.add(
                "ear.774.3A090.regime",
                "applied",
                f"{facts.label}: {eccn} is today's classification; on {ctx.day} the Oct-2022 "
                f"3A090 test applied and gives {facts.eccn or 'not 3A090'}",
            )
        else:
            ctx.need(f"{facts.label}.spec.interconnect_gbps")
            ctx.add(
                "ear.774.3A090.regime",
                "insufficient_information",
                f"{facts.label}: {eccn} is today's classification; on {ctx.day} 3A090 also "
                "required 600 GB/s aggregate I/O, so the chip or its spec is needed",
            )
            facts.handled = False
        return
    facts.eccn = None
    facts.paragraph = None
    ctx.add(
        "ear.774.3A090.regime" if pclass != "c" else "ear.738.at_only",
        "applied",
        f"{facts.label}: {eccn} did not exist on {ctx.day}; the item then fell under an AT-only "
        "ECCN (or EAR99), and the rules of that day are applied",
    )


__all__ = ["eccn_class", "item_facts"]

"""The D:5/Macau-headquarters rule: advanced-computing items for entities whose ultimate parent
is headquartered in Macau or a D:5 country need a licence wherever the entity is located.

Headquarters is a fact the case must state (``headquarters_country``); it is never inferred
from where the entity sits. When it matters and is missing, the answer says so.
"""

from __future__ import annotations

from chipcomply.logic.common import RECIPIENT_ROLES, Ctx, ItemFacts
from chipcomply.logic.destination import (
    country_set,
    d5_or_macau,
    destination,
    ear_country,
    recipients_headquartered_in,
)

RULE = "ear.744.23.a.3"


def hq_parties(ctx: Ctx) -> list[str]:
    """Labels of recipient parties headquartered in Macau or D:5 (empty before 2023-11-17)."""
    if not ctx.has(RULE):
        return []
    return [p.label for p in recipients_headquartered_in(ctx, ctx.rule(RULE).value("headquarters"))]


def check_headquarters(ctx: Ctx, item: ItemFacts) -> None:
    if not item.advanced or not ctx.has(RULE):
        return
    rule = ctx.rule(RULE)
    hq_set = country_set(ctx.view, rule.value("headquarters"))
    d5 = d5_or_macau(ctx)
    dest = destination(ctx)
    recipients = ctx.parties_with(RECIPIENT_ROLES)
    if not recipients:
        ctx.need("parties (an end_user or consignee)")
        return
    for p in recipients:
        where = ear_country(ctx, p.party.country) or dest
        if where in rule.value("applies_outside"):
            continue
        hq = ear_country(ctx, p.party.headquarters_country)
        if hq is None:
            if dest in d5 or where in d5:
                continue  # the destination rule already treats it as Macau/D:5
            ctx.need(f"{p.label}.headquarters_country")
            ctx.add(
                rule,
                "insufficient_information",
                f"{item.label} is a 3A090.{item.pclass}-level item: where {p.label} "
                f"{p.party.name!r} (or its ultimate parent) is headquartered decides the HQ rule",
            )
            continue
        if hq in hq_set:
            ctx.decided.add(f"hq:{p.index}")
            ctx.require(
                "headquarters",
                rule,
                f"{item.label} for {p.label} {p.party.name!r}, located in {where}, headquartered "
                f"in {hq} (Macau or D:5): licence required wherever the entity is located",
                item=item.index,
                exception_may_apply=True,
                values={"headquarters_country": hq, "located": where},
                subject=item.subject,
                missing=item.jurisdiction_missing,
            )
        else:
            ctx.add(
                rule,
                "no_license_required",
                f"{p.label} {p.party.name!r} is headquartered in {hq}, not Macau or D:5",
            )


__all__ = ["check_headquarters", "hq_parties"]

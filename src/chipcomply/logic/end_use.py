"""End-use and end-user controls: §744.23 (supercomputer, advanced-node IC production), §744.21
military, §744.22 military-intelligence, §§744.2-744.4 WMD, and §744.6 US-person support.

"Known" end uses are the stated purposes plus the facts the actor knows or has reason to know.
"""

from __future__ import annotations

from chipcomply.logic.case import MOVEMENT
from chipcomply.logic.common import RECIPIENT_ROLES, SUPPLY_ROLES, Ctx, PartyFacts, Subject
from chipcomply.logic.destination import country_set, destination, ear_country


def known(ctx: Ctx) -> set[str]:
    eu = ctx.case.end_use
    return set(eu.purposes) | set(eu.knowledge)


def end_use_places(ctx: Ctx) -> set[str]:
    """Where the end use happens: the destination and the recipients' countries."""
    places = {destination(ctx)} | {
        ear_country(ctx, p.party.country) for p in ctx.parties_with(RECIPIENT_ROLES)
    }
    return {p for p in places if p}


def actor(ctx: Ctx) -> PartyFacts | None:
    """The party acting: exporter / seller / provider, or the buyer / payer for those verbs."""
    order = {"buy": ("buyer",), "finance": ("payer",)}.get(ctx.case.activity, ())
    for role in (*order, "exporter", "seller", "service_provider", "iaas_provider"):
        for p in ctx.parties:
            if p.party.role == role:
                return p
    return None


def check_end_uses(ctx: Ctx) -> None:
    """Part 744 licence requirements for items (movement only)."""
    if ctx.case.activity not in MOVEMENT | {"sell"}:
        return
    if ctx.items and all(i.subject == "no" for i in ctx.items):
        return
    uses = known(ctx)
    places = end_use_places(ctx)
    subject: Subject = (
        "unknown" if ctx.items and all(i.subject == "unknown" for i in ctx.items) else "yes"
    )
    missing = [m for i in ctx.items for m in i.jurisdiction_missing]

    def located(rule_id: str, key: str = "locations") -> str | None:
        hit = sorted(places & country_set(ctx.view, ctx.rule(rule_id).value(key)))
        return hit[0] if hit else None

    if "supercomputer" in uses and ctx.has("ear.744.23.a.1"):
        where = located("ear.744.23.a.1")
        if where:
            ctx.require(
                "end_use",
                "ear.744.23.a.1",
                f"known supercomputer end use in {where}",
                policy="presumption_of_denial",
                subject=subject,
                missing=missing,
            )
        else:
            ctx.add(
                "ear.744.23.a.1",
                "no_license_required",
                "supercomputer end use, but not in a restricted location",
            )
    if "advanced_node_ic_production" in uses and ctx.has("ear.744.23.a.2"):
        where = located("ear.744.23.a.2")
        if where:
            ctx.require(
                "end_use",
                "ear.744.23.a.2",
                f"known advanced-node IC development or production at a facility in {where}",
                policy="presumption_of_denial",
                subject=subject,
                missing=missing,
            )
    if "military" in uses:
        rule = ctx.rule("ear.744.21")
        hit = sorted(places & set(rule.value("countries")))
        if hit:
            ctx.require(
                "end_use",
                rule,
                f"known military end use or end user in {hit[0]}",
                policy="presumption_of_denial",
                subject=subject,
                missing=missing,
            )
    if "military_intelligence" in uses and ctx.has("ear.744.22"):
        rule = ctx.rule("ear.744.22")
        hit = sorted(places & set(rule.value("countries")))
        if hit:
            ctx.require(
                "end_use",
                rule,
                f"known military-intelligence end use or end user in {hit[0]}",
                policy="presumption_of_denial",
                subject=subject,
                missing=missing,
            )
    if "wmd" in uses:
        ctx.require(
            "end_use",
            "ear.744.2-4",
            "known weapons-of-mass-destruction end use",
            policy="presumption_of_denial",
            subject=subject,
            missing=missing,
        )


def check_us_person(ctx: Ctx) -> None:
    """§744.6: a US person's support of listed end uses needs a licence, items or not."""
    uses = known(ctx) & {"military_intelligence", "wmd", "advanced_node_ic_production"}
    if not uses:
        return
    who = actor(ctx)
    if who is None:
        ctx.need("parties (the acting exporter / provider, with us_person)")
        return
    if who.party.us_person is None:
        ctx.need(f"{who.label}.us_person")
        ctx.add(
            "ear.744.6.b.1-4",
            "insufficient_information",
            f"whether {who.label} {who.party.name!r} is a US person decides the §744.6 support "
            "rules",
        )
        return
    if not who.party.us_person:
        return
    places = set(end_use_places(ctx))
    for p in ctx.parties:
        where = ear_country(ctx, p.party.country)
        if where is not None and p.party.role not in SUPPLY_ROLES:
            places.add(where)
    if "wmd" in uses:
        ctx.require(
            "end_use",
            "ear.744.6.b.1-4",
            f"{who.label} is a US person supporting a known WMD end use",
            policy="presumption_of_denial",
        )
    if "military_intelligence" in uses and ctx.has("ear.744.6.b.5"):
        hit = sorted(p for p in places if p in ctx.rule("ear.744.6.b.5").value("countries"))
        if hit:
            ctx.require(
                "end_use",
                "ear.744.6.b.5",
                f"{who.label} is a US person supporting a military-intelligence end use or end "
                f"user in {hit[0]}",
                policy="presumption_of_denial",
            )
    if "advanced_node_ic_production" in uses and ctx.has("ear.744.6.c.2"):
        rule = ctx.rule("ear.744.6.c.2")
        hit = sorted(p for p in places if p in country_set(ctx.view, rule.value("locations")))
        if hit:
            ctx.require(
                "end_use",
                rule,
                f"{who.label} is a US person supporting advanced-node IC production in {hit[0]}",
                policy="presumption_of_denial",
            )


__all__ = ["actor", "check_end_uses", "check_us_person", "known"]

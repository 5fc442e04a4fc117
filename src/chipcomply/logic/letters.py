"""Is-informed letters: BIS telling a company that a licence is needed for named chips.

A letter binds its addressee. Where the rule data says BIS applies it beyond the addressee
(``binds_others``) chipcomply requires the licence of every exporter and says why; otherwise
other exporters are only put on notice.
"""

from __future__ import annotations

from chipcomply.logic.common import SUPPLY_ROLES, Ctx, ItemFacts
from chipcomply.logic.destination import (
    country_set,
    destination,
    recipients_headquartered_in,
)

LETTERS = (
    "ear.744.informed.2022-08-26.nvidia",
    "ear.744.informed.2025-04-09.nvidia-h20",
    "ear.744.informed.2025-04-15.amd-mi308",
)


def _covers(item: ItemFacts, values: dict[str, object]) -> str | None:
    items = values.get("items", [])
    if item.record_id is not None and isinstance(items, list) and item.record_id in items:
        return f"names {item.name}"
    if item.pclass is not None:
        return None
    mem = values.get("memory_bw_tbps_min")
    ic = values.get("interconnect_gbps_min")
    if (
        isinstance(mem, float | int)
        and item.memory_bw_tbps is not None
        and item.memory_bw_tbps >= mem
    ):
        return f"memory bandwidth {item.memory_bw_tbps:g} TB/s reaches the letter's {mem:g} TB/s"
    if (
        isinstance(ic, float | int)
        and item.interconnect_gbps is not None
        and item.interconnect_gbps >= ic
    ):
        return f"interconnect {item.interconnect_gbps:g} GB/s reaches the letter's {ic:g} GB/s"
    return None


def check_letters(ctx: Ctx, item: ItemFacts) -> None:
    dest = destination(ctx)
    if dest is None:
        return
    suppliers = [p.party.name.casefold() for p in ctx.parties_with(SUPPLY_ROLES)]
    for rule_id in LETTERS:
        if not ctx.has(rule_id):
            continue
        rule = ctx.rule(rule_id)
        why = _covers(item, dict(rule.values))
        if why is None:
            continue
        dests = country_set(ctx.view, rule.value("destinations"))
        hq_hit = recipients_headquartered_in(ctx, rule.values.get("headquarters"))
        if dest not in dests and not hq_hit:
            ctx.add(
                rule,
                "no_license_required",
                f"{item.label}: the letter ({why}) does not reach {dest}",
            )
            continue
        addressed = rule_id in ctx.case.informed_letters or any(
            a.casefold() in s for a in rule.value("addressees") for s in suppliers
        )
        target = (
            dest
            if dest in dests
            else f"{hq_hit[0].label} (headquartered in {hq_hit[0].party.headquarters_country})"
        )
        if addressed or rule.value("binds_others"):
            scope = (
                "the exporter is the addressee"
                if addressed
                else (
                    f"addressed to {', '.join(rule.value('addressees'))}; applied to every "
                    "exporter (fail closed)"
                )
            )
            ctx.decided.add("destination")
            ctx.require(
                "letter",
                rule,
                f"{item.label} to {target}: the letter {why}; {scope}",
                item=item.index,
                subject=item.subject,
                missing=item.jurisdiction_missing,
            )
        else:
            ctx.add(
                rule,
                "not_applicable",
                f"{item.label} to {target}: the letter {why} but binds only "
                f"{', '.join(rule.value('addressees'))}; other exporters are on notice",
            )


__all__ = ["LETTERS", "check_letters"]

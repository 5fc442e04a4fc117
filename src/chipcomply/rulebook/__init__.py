"""Dated, cited rule data and the small engine that answers "which version applies on day D"."""

from chipcomply.rulebook.engine import (
    Rule,
    RuleBook,
    RuleVersion,
    RuleView,
    default_rulebook,
    load_rulebook,
)

__all__ = ["Rule", "RuleBook", "RuleVersion", "RuleView", "default_rulebook", "load_rulebook"]

"""Errors that chipcomply raises on purpose.

Every shell (CLI, API, web) maps these to a user-facing message and an exit code or HTTP
status; anything else escaping the core is a bug, not a user mistake.
"""

from __future__ import annotations


class ChipcomplyError(Exception):
    """Base class for errors that carry a message meant for the user."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(ChipcomplyError):
    """The user's input is malformed; `field` names where (a field, row or line)."""

    exit_code = 2

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


class InsufficientInformation(ChipcomplyError):
    """A deciding fact is missing; the answer would otherwise be a guess."""

    exit_code = 3

    def __init__(self, missing: list[str], message: str | None = None) -> None:
        text = message or "insufficient information: need " + ", ".join(missing)
        super().__init__(text)
        self.missing = missing


class DataError(ChipcomplyError):
    """Bundled or supplied reference data (rules, catalogue, lists) failed validation."""

    exit_code = 4


class RuleLookupError(ChipcomplyError):
    """A rule was asked for on a date where none or more than one version applies."""

    exit_code = 4


class OutsideCoverage(BadInput):
    """The evaluation date lies outside the span the rulebook has been curated for."""

"""Restricted-party screening: find listed parties in any script and spelling.

>>> from chipcomply.screening import screen
>>> result = screen("华为技术有限公司")          # doctest: +SKIP
>>> result.hits[0].name                          # doctest: +SKIP
'Huawei Technologies Co., Ltd. (Huawei)'

The algorithm is versioned (``cc-name-v1``, recorded in every result); see
``chipcomply.screening.score`` for the formula and ``normalise`` for the steps.
"""

from __future__ import annotations

from chipcomply.screening.api import (
    Hit,
    MatchResult,
    Screener,
    ScreenResult,
    check_threshold,
    get_screener,
    match_names,
    screen,
)
from chipcomply.screening.explain import Explanation
from chipcomply.screening.score import ALGORITHM, DEFAULT_THRESHOLD

__all__ = [
    "ALGORITHM",
    "DEFAULT_THRESHOLD",
    "Explanation",
    "Hit",
    "MatchResult",
    "ScreenResult",
    "Screener",
    "check_threshold",
    "get_screener",
    "match_names",
    "screen",
]

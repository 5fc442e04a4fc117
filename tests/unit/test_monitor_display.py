"""`chipcomply monitor` prints alerts grouped per counterparty, a few per party."""

from __future__ import annotations

from typing import Any

from chipcomply.cli import monitor


def _alert(cid: int, name: str, score: float, uid: str) -> dict[str, Any]:
    return {
        "counterparty": {"id": cid, "name": name, "country": "CN", "external_id": f"C{cid}"},
        "record": {
            "uid": uid,
            "name": f"listed {uid}",
            "source": "Entity List (EL) - Bureau of Industry and Security",
        },
        "score": score,
        "reason": "counterparty screened for the first time",
    }


def test_alerts_group_by_counterparty_best_first_and_cap() -> None:
    rows = [_alert(1, "Huawei", 0.80 + i / 100, f"EL:{i}") for i in range(6)]
    rows.insert(2, _alert(2, "Sugon", 0.99, "EL:s"))
    groups = monitor._grouped(rows)
    assert [g[0][0]["counterparty"]["name"] for g in groups] == ["Huawei", "Sugon"]
    huawei, hidden = groups[0]
    assert [a["record"]["uid"] for a in huawei] == ["EL:5", "EL:4", "EL:3"]
    assert hidden == 3
    assert groups[1][1] == 0  # fewer than the cap: nothing hidden


def test_list_code_is_the_screen_table_abbreviation() -> None:
    assert monitor._list_code("Entity List (EL) - Bureau of Industry and Security") == "EL"
    assert (
        monitor._list_code(
            "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury"
        )
        == "CMIC"
    )
    assert monitor._list_code("Some List - Agency") == "Some List"

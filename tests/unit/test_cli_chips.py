"""The classify / compare / chips commands as a user runs them (real entry point)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run_cli


def test_classify_chip_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "classify", "--chip", "H100", "--as-of", "2025-06-01", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    for key in ("tpp", "performance_density", "eccn", "paragraph", "as_of", "findings", "missing"):
        assert key in data
    assert data["eccn"] == "3A090.a" and data["paragraph"] == "3A090.a.1"
    assert data["as_of"] == "2025-06-01" and data["missing"] == []
    assert all({"rule_id", "citation", "detail"} <= set(f) for f in data["findings"])


def test_classify_spec_from_stdin_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    spec = b"fp16_tflops: 181\ndie_area_mm2: 608\ndatacenter: true\nitem_type: server\n"
    res = run_cli(capsys, "classify", "--spec", "-", "--as-of", "2025-06-01", "--json", stdin=spec)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["eccn"] == "4A090.b" and data["ic_paragraph"] == "3A090.b.1"


def test_classify_spec_file_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"int8_tops": 600, "datacenter": False}), encoding="utf-8")
    res = run_cli(capsys, "classify", "--spec", str(path), "--json")
    assert res.code == 0
    assert json.loads(res.out)["paragraph"] == "3A090.a.1"


def test_insufficient_information_exits_3_with_the_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    res = run_cli(
        capsys,
        "classify",
        "--spec",
        "-",
        "--json",
        stdin=b'{"fp16_tflops": 200, "datacenter": true}',
    )
    assert res.code == 3
    assert json.loads(res.out)["missing"] == ["die_area_mm2"]


def test_insufficient_information_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(
        capsys, "classify", "--spec", "-", stdin=b'{"fp16_tflops": 200, "datacenter": true}'
    )
    assert res.code == 3
    assert "insufficient information: need die_area_mm2" in res.out


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["classify", "--spec", "-"], b'{"fp9_tflops": 1}', "spec.fp9_tflops: unknown field"),
        (
            ["classify", "--spec", "-"],
            b'{"fp8_tflops": "lots"}',
            "spec.fp8_tflops: expected a number",
        ),
        (
            ["classify", "--spec", "-"],
            b'{"die_area_mm2": -4, "fp8_tflops": 1}',
            "spec.die_area_mm2",
        ),
        (["classify", "--spec", "-"], b'{"fp8_tflops": 1,', "malformed JSON at line 1"),
        (["classify", "--spec", "-"], b"fp8_tflops: [1,\n", "malformed YAML"),
        (["classify", "--spec", "-"], b"- 1\n- 2\n", "expected a mapping"),
        (["classify", "--spec", "-"], b"\xff\xfe", "not valid UTF-8"),
        (["classify", "--spec", "/no/such/file.json"], b"", "no such file"),
        (["classify", "--chip", "H1000"], b"", "unknown chip or system 'H1000'"),
        (["classify", "--chip", "H100", "--as-of", "June 2025"], b"", "--as-of: expected a date"),
        (["classify", "--chip", "H100", "--as-of", "2017-01-01"], b"", "outside the rulebook"),
        (["classify"], b"", "give exactly one of --chip"),
        (["compare", "H100"], b"", "at least two"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], stdin: bytes, needle: str
) -> None:
    res = run_cli(capsys, *args, stdin=stdin)
    assert res.code == 2, (res.out, res.err)
    assert needle in res.err
    assert "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1


def test_compare_json_has_ratios_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "compare", "GB200 NVL72", "CloudMatrix 384", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    nvl, cm = data["items"]
    assert nvl["metrics"]["dense_bf16_tflops"] == 180000
    assert cm["metrics"]["dense_bf16_tflops"] == 300000
    ratio = data["ratios"][f"{cm['name']} / {nvl['name']}"]
    assert ratio["dense_bf16_tflops"] == pytest.approx(300 / 180, rel=1e-3)
    assert ratio["power_w"] == pytest.approx(559 / 145, rel=1e-3)
    assert nvl["classification"]["eccn"] == cm["classification"]["eccn"] == "4A090.a"
    assert nvl["sources"] and cm["sources"]


def test_compare_human_table(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "compare", "H100", "Ascend 910C")
    assert res.code == 0, res.err
    assert "TPP per IC" in res.out and "3A090.a.1" in res.out and "sources" in res.out


def test_chips_list_json_covers_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "chips", "list", "--json")
    assert res.code == 0
    rows = json.loads(res.out)
    assert len(rows) == 54
    assert {r["eccn"] for r in rows} >= {"3A090.a", "3A090.b", "4A090.a", None}


def test_demo_prints_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "demo")
    assert res.code == 0
    assert "Huawei Ascend 910C" in res.out and "4A090.a" in res.out

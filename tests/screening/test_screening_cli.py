"""screen / screen-batch / match as a user runs them (the real entry point, in-process)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from chipcomply.screening import Screener, batch

from cli_runner import run_cli


@pytest.fixture(autouse=True)
def _index(screener: Screener) -> Screener:
    return screener  # build the session index before any command runs


def flat(text: str) -> str:
    """The message as one line (the console wraps long lines at its width)."""
    return " ".join(text.split())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_screen_json_contract(capsys: pytest.CaptureFixture[str], screener: Screener) -> None:
    res = run_cli(capsys, "screen", "华为技术有限公司", "--country", "CN", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data == screener.screen("华为技术有限公司", country="CN").model_dump(mode="json")
    assert data["query"] == "华为技术有限公司" and data["algorithm"] == "cc-name-v1"
    assert data["hits"][0]["name"].casefold().startswith("huawei technologies")


def test_screen_human_output_and_no_hit(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "screen", "上海壁仞智能科技有限公司")
    assert res.code == 0 and "Shanghai Biren Intelligent Technology" in res.out
    assert "FN4" in res.out
    res = run_cli(capsys, "screen", "Acme Widgets Incorporated")
    assert res.code == 0 and "No listed party matches" in res.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["screen", ""], "name: is empty"),
        (["screen", "Huawei", "--country", "QQ"], "country: unknown country code 'QQ'"),
        (["screen", "Huawei", "--threshold", "2"], "--threshold: must be greater than 0"),
        (["screen", "Hua\udcffwei"], "name: is not valid UTF-8"),
        (["match", "Huawei"], "give two names"),
        (["match", "--pairs", "x.csv"], "--output: --pairs needs --output"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    res = run_cli(capsys, *args)
    assert res.code == 2
    assert message in flat(res.err) and "Traceback" not in res.err


def test_match_command(capsys: pytest.CaptureFixture[str]) -> None:
    res = run_cli(capsys, "match", "華為", "Huawei", "--json")
    assert res.code == 0
    data = json.loads(res.out)
    assert {"score", "match", "explanation"} <= set(data) and data["match"] is True
    res = run_cli(capsys, "match", "Olaf Scholz", "Angela Merkel")
    assert res.code == 0 and "no match" in res.out


def write_input(path: Path) -> None:
    rows = [
        b"id,name,country\n",
        b"1,Huawei Technologies,CN\n",
        b"2,,CN\n",  # empty name
        b"3,Acme Widgets Ltd,US\n",
        "4,上海壁仞智能科技有限公司,CN\n".encode(),
        b"5,Foo Trading,ZZ\n",  # unknown country
        b"6,ragged\n",  # ragged row
        b"7,Gazprom Neft,RU\n",
        b"8,\xff\xfeBad Bytes,CN\n",  # invalid UTF-8
        b'9,"Sugon",CN\n',
    ]
    path.write_bytes(b"".join(rows))


def test_screen_batch_writes_hits_and_an_errors_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_input(src)
    res = run_cli(capsys, "screen-batch", str(src), "--output", str(out), "--workers", "1")
    assert res.code == 2
    assert "4 row(s) not processed" in flat(res.err) and "row 3: name: is empty" in flat(res.err)
    rows = read_csv(out)
    assert [r["id"] for r in rows] == ["1", "3", "4", "7", "9"]
    assert list(rows[0]) == [
        "id",
        "name",
        "country",
        "hit",
        "top_name",
        "top_source",
        "top_score",
        "hits",
    ]
    by_id = {r["id"]: r for r in rows}
    assert by_id["1"]["hit"] == "true" and by_id["1"]["top_name"].casefold().startswith("huawei")
    assert by_id["3"]["hit"] == "false" and json.loads(by_id["3"]["hits"]) == []
    assert by_id["4"]["top_name"] == "Shanghai Biren Intelligent Technology Co., Ltd."
    hits = json.loads(by_id["1"]["hits"])
    assert 1 <= len(hits) <= 5
    assert {"name", "matched_name", "source", "entity_number", "score", "explanation"} <= set(
        hits[0]
    )
    errors = read_csv(out.with_name("out.csv.errors.csv"))
    assert [(e["row"], e["field"]) for e in errors] == [
        ("3", "name"),
        ("6", "country"),
        ("7", "row"),
        ("9", "name"),
    ]
    assert "has 2 fields, the header has 3" in errors[2]["problem"]
    assert not out.with_name("out.csv.partial.csv").exists()


def test_a_ten_megabyte_name_is_one_bad_row(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("name\nHuawei\n" + "x" * 10_000_000 + "\nSugon\n", encoding="utf-8")
    summary = batch.screen_file(src, out, workers=1)
    assert summary.screened == 2 and summary.errors == 1
    errors = read_csv(out.with_name("out.csv.errors.csv"))
    assert errors[0]["row"] == "3" and errors[0]["field"] == "name"
    assert "10,000,000 characters" in errors[0]["problem"]


def test_missing_name_column_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("id,company\n1,Huawei\n", encoding="utf-8")
    res = run_cli(capsys, "screen-batch", str(src), "--output", str(out))
    assert res.code == 2 and "no 'name' column (columns: id, company)" in flat(res.err)
    assert list(tmp_path.iterdir()) == [src]


def test_batch_resumes_after_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.csv"
    names = ["Huawei", "Sugon", "Acme Ltd", "Gazprom", "Cambricon", "Foo Bar", "Inspur", "Zhipu"]
    src.write_text("name\n" + "".join(f"{n}\n" for n in names * 3), encoding="utf-8")
    monkeypatch.setattr(batch, "CHUNK", 5)
    whole = tmp_path / "whole.csv"
    batch.screen_file(src, whole, workers=1)

    out = tmp_path / "out.csv"
    calls = {"n": 0}

    def crash(n: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.screen_file(src, out, workers=1, progress=crash)
    partial = out.with_name("out.csv.partial.csv")
    assert partial.exists() and not out.exists()
    # a crash while writing leaves a torn last line: it is dropped and redone
    with partial.open("a", encoding="utf-8") as fh:
        fh.write('99,"Half a ro')
    summary = batch.screen_file(src, out, workers=1)
    assert summary.resumed_from == 5
    assert out.read_bytes() == whole.read_bytes()
    assert not partial.exists()


def test_batch_refuses_a_partial_run_of_another_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name\nHuawei\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    meta = out.with_name("out.csv.partial.json")
    meta.write_text(json.dumps({"input": "other"}), encoding="utf-8")
    with pytest.raises(batch.BadInput, match="--restart"):
        batch.screen_file(src, out, workers=1)
    summary = batch.screen_file(src, out, workers=1, restart=True)
    assert summary.screened == 1 and out.exists()


def test_batch_with_two_workers_matches_one(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "name\n" + "".join(f"{n}\n" for n in ["Huawei", "Sugon", "Acme", "华为"] * 80),
        encoding="utf-8",
    )
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    batch.screen_file(src, one, workers=1)
    batch.screen_file(src, two, workers=2)
    assert one.read_bytes() == two.read_bytes()


def test_xlsx_and_parquet_round_trip(tmp_path: Path) -> None:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Country", "id"])
    sheet.append(["華為技術有限公司", "CN", 1])
    sheet.append(["Acme Widgets", "US", 2])
    sheet.append([None, "CN", 3])
    xlsx = tmp_path / "in.xlsx"
    book.save(xlsx)
    out = tmp_path / "out.parquet"
    summary = batch.screen_file(xlsx, out, workers=1)
    assert summary.screened == 2 and summary.errors == 1
    table = pq.read_table(out).to_pylist()
    assert [r["id"] for r in table] == ["1", "2"]
    assert table[0]["hit"] == "true" and table[0]["top_name"].casefold().startswith("huawei")

    parquet = tmp_path / "p.parquet"
    pq.write_table(pa.table({"name": ["Sugon", "Nobody Special"], "id": [7, 8]}), parquet)
    xout = tmp_path / "out.xlsx"
    batch.screen_file(parquet, xout, workers=1)
    rows = list(openpyxl.load_workbook(xout).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("name", "id", "hit", "top_name")
    assert rows[1][2] == "true" and rows[2][2] == "false"


def test_match_pairs_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src, out = tmp_path / "pairs.csv", tmp_path / "scored.csv"
    src.write_text(
        "left,right,schema\n华为,Huawei,Company\nJohn Smith,Jon Smith,Person\nA Co,B Co,Alien\n",
        encoding="utf-8",
    )
    res = run_cli(capsys, "match", "--pairs", str(src), "--output", str(out))
    assert res.code == 2 and "row 4: schema: unknown schema 'Alien'" in flat(res.err)
    rows = read_csv(out)
    assert [(r["left"], r["match"]) for r in rows] == [("华为", "true"), ("John Smith", "true")]
    assert float(rows[0]["score"]) >= 0.9

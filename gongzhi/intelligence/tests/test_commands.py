"""The evaluation and replay commands, on synthetic files and on the real shared data
(read from ../shared/data at run time, sampled to stay fast)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from gongzhi.intelligence import datasets
from gongzhi.intelligence.hotspots import HotspotDetector, replay

from .synthetic import corpus

DATA = datasets.shared_data_dir()


def _csv(path: Path, n: int = 240) -> Path:
    texts, labels = corpus(n)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "body", "kind", "when", "district"])
        for i, (t, lab) in enumerate(zip(texts, labels, strict=True)):
            w.writerow([t[:8], t, lab, f"2026-01-{1 + i % 28:02d} 10:00:00", f"D{i % 3}"])
    return path


def _run(*args: str) -> str:
    out = StringIO()
    call_command("triage_eval", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_triage_eval_prints_metrics_report_and_confusion_for_a_csv(tmp_path: Path) -> None:
    out = _run(
        "--file",
        str(_csv(tmp_path / "m.csv")),
        "--text",
        "title,body",
        "--label",
        "kind",
        "--folds",
        "3",
    )
    assert "accuracy" in out and "macro-F1" in out and "top-3" in out
    assert "baseline" in out and "confusion matrix" in out and "lighting" in out


def test_triage_eval_json_with_time_split(tmp_path: Path) -> None:
    out = _run(
        "--file",
        str(_csv(tmp_path / "m.csv")),
        "--text",
        "body",
        "--label",
        "kind",
        "--meta",
        "district",
        "--time",
        "when",
        "--split-by-time",
        "0.8",
        "--json",
    )
    result = json.loads(out)
    assert result["mode"] == "time split 0.8" and result["n_test"] == 48
    assert result["ours"]["accuracy"] > 0.9 and 0 <= result["baseline"]["top3_accuracy"] <= 1
    assert len(result["confusion"]["matrix"]) == len(result["confusion"]["labels"])


def test_triage_eval_reads_xlsx(tmp_path: Path) -> None:
    texts, labels = corpus(120)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["text", "label"])
    for t, lab in zip(texts, labels, strict=True):
        ws.append([t, lab])
    wb.save(tmp_path / "m.xlsx")
    result = json.loads(
        _run(
            "--file",
            str(tmp_path / "m.xlsx"),
            "--text",
            "text",
            "--label",
            "label",
            "--folds",
            "2",
            "--json",
        )
    )
    assert result["n_rows"] == 120 and result["splits"] == 2


def test_missing_columns_are_named_with_the_available_ones(tmp_path: Path) -> None:
    path = _csv(tmp_path / "m.csv")
    with pytest.raises(
        CommandError,
        match=r"Column\(s\) texte, etiquette not found.*Available columns: title, body, kind",
    ):
        _run("--file", str(path), "--text", "texte", "--label", "etiquette")


def test_bad_arguments_give_clear_messages(tmp_path: Path) -> None:
    path = _csv(tmp_path / "m.csv")
    with pytest.raises(CommandError, match="needs --time"):
        _run("--file", str(path), "--text", "body", "--label", "kind", "--split-by-time", "0.8")
    with pytest.raises(CommandError, match="between 0 and 1"):
        _run(
            "--file",
            str(path),
            "--text",
            "body",
            "--label",
            "kind",
            "--time",
            "when",
            "--split-by-time",
            "8",
        )
    with pytest.raises(CommandError, match="File not found"):
        _run("--file", str(tmp_path / "nope.csv"), "--text", "body", "--label", "kind")
    (tmp_path / "x.pdf").write_text("x")
    with pytest.raises(CommandError, match="unsupported file type"):
        _run("--file", str(tmp_path / "x.pdf"), "--text", "body", "--label", "kind")
    with pytest.raises(CommandError, match="fewer than two labels"):
        _run("--file", str(path), "--text", "body", "--label", "district", "--min-class", "1000")


def test_department_labels_are_mined_from_real_tipdm_replies(tmp_path: Path) -> None:
    counts = datasets.mine_tipdm_labels(
        DATA / "tipdm2020c" / "annex4_messages_with_replies.csv", tmp_path / "d.csv"
    )
    assert sum(counts.values()) > 1500 and len(counts) >= 15
    assert counts["公安局"] > 100 and counts["教育局"] > 100
    assert datasets.mine_department("已由银盆岭派出所立刑事案件侦查") == "公安局"
    assert (
        datasets.mine_department("市住建局及时将您反映的问题交由市房屋交易管理中心办理")
        == "住房和城乡建设局"
    )
    assert datasets.mine_department("感谢您的支持") is None


def test_real_tipdm_evaluation_runs_on_a_sample(tmp_path: Path) -> None:
    datasets.mine_tipdm_labels(
        DATA / "tipdm2020c" / "annex4_messages_with_replies.csv", tmp_path / "d.csv"
    )
    result = json.loads(
        _run(
            "--file",
            str(tmp_path / "d.csv"),
            "--text",
            "留言主题",
            "--label",
            "部门",
            "--folds",
            "2",
            "--sample",
            "400",
            "--min-class",
            "20",
            "--json",
        )
    )
    assert result["n_test"] == 400
    assert result["ours"]["top3_accuracy"] > 0.5  # 20-odd departments: chance is far below


def test_tipdm_category_tree_has_its_top_level_categories() -> None:
    tree = datasets.tipdm_tree(DATA / "tipdm2020c" / "annex1_label_taxonomy.csv")
    assert {
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "商贸旅游",
        "卫生计生",
    } <= set(tree)
    assert "安全生产" in tree["城乡建设"]


def test_real_boston_routing_evaluation_runs_on_a_sample() -> None:
    result = json.loads(
        _run(
            "--file",
            str(DATA / "boston311" / "311_service_requests_2011.zip"),
            "--text",
            "type",
            "--meta",
            "pwd_district,source",
            "--label",
            "queue",
            "--time",
            "open_dt",
            "--split-by-time",
            "0.8",
            "--sample",
            "3000",
            "--min-class",
            "30",
            "--json",
        )
    )
    assert result["ours"]["accuracy"] > 0.7


def test_boston_street_light_history_replays_with_warnings() -> None:
    import h3

    events = [
        (h3.latlng_to_cell(e.lat, e.lon, 7), e.category, e.at.date())
        for e in datasets.boston_events(DATA / "boston311" / "311_service_requests_2011.zip")
        if e.lat is not None
        and e.lon is not None
        and e.category in ("Street Light Outages", "Tree Emergencies")
    ]
    assert len(events) > 3000
    episodes, summary = replay(
        sorted(events, key=lambda e: e[2]), detector=HotspotDetector(), warmup_days=28
    )
    assert summary["episodes"] == len(episodes) > 0
    # Hurricane Irene reached Boston on 2011-08-28: fallen trees must raise a warning that day.
    assert any(
        e.category == "Tree Emergencies" and str(e.first_day) == "2011-08-28" for e in episodes
    )


def test_replay_command_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["open_dt", "type", "latitude", "longitude", "source"])
        for day in range(1, 60):
            w.writerow(
                [
                    "2011-07-01 10:00:00".replace(
                        "07-01", f"{7 + (day - 1) // 30:02d}-{1 + (day - 1) % 30:02d}"
                    ),
                    "Pothole",
                    "42.30",
                    "-71.10",
                    "Self Service",
                ]
            )
        for _ in range(12):
            w.writerow(["2011-08-29 11:00:00", "Graffiti", "42.30", "-71.10", "Self Service"])
        w.writerow(["2011-08-29 11:00:00", "Graffiti", "42.3594", "-71.0587", "Self Service"])
    out = StringIO()
    call_command("hotspots_replay", "--file", str(path), "--json", stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["summary"]["without_location"] == 1
    assert [e["category"] for e in result["episodes"]] == ["Graffiti"]


def test_replay_command_names_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="open_dt"):
        call_command(
            "hotspots_replay",
            "--file",
            str(tmp_path / "b.csv"),
            stdout=StringIO(),
            stderr=StringIO(),
        )

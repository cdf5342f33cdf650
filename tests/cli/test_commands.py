"""The ``itsm`` command, through Click's CliRunner: every command and its errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from click.testing import CliRunner, Result

from itsm_core import Actor, ItsmCore
from itsm_core.cli import main
from itsm_core.cli.app import cli
from itsm_core.cli.render_json import report_schema

SH = ZoneInfo("Asia/Shanghai")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error_line(result: Result) -> str:
    """The run failed with one line of error and no traceback."""
    assert result.exit_code != 0
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_demo_writes_the_report_in_every_format(demo_dir: Path) -> None:
    report = demo_dir / "report"
    assert sorted(p.name for p in report.iterdir()) == [
        "report.html",
        "report.json",
        "report.md",
        "report.xlsx",
    ]
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema())
    assert data["complaints"]["total"] > 0
    assert data["satisfaction"]["callbacks"]
    assert data["sla"]["clocks"] > 0
    assert "投诉" in (report / "report.md").read_text(encoding="utf-8")


def test_the_demo_is_the_same_for_a_seed(demo_dir: Path, tmp_path: Path) -> None:
    again = invoke(
        "demo",
        "--months",
        "1",
        "--seed",
        "7",
        "--db",
        f"sqlite:///{tmp_path / 'again.db'}",
        "--out",
        str(tmp_path / "report"),
    )
    assert again.exit_code == 0, again.output
    first = json.loads((demo_dir / "report" / "report.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    for data in (first, second):
        data.pop("generated_at")
    for section in ("complaints", "sla", "improvements"):
        strip = {"ledger", "breaches", "items"}
        assert {k: v for k, v in first[section].items() if k not in strip} == {
            k: v for k, v in second[section].items() if k not in strip
        }
    assert first["satisfaction"]["channels"] == second["satisfaction"]["channels"]


def test_demo_refuses_a_database_that_exists(demo_url: str) -> None:
    assert "exists already" in one_error_line(invoke("demo", "--db", demo_url))


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_formats(demo_url: str, fmt: str, lang: str) -> None:
    result = invoke(
        "report",
        "--db",
        demo_url,
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--lang",
        lang,
        "--format",
        fmt,
    )
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        jsonschema.validate(data, report_schema())
        assert data["lang"] == lang
    expected = "业务关系管理报告" if lang == "zh" else "Business relationship report"
    assert expected in result.output


def test_report_of_one_customer_as_a_workbook(demo_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "hdgrid.xlsx"
    result = invoke(
        "report",
        "--db",
        demo_url,
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--customer",
        "hdgrid",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "投诉台账", "回访登记表"]
    register = book["回访登记表"]
    assert register.max_row > 1
    assert {row[2] for row in register.iter_rows(min_row=2, values_only=True)} == {"hdgrid"}


def test_report_errors_are_one_line(demo_url: str, tmp_path: Path) -> None:
    period = ("--from", "2025-01-01", "--to", "2025-01-31")
    assert "before" in one_error_line(
        invoke("report", "--db", demo_url, "--from", "2025-02-01", "--to", "2025-01-01")
    )
    assert "no customer 'nobody'" in one_error_line(
        invoke("report", "--db", demo_url, *period, "--customer", "nobody")
    )
    assert "no database" in one_error_line(
        invoke("report", "--db", f"sqlite:///{tmp_path / 'missing.db'}", *period)
    )
    assert "storage" in one_error_line(invoke("report", "--db", "nosuch://x", *period)).lower()
    assert "--out" in one_error_line(
        invoke("report", "--db", demo_url, *period, "--format", "xlsx")
    )


def test_a_missing_extra_is_one_line(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name: str, *args: object, **kwargs: object) -> object:
        if name == "openpyxl" or name.startswith("openpyxl."):
            raise ModuleNotFoundError(f"No module named {name!r}", name="openpyxl")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    line = one_error_line(
        invoke(
            "report",
            "--db",
            demo_url,
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
            "--format",
            "xlsx",
            "--out",
            "x.xlsx",
        )
    )
    assert "pip install 'itsm-core[xlsx]'" in line


def test_html_without_matplotlib_says_how_to_get_charts(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("itsm_core.cli.charts.charts_available", lambda: False)
    result = invoke(
        "report",
        "--db",
        demo_url,
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--format",
        "html",
        "--lang",
        "en",
    )
    assert result.exit_code == 0
    assert "pip install &#x27;itsm-core[charts]&#x27;" in result.output
    assert "<img" not in result.output


def _internal_complaint(url: str) -> str:
    specialist = Actor("cs", ["complaint_specialist"])
    with ItsmCore(url, load_entrypoints=False) as core:
        (first, *_) = core.complaints.find(specialist, origin="internal")
        return first.id


def test_records_hide_an_internal_complainant_but_from_the_specialist(demo_url: str) -> None:
    complaint_id = _internal_complaint(demo_url)
    shown = invoke("records", "--db", demo_url, complaint_id, "--as", "complaint_specialist")
    hidden = invoke("records", "--db", demo_url, complaint_id)
    assert shown.exit_code == 0 and hidden.exit_code == 0, shown.output + hidden.output
    for text in (shown.output, hidden.output):
        for title in ("投诉事件登记表", "投诉处理报告", "改进跟踪单", "监督投诉记录表"):
            assert title in text
    names = ("张工", "刘工", "吴工")
    assert any(name in shown.output for name in names)
    assert not any(name in hidden.output for name in names)
    assert "[redacted]" in hidden.output
    md = invoke("records", "--db", demo_url, complaint_id, "--format", "md", "--lang", "en")
    assert md.exit_code == 0 and "# complaint registration form" in md.output


def test_records_of_an_unknown_complaint(demo_url: str) -> None:
    assert "complaint" in one_error_line(invoke("records", "--db", demo_url, "nope"))


def test_run_once_reports_what_ran(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    result = invoke("run", "--db", url, "--once")
    assert result.exit_code == 0, result.output
    assert "warnings 0" in result.output and "relayed 0" in result.output
    assert "positive interval" in invoke("run", "--db", url, "--every", "soon").output


def test_run_every_stops_after_its_passes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    result = invoke("run", "--db", url, "--every", "1s", "--passes", "2")
    assert result.exit_code == 0, result.output
    assert result.output.count("relayed") == 2


def test_db_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    assert invoke("db", "upgrade", url).exit_code == 0
    current = invoke("db", "current", url)
    assert current.exit_code == 0 and current.output.strip() != "none"
    assert invoke("db", "check", url).exit_code == 0
    assert invoke("db", "check", f"sqlite:///{tmp_path / 'empty.db'}").exit_code != 0


def test_plugins_lists_backends_and_notifiers() -> None:
    result = invoke("plugins")
    assert result.exit_code == 0, result.output
    assert "sqlite" in result.output and "postgresql" in result.output
    assert "itsm-core" in result.output


def test_calendar_show_and_add_year(tmp_path: Path) -> None:
    shown = invoke("calendar", "show", "2026")
    assert shown.exit_code == 0, shown.output
    assert "2026-10-01" in shown.output and "国庆节" in shown.output
    assert "调休工作日" in shown.output
    out = tmp_path / "calendar.json"
    added = invoke(
        "calendar",
        "add-year",
        "2031",
        "--holiday",
        "2031-01-01=元旦",
        "--holiday",
        "2031-10-01..2031-10-07=国庆节",
        "--workday",
        "2031-09-28",
        "--out",
        str(out),
    )
    assert added.exit_code == 0, added.output
    shown = invoke("calendar", "show", "2031", "--calendar", str(out), "--lang", "en")
    assert shown.exit_code == 0, shown.output
    assert "unofficial" not in shown.output
    assert "2031-10-07" in shown.output and "2031-09-28" in shown.output


def test_main_returns_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert main(["report"]) != 0
    assert "Missing option" in capsys.readouterr().err


def test_main_without_click_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "click", None)
    monkeypatch.delitem(sys.modules, "itsm_core.cli.app", raising=False)
    assert main(["--help"]) == 2
    assert "pip install 'itsm-core[cli]'" in capsys.readouterr().err


def test_report_period_is_local_days(demo_url: str) -> None:
    result = invoke(
        "report", "--db", demo_url, "--from", "2025-01-02", "--to", "2025-01-02", "--format", "json"
    )
    data = json.loads(result.output)
    for row in data["complaints"]["ledger"]:
        assert datetime.fromisoformat(row["received_at"]).astimezone(SH).date().isoformat() == (
            "2025-01-02"
        )


def test_report_of_one_customer_has_its_review_pack(demo_url: str) -> None:
    from datetime import date

    from itsm_core.cli.report import collect_report, report_actor

    with ItsmCore(demo_url, load_entrypoints=False) as core:
        start, end = date(2025, 1, 1), date(2025, 1, 31)
        one = collect_report(core, report_actor(), start, end, "hdgrid", "en")
        everyone = collect_report(core, report_actor(), start, end)
    jsonschema.validate(one, report_schema())
    assert one["reviews"]["available"] is True
    assert one["reviews"]["pack"]["customer"] == "hdgrid"
    assert one["reviews"]["pack"]["periods"] == ["2025-01"]
    assert "pack" not in everyone["reviews"]  # a pack is one customer's

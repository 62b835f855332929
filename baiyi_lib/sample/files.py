"""The sample written as offices send it: the office's registers (CSV in GB18030 and UTF-8,
workbooks), each unit's weekly workbook, dates and yes/no spelt the ways people write them,
byte-identical for the same seed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl

from ..ledgers.schema import headers
from ..params import Rules, load_rules
from .simulate import (
    DEFAULT_SEED,
    FIXED_CORE_TIME,
    FIXED_ZIP_TIME,
    SYNTHETIC,
    SampleData,
    as_sent_on,
    generate,
)

# --------------------------------------------------------------------------- writing

VISIT_HEADERS = headers("visits")
INCIDENT_HEADERS = headers("incidents")
SCREENING_HEADERS = headers("screening")
BACKLOG_HEADERS = headers("backlog")


def _spell_date(d: dt.date, k: int) -> str:
    """Dates as clerks write them, varied on purpose."""
    return (
        f"{d:%Y-%m-%d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}.{d.month}.{d.day}",
    )[k % 4]


def _yes(flag: bool, k: int) -> str:
    return "是" if flag else ("否", "")[k % 2]


def _unit_spelling(u, k: int) -> str:
    """Mostly the full name, sometimes an alias, as people write."""
    return u.aliases[0] if u.aliases and k % 5 == 0 else u.name


def write(data: SampleData, out: Path, rules: Rules | None = None) -> list[Path]:
    """Write the sample ledgers under ``out``; return the files written."""
    rules = rules or load_rules()
    out.mkdir(parents=True, exist_ok=True)
    written = [
        _write_visits(data, out / "走访登记.csv"),
        _write_incidents(data, out / "敏感事件.xlsx"),
    ]
    if data.warnings:
        written.append(_write_warnings(data, out / "预警信息.csv"))
    if data.roster:
        written.append(_write_roster(data, out / "局领导接访值班表.xlsx"))
    unit_dir = out / "units"
    unit_dir.mkdir(exist_ok=True)
    for u in rules.units.units:
        written.append(_write_unit(data, u, unit_dir / f"{u.id}_{u.name}.xlsx", rules))
    readme = out / "README.md"
    readme.write_text(
        "# 示例台账(合成数据)\n\n"
        f"{SYNTHETIC}。由 `baiyi sample` 生成(`baiyi_lib/sample/`,种子 {DEFAULT_SEED}),"
        "再次生成得到逐字节相同的文件。\n\n"
        "- `走访登记.csv`:行动办公室的走访登记(GB18030 编码,第一行为标题)。\n"
        "- `敏感事件.xlsx`:敏感事件登记。\n"
        "- `预警信息.csv`:行动办公室的预警信息登记(UTF-8,第一行为标题;时间有两种写法)。\n"
        "- `局领导接访值班表.xlsx`:每天在局接访的局领导(只写职务,不写姓名)。\n"
        "- `units/<id>_<单位>.xlsx`:各单位每周五报送的"
        "矛盾纠纷排查化解登记表(滚动台账)和信访积案。\n\n"
        "Synthetic data: no row describes a real case or person.\n",
        encoding="utf-8",
    )
    written.append(readme)
    return written


def _write_visits(data: SampleData, path: Path) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"莒南县水利系统信访走访登记台账({SYNTHETIC})"])
    w.writerow(VISIT_HEADERS)
    for k, v in enumerate(data.visits):
        persons = f"{v['persons']}人" if k % 7 == 0 else str(v["persons"])
        w.writerow(
            [
                v["visit_id"],
                _spell_date(v["date"], k),
                _unit_spelling(v["unit"], k),
                v["level"],
                v["form"],
                persons,
                _yes(v["irregular"], k),
                v["case_id"] or "",
                _yes(v["dissatisfied"], k),
                _yes(v["internal_staff"], k),
                "" if v.get("head_present") is None else _yes(v["head_present"], k),
                v.get("head_present_on") or "",
                "" if v.get("at_bureau") is None else _yes(v["at_bureau"], k),
                v.get("received_by") or "",
            ]
        )
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def _write_warnings(data: SampleData, path: Path) -> Path:
    """The office's register of pushed warnings (预警信息), times as clerks type them."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"莒南县水利系统预警信息登记({SYNTHETIC})"])
    w.writerow(headers("warnings"))

    def when(t: dt.datetime | None, k: int) -> str:
        if t is None:
            return ""
        return (f"{t:%Y-%m-%d %H:%M}", f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分")[
            k % 2
        ]

    for k, x in enumerate(data.warnings):
        w.writerow(
            [
                x["warning_id"],
                x["unit"].name,
                x["level"],
                "是" if x["important"] else "否",
                when(x["pushed_at"], k),
                when(x["verified_at"], k),
                when(x["fed_back_at"], k),
                x["outcome"] or "",
            ]
        )
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def _write_roster(data: SampleData, path: Path) -> Path:
    """The office's roster of the bureau's leaders receiving visitors (接访值班表), by
    post; dates as Excel dates, as a clerk's sheet has them."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rows = [[r["date"], r["lead_post"]] for r in data.roster]
    _sheet(wb, "接访值班", [f"莒南县水利局领导接访值班表({SYNTHETIC})"], headers("roster"), rows)
    return _save(wb, path)


def _sheet(
    wb: openpyxl.Workbook, title: str, banner: list[str], headers: list[str], rows: list[list]
) -> None:
    ws = wb.create_sheet(title)
    if not rows:  # a unit with no case of this kind sends the sheet as a zero return
        banner = [*banner, "零报告:是"]
    for line in banner:
        ws.append([line])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    for cell in ws[len(banner) + 1]:
        cell.font = openpyxl.styles.Font(bold=True)
    for col, width in zip("ABCDEFGHIJ", (16, 14, 22, 12, 12, 14, 12, 14), strict=False):
        ws.column_dimensions[col].width = width
    # Excel date cells for real dates.
    for row in ws.iter_rows(min_row=len(banner) + 2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    """Save with fixed timestamps, so the same data gives the same bytes."""
    wb.properties.creator = "baiyi sample"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_CORE_TIME.encode(),
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, body)
    path.write_bytes(out.getvalue())
    return path


def _write_incidents(data: SampleData, path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    rows = [
        [i["incident_id"], i["date"], i["unit"].name, i["level"], i["category"], i["visit_id"]]
        for i in data.incidents
    ]
    _sheet(wb, "敏感事件", [f"莒南县水利系统信访敏感事件登记({SYNTHETIC})"], INCIDENT_HEADERS, rows)
    return _save(wb, path)


def _write_unit(data: SampleData, u, path: Path, rules: Rules) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    banner = ["莒南县水利系统矛盾纠纷排查化解登记表", f"填报单位:{u.name}    ({SYNTHETIC})"]
    screening = [
        [
            s["case_id"],
            _unit_spelling(u, k),
            s["screened_on"] if k % 3 else _spell_date(s["screened_on"], k),
            s["category"],
            s["status"],
            s["resolved_on"],
        ]
        for k, s in enumerate(data.screening[u.id])
    ]
    _sheet(wb, "矛盾纠纷排查化解登记表", banner, SCREENING_HEADERS, screening)
    backlog = [
        [
            b["case_id"],
            u.name,
            b["first_petition_on"],
            b["status"],
            b["resolved_on"],
            "是" if b["certified"] else "否",
            b["certified_on"],
            b.get("lead_post"),
            b.get("consulted_on"),
            b.get("reviewed_on"),
            b.get("heard_on"),
        ]
        for b in data.backlog[u.id]
    ]
    _sheet(
        wb,
        "信访积案",
        ["莒南县水利系统信访积案化解情况", f"填报单位:{u.name}    ({SYNTHETIC})"],
        BACKLOG_HEADERS,
        backlog,
    )
    ws = wb.create_sheet("填表说明")
    for line in (
        f"{rules.campaign.weekly_return_quote}({rules.campaign.weekly_return_clause})。",
        "排查台账为滚动台账:已报送的案件每周继续填报,更新化解状态。",
        "只填写案件编号和人次,不得填写信访人姓名、身份证号码、电话、住址等个人信息。",
    ):
        ws.append([line])
    return _save(wb, path)


def write_sample(
    out: str | Path,
    seed: int = DEFAULT_SEED,
    rules: Rules | None = None,
    as_sent: dt.date | None = None,
) -> list[Path]:
    """Generate and write the sample ledgers (the `baiyi sample` command); with
    ``as_sent``, as they would have been sent on that day (``as_sent_on``)."""
    rules = rules or load_rules()
    data = generate(rules, seed)
    if as_sent is not None:
        data = as_sent_on(data, as_sent)
    return write(data, Path(out), rules)

"""What the loader accepts (docs/使用说明.md): spellings, encodings, title rows, many files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from support import frames

from baiyi_lib import LedgerError, ParamsError, check_ledgers, load_ledgers
from baiyi_lib.ledgers.schema import headers

VISIT_HEADER = headers("visits")


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_read_the_same(tmp_path, encoding):
    write_csv(
        tmp_path / "走访登记.csv",
        ["走访登记", ",".join(VISIT_HEADER), "V1,2019-03-05,农水站,来县,个体,1,否,C1,否,否"],
        encoding,
    )
    v = load_ledgers(tmp_path).visits
    assert v["unit"].tolist() == ["农水站"] and v["src_row"].tolist() == [3]


def test_spellings_people_actually_write(tmp_path):
    rows = [
        "V1,2019-03-05,农水站,来县,个体,3人,是,c1,Y,1",
        "V2,2019/3/6,安监办,去省访,集体访,12 人次,N,C2,,0",
        "V3,2019.3.7,　石泉湖水库　,到市,个人,１,√,Ｃ３,否,",
        "V4,2019年3月8日,nsz,进京,个体,2,,,,",
        "V5,20190309,农 水 站,来县,个体,1,false,,true,",
    ]
    write_csv(tmp_path / "走访.csv", [",".join(VISIT_HEADER), *rows])
    v = load_ledgers(tmp_path).visits.set_index("visit_id")
    assert v["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-03-05",
        "2019-03-06",
        "2019-03-07",
        "2019-03-08",
        "2019-03-09",
    ]
    assert v["unit"].tolist() == [
        "农水站",
        "安全生产管理办公室",
        "石泉湖水库管理所",
        "农水站",
        "农水站",
    ]
    assert v["level"].tolist() == ["来县", "去省", "到市", "进京", "来县"]
    assert v["form"].tolist() == ["个体", "集体", "个体", "个体", "个体"]
    assert v["persons"].tolist() == [3, 12, 1, 2, 1]
    assert v["irregular"].tolist() == [True, False, True, False, False]
    assert v["dissatisfied"].tolist() == [True, False, False, False, True]
    assert v["case_id"].tolist()[:3] == ["C1", "C2", "C3"] and v["case_id"].isna().tolist()[3:] == [
        True,
        True,
    ]


def test_workbook_with_title_rows_sheets_and_excel_dates(tmp_path):
    path = write_xlsx(
        tmp_path / "nsz_农水站.xlsx",
        {
            "矛盾纠纷排查化解登记表": [
                ["莒南县水利系统矛盾纠纷排查化解登记表"],
                ["填报单位:农水站"],
                ["案件编号", "责任单位", "排查日期", "纠纷类别", "化解状态", "化解日期"],
                ["C1", "农水站", dt.date(2019, 3, 1), "工程款", "未化解", None],
                [None, None, None, None, None, None],
                ["C1", "农水站", 43532, "工程款", "已化解", dt.datetime(2019, 3, 7)],
                ["C2", "农水站", "2019年3月8日", "水事纠纷", "未化解", None],
            ],
            "信访积案": [
                ["信访积案化解情况"],
                [
                    "案件编号",
                    "责任单位",
                    "初次信访日期",
                    "化解状态",
                    "化解日期",
                    "办公室认定",
                    "认定日期",
                ],
                [
                    "J1",
                    "农水站",
                    dt.date(2008, 5, 1),
                    "已化解",
                    dt.date(2019, 3, 20),
                    "是",
                    dt.date(2019, 3, 25),
                ],
            ],
            "填表说明": [["每周五报送"]],
            "Sheet3": [],
        },
    )
    led = load_ledgers(path)
    s = led.screening.set_index("case_id")
    assert s.loc["C1", "screened_on"] == pd.Timestamp("2019-03-01")  # earliest
    assert s.loc["C1", "status"] == "已化解"  # latest
    assert s.loc["C1", "returns"] == 2
    assert led.screening_rows["src_row"].tolist() == [
        4,
        6,
        7,
    ]  # the blank row 5 is skipped, numbering kept
    assert led.backlog["certified"].tolist() == [True]
    acc = led.accounting.set_index("sheet")
    assert acc.loc["矛盾纠纷排查化解登记表", "rows_read"] == 3


def test_kind_is_known_from_the_header_when_the_name_says_nothing(tmp_path):
    write_csv(
        tmp_path / "2019-03-08.csv",
        ["案件编号,责任单位,初次信访日期,化解状态", "J1,农水站,2010-01-01,未化解"],
    )
    assert len(load_ledgers(tmp_path).backlog) == 1


def test_many_files_of_one_kind_are_read_together(tmp_path):
    for i, unit in enumerate(["农水站", "工管站"]):
        write_csv(
            tmp_path / f"排查_{i}.csv",
            ["案件编号,责任单位,排查日期,化解状态", f"C1,{unit},2019-03-0{i + 1},未化解"],
        )
    led = load_ledgers(tmp_path)
    assert sorted(led.screening["unit"].astype(str)) == [
        "农水站",
        "工管站",
    ]  # same case id, two units
    assert sorted(led.accounting["file"]) == ["排查_0.csv", "排查_1.csv"]


def test_identical_backlog_rows_from_two_returns_are_merged(tmp_path):
    line = "J1,农水站,2010-01-01,已化解,2019-03-05,是,2019-03-08"
    head = "案件编号,责任单位,初次信访日期,化解状态,化解日期,办公室认定,认定日期"
    write_csv(tmp_path / "积案_0301.csv", [head, line])
    write_csv(tmp_path / "积案_0308.csv", [head, line])
    led = load_ledgers(tmp_path)
    assert len(led.backlog) == 1
    assert led.accounting["rows_used"].sum() == 2  # both rows used, none dropped silently


def test_remarks_do_not_refuse_rows(tmp_path):
    write_csv(
        tmp_path / "事件.csv",
        [
            "编号,日期,责任单位,走访层级,事件类别,关联走访编号",
            "E1,2019-03-05,农水站,到市,大规模聚集上访,V99",
        ],
    )
    led = load_ledgers(tmp_path)
    assert len(led.incidents) == 1
    assert led.problems["problem"].str.contains("找不到").any()
    assert (led.problems["severity"] == "提示").all()


def test_an_id_shaped_number_with_a_wrong_check_digit_is_refused_as_suspected(tmp_path):
    # a province code and a birth date: an ID with a slip or with digits lost in a number
    # cell; refusing it costs a unit a correction, keeping it would store a person's ID
    write_csv(
        tmp_path / "走访.csv",
        [",".join(VISIT_HEADER), "V1,2019-03-05,农水站,来县,个体,1,否,110105194912310021,否,否"],
    )
    with pytest.raises(LedgerError, match="疑似身份证号码") as info:
        load_ledgers(tmp_path)
    assert "110105194912310021" not in str(info.value)


def test_a_long_case_number_that_is_no_id_is_accepted(tmp_path):
    # 18 digits without a province code and birth date where an ID has them
    write_csv(
        tmp_path / "走访.csv",
        [",".join(VISIT_HEADER), "V1,2019-03-05,农水站,来县,个体,1,否,201903050000000017,否,否"],
    )
    assert load_ledgers(tmp_path).visits["case_id"].tolist() == ["201903050000000017"]


def test_dataframes_with_typed_columns_pass_through():
    df = pd.DataFrame(
        {
            "visit_id": ["V1", "V2"],
            "date": pd.to_datetime(["2019-03-05", "2019-03-06"]),
            "unit": ["农水站", "工管站"],
            "level": ["来县", "到市"],
            "form": ["个体", "集体"],
            "persons": np.array([1, 6]),
            "irregular": [False, True],
            "case_id": ["C1", None],
            "dissatisfied": [False, False],
            "internal_staff": [False, False],
        }
    )
    v = load_ledgers({"visits": df}).visits
    assert v["persons"].tolist() == [1, 6] and v["irregular"].tolist() == [False, True]
    assert v["src_file"].astype(str).tolist() == ["<visits>", "<visits>"]
    assert v["src_row"].tolist() == [2, 3]


def test_chinese_headers_accepted_in_dataframes():
    raw = frames(
        visits=[{"visit_id": "V1", "date": "2019-03-05", "unit": "农水站", "level": "来县"}]
    )["visits"]
    raw = raw.rename(columns={"visit_id": "编号", "date": "日期", "unit": "责任单位"})
    assert load_ledgers({"visits": raw}).visits["visit_id"].tolist() == ["V1"]


def test_an_empty_folder_is_an_error(tmp_path):
    with pytest.raises(LedgerError, match="没有找到任何台账"):
        load_ledgers(tmp_path)


def test_a_missing_path_is_a_parameter_mistake_not_a_ledger_error(tmp_path):
    """A path that does not exist is a mistake in the command (exit 2), like every other
    parameter; LedgerError (exit 1) means the ledgers themselves have errors."""
    with pytest.raises(ParamsError, match="找不到台账"):
        load_ledgers(tmp_path / "nope")


def test_office_lock_files_and_other_files_are_ignored(tmp_path):
    write_csv(
        tmp_path / "走访.csv",
        [",".join(VISIT_HEADER), "V1,2019-03-05,农水站,来县,个体,1,否,C1,否,否"],
    )
    (tmp_path / "~$走访.xlsx").write_bytes(b"lock")
    (tmp_path / "说明.txt").write_text("x")
    result = check_ledgers(tmp_path)
    assert result.ok and list(result.files["file"]) == ["走访.csv"]


def test_a_refused_load_still_says_what_looks_across_ledgers(tmp_path):
    """A load with an error gives no ledgers (they are not shaped), but its problem table
    holds every problem: the remark about an incident's missing visit too."""
    write_csv(
        tmp_path / "事件.csv",
        [
            "编号,日期,责任单位,走访层级,事件类别,关联走访编号",
            "E1,2019-03-05,农水站,到市,大规模聚集上访,V99",
            "E2,2019-02-30,农水站,到市,大规模聚集上访,",
        ],
    )
    checked = check_ledgers(tmp_path)
    assert checked.ledgers is None
    by_check = checked.problems.groupby("check")["row"].apply(list).to_dict()
    assert by_check == {"rows.link": [2], "cell.date": [3]}


VISITS_HEAD = "编号,日期,责任单位,走访层级,走访形式,人次,非访,案件编号,不满初次办理,内部人员"
INCIDENTS_HEAD = "编号,日期,责任单位,走访层级,事件类别,关联走访编号"
INCIDENT = "E1,2019-03-05,农水站,到市,大规模聚集上访,V1"


@pytest.mark.parametrize(
    ("visit", "said"),
    [
        ("V1,2019-03-05,农水站,到市,个体,1,否,,否,否", set()),  # there: nothing to say
        ("V1,2019-03-05,农水站,到市,个体,0,否,,否,否", set()),  # refused for 人次: there
        ("V2,2019-03-05,农水站,到市,个体,1,否,,否,否", {"rows.link"}),  # truly not there
    ],
    ids=["read", "refused", "absent"],
)
def test_an_incidents_visit_refused_is_not_said_to_be_missing(tmp_path, visit, said):
    write_csv(tmp_path / "走访.csv", [VISITS_HEAD, visit])
    write_csv(tmp_path / "事件.csv", [INCIDENTS_HEAD, INCIDENT])
    problems = check_ledgers(tmp_path).problems
    assert set(problems.loc[problems["check"] == "rows.link", "check"]) == said


def test_no_link_is_said_missing_when_the_visits_table_was_refused_whole(tmp_path):
    write_csv(tmp_path / "走访.csv", ["编号,日期,责任单位", "V1,2019-03-05,农水站"])  # too few
    write_csv(tmp_path / "事件.csv", [INCIDENTS_HEAD, INCIDENT])
    problems = check_ledgers(tmp_path).problems
    assert (problems["severity"] == "错误").any()
    assert not (problems["check"] == "rows.link").any()

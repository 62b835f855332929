"""What-if: the readings of the ambiguous text side by side (issue 9 part 5).

Expected figures are worked out by hand from the rows each test writes.
"""

from __future__ import annotations

from support import ledgers, visit

from baiyi_lib import load_rules
from baiyi_lib.cli import main
from baiyi_lib.report.briefing import Briefing
from baiyi_lib.whatif import compare, sensitivity, sensitivity_table

R = load_rules()
SCREENED = {"case_id": "C1", "unit": "工管站", "screened_on": "2019-03-01"}


def test_compare_gives_both_scores_and_the_rows_that_differ():
    # 工管站's screened city visit is the system's first (-60); 农水站's city visit (-20),
    # not screened and after poor first handling, is doubled once by default (-20 more)
    # and twice under doubling=stack (×4 in all: -60 more)
    led = ledgers(
        visits=[
            visit("V0", "2019-03-02", "工管站", "到市", case_id="C1"),
            visit("V1", "2019-03-05", "农水站", "到市", case_id="C9", dissatisfied="是"),
        ],
        screening=[SCREENED],
    )
    cmp = compare(led, R, "2019-03-29", doubling="stack")
    row = cmp.table.set_index("unit").loc["农水站"]
    assert (row["score"], row["score_other"], row["diff"]) == (960, 920, -40)
    assert (row["rank"], row["rank_other"], row["rank_change"]) == (24, 25, -1)
    differ = cmp.rows.set_index("side")
    assert differ.loc["只在默认口径下", "points"] == 0  # the second condition adds nothing
    assert differ.loc["只在此口径下", "points"] == -40
    assert differ.loc["只在此口径下", "clause"] == "附件2 二、第3句"


def test_compare_on_the_command_line(capsys):
    assert main(["compare", "--data", "data/sample", "--as-of", "2019-04-26"]) == 2
    assert "--set" in capsys.readouterr().err
    args = ["compare", "--set", "doubling=stack", "--as-of", "2019-04-26", "--data", "data/sample"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "默认口径 与 两项加倍条件同时成立时:两项叠加" in out and "(附件2 二、第3句)" in out


def test_sensitivity_marks_units_whose_rank_or_star_depends_on_a_reading():
    led = ledgers(
        visits=[
            # an office's visit by a member of the public, never screened: charged (and
            # its screening incomplete) only under office_visits=all
            visit("V1", "2019-03-05", "办公室", "来县", case_id="C7"),
            # the first city case of the system: its rate depends on first_case
            visit("V2", "2019-03-06", "工管站", "到市", case_id="C1"),
        ],
        screening=[SCREENED],
    )
    long = sensitivity(led, R, R.campaign.end)
    t = sensitivity_table(long, R).set_index("unit")
    assert t.at["办公室", "现行口径"] == "1000(第1名)"
    assert t.at["办公室", "局机关科室走访计分范围:全部计分"] == "980(第24名)"  # -10, doubled
    assert "平安稳定星" in t.at["办公室", "depends"]
    assert t.at["工管站", "首起案件计分方式:另行加扣"] == "920(第25名)"  # -60 first case, -20 rate
    assert t.at["农水站", "depends"] == ""


def test_a_run_with_other_readings_shows_the_default_figures_beside():
    b = Briefing.prepare("data/sample", "2019-04-26", rules={"doubling": "stack"})
    header = str(b.header())
    assert "本报告按非默认口径计算" in header and "两项加倍条件同时成立时:两项叠加" in header
    ranking = str(b.ranking())
    assert "默认口径得分" in ranking and "默认口径名次" in ranking
    default = Briefing.prepare("data/sample", "2019-04-26").result.scores.set_index("unit")
    # 河道管理办公室's row: chosen score, then the default one in its column
    row = ranking.split("河道管理办公室")[1].split("</tr>")[0]
    assert f"<td>{default.at['河道管理办公室', 'score']}</td>" in row
    plain = Briefing.prepare("data/sample", "2019-04-26")
    assert "默认口径得分" not in str(plain.ranking()) and plain.sensitivity(False).markup == ""

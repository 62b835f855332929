"""explain(): the clerk's trace of one unit's score, checked line by line against a case
worked out by hand from the clauses (附件2 一、首段, 二, 三; 实施方案 五、三; 四、1)."""

from __future__ import annotations

from support import ledgers, visit

from baiyi_lib import load_rules, score

# 移民办 has the system's first Beijing visit; 河道办 then has the first province visit,
# collective (veto), 2 persons, after poor first handling (doubled, stacked), and one
# six-year backlog case certified (+10). Readings: doubling=stack, annual_ratio=0.1.
EXPECTED = """\
河道管理办公室(hdb,局直单位)
统计期:2019-02-20 至 2019-04-26;得分 610,排名第 24 / 25
基础分 1000(附件2 四、1)

明细(日期 来源 编号 规则(条款):计算 = 分值;台账位置):
  2019-03-08 积案 J1 化解五年以上(含五年)十年以下积案(附件2 三):每件 +10 = +10[<backlog> 第 2 行];案龄 6 年(初次信访 2013-01-01,化解 2019-03-01)
  2019-04-10 走访 V2 去省 水利系统第1起去省访(附件2 一、首段):2 人次 × -100 = -200[<visits> 第 3 行];系统第1起该层级走访,按首起标准扣分,代替一般标准
  2019-04-10 走访 V2 去省 不满初次办理导致走访(加倍扣分)(附件2 二、第3句):加倍部分 2 人次 × -100 × 再加 1 倍 = -200[<visits> 第 3 行];信访人不满初次办理结果导致走访,按人次加倍
  2019-04-10 走访 V2 去省 一票否决(不得授予"平安稳定星"和先进基层党组织)(实施方案 五、三):标记,不计分[<visits> 第 3 行];标记:一票否决(不得授予"平安稳定星"和先进基层党组织);原因:集体访

合计:
  1000 − 400(扣分)+ 10(加分)= 610
  水利系统第1起去省访(附件2 一、首段):1 行,-200 分
  不满初次办理导致走访(加倍扣分)(附件2 二、第3句):1 行,-200 分
  化解五年以上(含五年)十年以下积案(附件2 三):1 行,+10 分
标记:一票否决(不得授予"平安稳定星"和先进基层党组织)(实施方案 五、三)
原文有歧义:化解五年以上(含五年)十年以下积案(附件2 三)按 +10 分计。原文错乱,按字面取 10 分。
口径:两项加倍条件同时成立时:两项叠加(默认:只加倍一次);年底折算比例:10%(默认:未设定)
年度折算:(1000 − 610)× 0.1 = 39"""


def _case():
    return ledgers(
        visits=[
            visit("V1", "2019-03-01", "移民办", "进京", case_id="C1"),
            visit(
                "V2", "2019-04-10", "河道办", "去省",
                form="集体", persons=2, case_id="C2", dissatisfied="是",
            ),
        ],
        screening=[{"case_id": "C2", "unit": "河道办", "screened_on": "2019-02-22"}],
        backlog=[
            {"case_id": "J1", "unit": "河道办", "first_petition_on": "2013-01-01",
             "status": "已化解", "resolved_on": "2019-03-01", "certified": "是",
             "certified_on": "2019-03-08"},
        ],
    )  # fmt: skip


def test_explain_reads_as_worked_out_by_hand():
    result = score(_case(), load_rules(doubling="stack", annual_ratio=0.1), as_of="2019-04-26")
    assert result.explain("河道办") == EXPECTED


def test_explain_of_a_quiet_unit_under_the_default_readings():
    text = score(_case(), as_of="2019-04-26").explain("农水站")
    assert "本统计期内没有扣分、加分或标记。" in text
    assert text.splitlines()[-2:] == ["标记:无", "口径:全部为默认值"]

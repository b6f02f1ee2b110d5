"""Report metadata, dates, headline claims and contact, read from the real sample reports.

The Fengjiang values come from its gold JSON; the Qingpu values are the ones the annotation guide
and issue 2 state. Phrasings the corpus lacks are checked by rewriting the real headline paragraph.
"""

from __future__ import annotations

import pytest

from loaders.claims import claims_in
from loaders.pipeline import read_text
from tests.conftest import FENGJIANG, QINGPU

# gold headline_counts key → public claim kind
GOLD_KINDS = {
    "aspects": "aspects",
    "problems_found": "findings",
    "problems_rectified": "findings-rectified",
    "problems_in_progress": "findings-in-progress",
    "measures_stated": "measures",
    "measures_completed": "measures-completed",
    "systems_established_or_improved": "rules-established-or-improved",
    "systems_abolished": "rules-abolished",
    "party_and_administrative_sanctions_persons": "persons-sanctioned",
    "admonishment_talks_persons": "persons-admonished",
    "criticism_education_persons": "persons-criticised",
    "funds_recovered_wan_yuan": "funds-recovered-wan-yuan",
}


def _claims(report) -> dict[str, float]:
    return {c.kind: float(c.value) for c in report.claims}


def _dates(report) -> dict[str, str]:
    return {kind: value for kind, (value, _) in report.dates.items()}


def test_qingpu_dates(qingpu):
    assert _dates(qingpu.report) == {
        "inspectionStart": "2025-04-15",
        "inspectionEnd": "2025-06-30",
        "feedbackDate": "2025-09-08",
        "statusDate": "2025-12-07",
        "published": "2026-02-13",
    }


def test_fengjiang_dates_match_gold(fengjiang, fengjiang_gold):
    gold = fengjiang_gold["report"]
    assert _dates(fengjiang.report) == {
        "inspectionStart": gold["inspection_start"],
        "inspectionEnd": gold["inspection_end"],
        "feedbackDate": gold["feedback_date"],
        "statusDate": gold["as_of_date"],
        "published": gold["publication_date"],
        "signedDate": gold["signed_date"],
    }


def test_fengjiang_report_fields_match_gold(fengjiang, fengjiang_gold):
    gold, report = fengjiang_gold["report"], fengjiang.report
    assert report.title == gold["title"]
    assert report.issuer_name == gold["issuer"]
    assert report.place_level == gold["issuer_level"]
    assert report.inspector == gold["inspector_canonical"]
    assert report.inspected_name == gold["inspected_body"]
    assert report.inspection_type == gold["inspection_type"]


def test_qingpu_inspector_and_inspected_body_resolved_against_the_district(qingpu):
    report = qingpu.report
    assert report.inspector == "中共上海市青浦区委第五巡察组"
    assert report.inspected_name == "中共上海市青浦区民政局党组"


def test_fengjiang_headline_counts_all_read(fengjiang, fengjiang_gold):
    counts = fengjiang_gold["report"]["headline_counts"]
    assert set(counts) == set(GOLD_KINDS), "a gold count without a claim kind"
    claims = _claims(fengjiang.report)
    assert {GOLD_KINDS[k]: float(v) for k, v in counts.items()} == claims


def test_qingpu_headline_claims(qingpu):
    claims = _claims(qingpu.report)
    expected = {
        "findings": 63,
        "findings-rectified": 63,
        "measures": 186,
        "measures-completed": 186,
        "rules-new": 9,
        "rules-revised": 3,
    }
    assert {k: claims.get(k) for k in expected} == expected


def test_claim_evidence_quotes_the_number(qingpu, fengjiang):
    for loaded in (qingpu, fengjiang):
        report = loaded.report
        for claim in report.claims:
            quote = report.quote(claim.span)
            assert quote == claim.text and claim.value in quote


def test_contact_both_reports(qingpu, fengjiang, fengjiang_gold):
    gold = fengjiang_gold["report"]["contact"]
    assert {k: v for k, (v, _) in fengjiang.report.contact.items()} == {
        "telephone": gold["phone"],
        "email": gold["email"],
        "address": gold["address"],
        "postcode": gold["postcode"],
    }
    assert {k: v for k, (v, _) in qingpu.report.contact.items()} == {
        "telephone": "021-59729483",
        "email": "qpmzjbgs@163.com",
        "address": "青浦区公园东路1155号民政局315科室",
        "postcode": "201799",
    }
    for loaded in (qingpu, fengjiang):
        for value, span in loaded.report.contact.values():
            assert loaded.report.quote(span) == value


@pytest.mark.parametrize(
    ("phrase", "kind", "value"),
    [
        ("反馈的22个问题,已完成整改18个", "findings-rectified", "18"),
        ("反馈的22个问题,已整改到位18个", "findings-rectified", "18"),
        ("反馈的22个问题,基本完成整改3个", "findings-basically-rectified", "3"),
        ("反馈的22个问题,正在推进1个", "findings-in-progress", "1"),
        ("反馈的22个问题,其余4个正在推进", "findings-in-progress", "4"),
        ("制定整改措施80项,已完成75项", "measures", "80"),
        ("制定整改措施80项,已完成75项", "measures-completed", "75"),
        ("给予党纪政务处分5人", "persons-sanctioned", "5"),
        ("追回资金32.5万元", "funds-recovered-wan-yuan", "32.5"),
        ("挽回经济损失7万元", "funds-recovered-wan-yuan", "7"),
        ("新建制度6项", "rules-new", "6"),
        ("修订完善制度4项", "rules-revised", "4"),
        ("建立健全制度机制12项", "rules-established-or-improved", "12"),
        ("建章立制8项", "rules-established-or-improved", "8"),
        ("废止过时制度2项", "rules-abolished", "2"),
        ("立案审查调查6件", "cases-opened", "6"),
        ("移交问题线索9条", "clues-transferred", "9"),
        ("提醒谈话14人", "persons-reminded", "14"),
        ("问责3人", "persons-held-accountable", "3"),
        ("反馈问题40个,完成整改37个,未完成3个", "findings-rectified", "37"),
        ("反馈问题40个,完成整改37个,未完成3个", "findings-unrectified", "3"),
        ("反馈问题40个,基本完成并持续整改问题2个", "findings-basically-rectified", "2"),
        ("指出的12个问题已全部整改完成", "findings-rectified", "12"),
        ("整改完成率95.5%", "rectification-rate-percent", "95.5"),
        ("给予政务处分0人", "persons-sanctioned", "0"),
        ("组织处理1人", "persons-organisational-handling", "1"),
        ("制定及修改完善制度15项", "rules-established-or-improved", "15"),
        ("完善和新建制度30项", "rules-established-or-improved", "30"),
        ("追缴资金2.4万元", "funds-recovered-wan-yuan", "2.4"),
    ],
)
def test_headline_phrasings(phrase, kind, value):
    found = {k: next(g for g in m.groups() if g) for k, m in claims_in(phrase)}
    assert found.get(kind) == value


@pytest.mark.parametrize("phrase", ["制定及修改完善制度15项", "完善和新建制度30项"])
def test_joint_rule_counts_are_not_read_as_new_or_revised(phrase):
    kinds = {k for k, _ in claims_in(phrase)}
    assert not kinds & {"rules-new", "rules-revised"}


def _rewrite(path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new)


def test_feedback_date_without_year_takes_the_inspection_year():
    text = _rewrite(QINGPU, "并于2025年9月8日反馈了巡察意见", "并于9月8日反馈了巡察意见")
    assert _dates(read_text(text, "variant.txt"))["feedbackDate"] == "2025-09-08"


def test_dash_period_and_slashed_publication_date():
    text = _rewrite(FENGJIANG, "2025年3月10日至5月16日", "2025年3月10日—5月16日")
    text = text.replace("发布时间：2026-01-16", "发布日期：2026/1/16")
    dates = _dates(read_text(text, "variant.txt"))
    assert (dates["inspectionStart"], dates["inspectionEnd"], dates["published"]) == (
        "2025-03-10",
        "2025-05-16",
        "2026-01-16",
    )


def test_claims_split_over_two_paragraphs_are_all_read():
    text = _rewrite(FENGJIANG, "已落实到位64条。整改期间，", "已落实到位64条。\n整改期间，")
    claims = _claims(read_text(text, "variant.txt"))
    assert claims["measures-completed"] == 64 and claims["rules-abolished"] == 3
    assert claims["funds-recovered-wan-yuan"] == 18.64


def test_no_headline_paragraph_gives_no_claims():
    text = QINGPU.read_text(encoding="utf-8")
    start = text.index("截至2025年12月7日")
    end = text.index("\n", start)
    report = read_text(text[:start] + text[end + 1 :], "variant.txt")
    assert not {"findings-rectified", "rules-new", "measures-completed"} & {c.kind for c in report.claims}


def test_feedback_in_its_own_sentence_and_abbreviated_inspected_body():
    text = _rewrite(
        FENGJIANG,
        "县委第三巡察组对中共枫江县民政局党组开展了常规巡察，并于2025年7月2日向局党组反馈了巡察意见",
        "县委第三巡察组对县民政局党组开展了常规巡察。2025年7月2日，县委巡察组向县民政局党组反馈了巡察意见",
    )
    report = read_text(text, "variant.txt")
    assert _dates(report)["feedbackDate"] == "2025-07-02"
    assert _dates(report)["inspectionEnd"] == "2025-05-16"
    assert report.inspected_name == "中共枫江县民政局党组"


def test_title_line_with_a_chinese_date_is_the_publication_date():
    text = _rewrite(
        FENGJIANG,
        "中共枫江县民政局党组关于县委巡察反馈意见整改进展情况的通报\n",
        "中共枫江县民政局党组关于县委巡察反馈意见整改进展情况的通报 2026年1月20日\n",
    )
    text = text.replace("发布时间：2026-01-16", "")
    report = read_text(text, "variant.txt")
    assert report.title == "中共枫江县民政局党组关于县委巡察反馈意见整改进展情况的通报"
    assert _dates(report)["published"] == "2026-01-20"


def test_inspector_from_another_district_of_the_same_city():
    text = _rewrite(QINGPU, "区委统一部署,区委第五巡察组", "区委统一部署,经松江区委第二巡察组")
    assert read_text(text, "variant.txt").inspector == "中共上海市松江区委第二巡察组"


def test_contact_phrasings_of_other_pages():
    text = FENGJIANG.read_text(encoding="utf-8")
    text = text.replace("联系电话：0734-6213508", "电 话：0734-6213509").replace("邮政编码：421700", "邮政编码421701")
    contact = {k: v for k, (v, _) in read_text(text, "variant.txt").contact.items()}
    assert (contact["telephone"], contact["postcode"]) == ("0734-6213509", "421701")


def test_headline_in_chinese_numerals():
    text = _rewrite(
        FENGJIANG,
        "反馈的4个方面22个问题，已完成整改20个，其余2个",
        "反馈的四个方面二十二个问题，已完成整改二十个，其余两个",
    )
    claims = _claims(read_text(text, "variant.txt"))
    assert (claims["aspects"], claims["findings"], claims["findings-rectified"]) == (4, 22, 20)
    assert claims["findings-in-progress"] == 2 and claims["measures"] == 67

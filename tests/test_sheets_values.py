"""Cell values by meaning (core/values.py), GB/T 4754 industries (registry/industry.py) and the
header matching of the shared reader (core/sheets.py)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from fugong.core import sheets, values
from fugong.registry import industry

from .factories import uscc

CODE = uscc()


@pytest.mark.parametrize(
    "raw",
    [
        CODE,
        CODE.lower(),
        f" {CODE[:6]} {CODE[6:12]}-{CODE[12:]} ",
        CODE.translate({ord(c): ord(c) + 0xFEE0 for c in CODE}),
    ],
)
def test_it_reads_a_uscc_with_spaces_hyphens_lower_case_or_full_width(raw):
    assert values.uscc(raw) == CODE


def test_an_organisation_code_is_named_as_such():
    with pytest.raises(ValidationError, match="组织机构代码"):
        values.uscc("MA0Y3K7X-1")


@pytest.mark.parametrize(
    "raw, phone",
    [
        (13904335678.0, "13904335678"),
        ("13904335678", "13904335678"),
        ("+86 139-0433-5678", "13904335678"),
        ("0086 13904335678", "13904335678"),
        ("139 0433 5678", "13904335678"),
        ("１３９０４３３５６７８", "13904335678"),
        ("0433-2512345", "0433-2512345"),
        ("(0433)2512345", "0433-2512345"),
        ("0433-2512345转801", "0433-2512345-801"),
        ("0433-2512345 ext. 801", "0433-2512345-801"),
        ("13904335678/0433-2512345", "13904335678"),
    ],
)
def test_it_reads_phones_as_people_and_excel_write_them(raw, phone):
    assert values.phone(raw) == phone


@pytest.mark.parametrize("raw", ["1.39043E+10", "1.39043e10", "12345", "电话"])
def test_a_phone_that_lost_its_digits_is_an_error(raw):
    with pytest.raises(ValidationError) as exc:
        values.phone(raw)
    if "E" in raw.upper() and raw[0].isdigit():
        assert "科学计数法" in exc.value.messages[0] and raw in exc.value.messages[0]


@pytest.mark.parametrize(
    "raw",
    [
        43875,
        43875.0,
        "43875",
        "2020-02-14",
        "2020/2/14",
        "2020.2.14",
        "20200214",
        "2020年2月14日",
        "２０２０年２月１４日",
        "2020-02-14 00:00:00",
        datetime.datetime(2020, 2, 14, 8, 30),
        datetime.date(2020, 2, 14),
    ],
)
def test_it_reads_dates_in_every_form_excel_and_people_use(raw):
    assert values.parse_date(raw) == datetime.date(2020, 2, 14)


def test_a_date_without_a_year_takes_the_year_from_context():
    assert values.parse_date("2月14日", year=2020) == datetime.date(2020, 2, 14)
    assert values.parse_date("2/14", year=2021) == datetime.date(2021, 2, 14)


@pytest.mark.parametrize("raw", ["2020-02-30", "明天", "14/2/2020x", "0"])
def test_an_impossible_date_is_an_error(raw):
    with pytest.raises(ValidationError):
        values.parse_date(raw)


@pytest.mark.parametrize(
    "raw, unit, expected",
    [
        ("1,200", "", Decimal(1200)),
        ("50人", "", Decimal(50)),
        ("85%", "", Decimal(85)),
        ("2.3亿", "万元", Decimal(23000)),
        ("2.3亿元", "万元", Decimal(23000)),
        ("500万", "万元", Decimal(500)),
        ("12.5", "万元", Decimal("12.5")),
        ("１２００", "", Decimal(1200)),
        (303.0, "", Decimal(303)),
    ],
)
def test_it_reads_numbers_with_separators_units_and_chinese_multipliers(raw, unit, expected):
    assert values.number(raw, unit) == expected


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "1e999999999", "五十", "50斤米"])
def test_a_number_that_is_not_one_is_an_error(raw):
    with pytest.raises(ValidationError):
        values.number(raw)


def test_integers_refuse_fractions():
    assert values.integer("1,200人") == 1200
    with pytest.raises(ValidationError):
        values.integer("1.5")


@pytest.mark.parametrize(
    "raw, expected",
    [("是", True), ("√", True), ("Y", True), ("1", True), ("否", False), ("×", False)]
    + [("n", False), ("0", False), ("", False)],
)
def test_yes_no_takes_ticks_crosses_and_letters(raw, expected):
    assert values.yes_no(raw, default=False) is expected


def test_yes_no_without_a_default_refuses_an_empty_cell():
    with pytest.raises(ValidationError):
        values.yes_no("")
    with pytest.raises(ValidationError):
        values.yes_no("也许", default=False)


@pytest.mark.parametrize(
    "raw, expected",
    [("规上", "above"), ("规模以上", "above"), ("是", "above"), ("规模以上工业企业", "above")]
    + [("规下", "below"), ("规模以下", "below"), ("否", "below")],
)
def test_scale_reads_the_words_of_the_statistics_bureau(raw, expected):
    assert values.scale(raw) == expected


@pytest.mark.parametrize(
    "raw, code, section, division",
    [
        ("C", "C", "C", ""),
        ("c", "C", "C", ""),
        ("制造业", "C", "C", ""),
        ("C27", "27", "C", "27"),
        ("27", "27", "C", "27"),
        (27.0, "27", "C", "27"),
        ("271", "271", "C", "27"),
        ("2710", "2710", "C", "27"),
        ("C2710", "2710", "C", "27"),
        ("C27 医药制造业", "27", "C", "27"),
        ("医药制造业", "27", "C", "27"),
        ("化学原料和化学制品制造业", "26", "C", "26"),
        ("Ｃ２７", "27", "C", "27"),
        ("农、林、牧、渔业", "A", "A", ""),
    ],
)
def test_industry_reads_codes_at_any_precision_and_chinese_names(raw, code, section, division):
    assert industry.parse(raw) == code
    assert (industry.section_of(code), industry.division_of(code)) == (section, division)


@pytest.mark.parametrize(
    "raw",
    ["", "C99", "A27", "X", "火箭制造业", "27a", "99", "9910", "0001", "A2710", "27100", "2710x"],
)
def test_industry_refuses_what_the_standard_does_not_have(raw):
    with pytest.raises(ValueError):
        industry.parse(raw)


def test_groups_and_classes_are_checked_structurally_and_labelled_by_their_division():
    # The shipped table names sections and divisions only (no licensed source of the groups
    # and classes could be installed; see the TSV's header): 271 and 2710 are accepted as
    # codes under division 27 and labelled with its name, marked as not the class's own.
    assert not industry.is_listed("2710") and industry.is_listed("27")
    assert industry.label("2710") == "C2710（医药制造业）"
    assert industry.label("271") == "C271（医药制造业）"
    assert industry.label("27") == "C27 医药制造业" and industry.label("C") == "C 制造业"
    # what the export writes parses back to the same code
    for code in ("C", "27", "271", "2710"):
        assert industry.parse(industry.label(code)) == code
    # a class's Chinese name is not in the table, so it is refused, not guessed
    with pytest.raises(ValueError):
        industry.parse("化学药品原料药制造")


def test_groups_and_classes_the_table_lists_are_checked_exactly(monkeypatch):
    # once the standard's lines for a division are in the TSV, that division is exact
    names = dict(industry.NAMES, **{"271": "化学药品原料药制造", "2710": "化学药品原料药制造"})
    monkeypatch.setattr(industry, "GROUPS", {"271": names["271"]})
    monkeypatch.setattr(industry, "CLASSES", {"2710": names["2710"]})
    monkeypatch.setattr(industry, "NAMES", names)
    monkeypatch.setattr(industry, "_DIVISIONS_WITH_GROUPS", {"27"})
    monkeypatch.setattr(industry, "_GROUPS_WITH_CLASSES", {"271"})
    assert industry.parse("2710") == "2710" and industry.parse("C271") == "271"
    assert industry.label("2710") == "C2710 化学药品原料药制造"
    for bad in ("2799", "279", "2711"):
        with pytest.raises(ValueError):
            industry.parse(bad)
    assert industry.parse("2619") == "2619"  # division 26 is still checked by structure


def test_the_shipped_industry_table_has_every_section_and_division():
    assert len(industry.SECTIONS) == 20 and len(industry.DIVISIONS) == 97
    assert {industry.section_of(d) for d in industry.DIVISIONS} == set(industry.SECTIONS)
    assert industry.parse_industry("医药制造业") == "27"
    with pytest.raises(ValueError):
        industry.parse_industry("C")  # a bare section has no division


@pytest.mark.parametrize(
    "header",
    ["企业（单位）名称", "企业(单位)名称", " 企业名称 *", "＊企业名称", "单位名称", "公司名称"],
)
def test_headers_match_through_synonyms_brackets_spaces_and_stars(header):
    matcher = sheets.HeaderMatcher(
        [sheets.FieldSpec("name", ("企业名称", "name"), sheets.synonyms_for("企业名称"), True)]
    )
    assert matcher.match(["序号", header]).columns == {"name": 1}


def test_an_exact_header_wins_over_a_synonym_and_the_rest_is_listed():
    matcher = sheets.HeaderMatcher(
        [sheets.FieldSpec("phone", ("联系电话",), sheets.synonyms_for("联系电话"))]
    )
    m = matcher.match(["手机", "联系电话", "传真"])
    assert m.columns == {"phone": 1} and m.unknown == {0: "手机", 2: "传真"}


def test_a_unit_in_brackets_does_not_stop_a_match():
    matcher = sheets.HeaderMatcher([sheets.FieldSpec("output", ("当日产值(万元)", "当日产值"))])
    assert matcher.match(["当日产值（万元）"]).columns == {"output": 0}
    assert matcher.match(["当日产值（元）"]).columns == {"output": 0}


@pytest.mark.parametrize(
    "row, kind",
    [
        (["合计", "", 1330], "total"),
        (["", "合 计", 5], "total"),
        (["总计：", 5], "total"),
        (["填表人：张三"], "note"),
        (["说明：数据截至2月14日"], "note"),
        (["", None, ""], "blank"),
        (["1", "合计科技有限公司", "91222401MA0Y3K7X1B", "C27"], ""),
    ],
)
def test_totals_and_footer_rows_are_told_from_data(row, kind):
    assert sheets.row_kind(row) == kind

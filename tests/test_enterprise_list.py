import io

from openpyxl import load_workbook


def test_it_lists_enterprises_in_scope(cast, login):
    r = login(cast.yanji).get("/enterprises/")
    assert r.status_code == 200
    body = r.content.decode()
    assert cast.a.name in body and cast.a2.name in body
    assert cast.b.name not in body


def test_it_requires_login(client, cast):
    r = client.get("/enterprises/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_it_filters_by_region_industry_scale_list_and_text(cast, login):
    from fugong.registry.services import add_to_list

    c = login(cast.zhuanban)
    assert list(c.get("/enterprises/?region=222402").context["page"]) == [cast.b]
    assert list(c.get("/enterprises/?region=222401002").context["page"]) == [cast.a2]
    assert list(c.get("/enterprises/?industry=14").context["page"]) == [cast.a2]
    assert list(c.get("/enterprises/?industry=C13").context["page"]) == []
    assert set(c.get("/enterprises/?industry=C").context["page"]) == {cast.a, cast.a2, cast.b}
    assert list(c.get("/enterprises/?scale=below").context["page"]) == [cast.a2]
    add_to_list(cast.admin, cast.key_list, cast.b)
    assert list(c.get("/enterprises/?list=重点企业").context["page"]) == [cast.b]
    assert list(c.get("/enterprises/?q=丙纺织").context["page"]) == [cast.b]
    assert list(c.get(f"/enterprises/?q={cast.a.uscc[:12]}").context["page"]) == [cast.a]


def test_a_region_filter_outside_scope_returns_nothing(cast, login):
    r = login(cast.yanji).get("/enterprises/?region=222402")
    assert list(r.context["page"]) == []


def test_bad_filters_are_reported(cast, login):
    r = login(cast.yanji).get("/enterprises/?region=999999&scale=huge")
    assert set(r.context["filter_errors"]) == {"region", "scale"}
    assert "999999" in r.content.decode()


def test_it_paginates(cast, login, settings):
    settings.PAGE_SIZE = 2
    c = login(cast.zhuanban)
    first = c.get("/enterprises/")
    assert first.context["page"].paginator.num_pages == 2
    second = c.get("/enterprises/?page=2")
    assert len(set(first.context["page"]) | set(second.context["page"])) == 3


def read_xlsx(content):
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_export_contains_exactly_what_the_list_shows(cast, login):
    r = login(cast.yanji).get("/enterprises/?scale=above&format=xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(r.content)
    assert rows[0][:3] == ["统一社会信用代码", "企业名称", "行政区划代码"]
    assert [row[0] for row in rows[1:]] == [cast.a.uscc]


def test_export_of_another_scope_is_empty(cast, login):
    rows = read_xlsx(login(cast.tumen).get("/enterprises/?region=222401&format=xlsx").content)
    assert rows[1:] == []

from .test_enterprise_list import read_xlsx


def test_region_tree_marks_the_scope_and_exports(cast, login):
    r = login(cast.yanji).get("/regions/")
    mine = {reg.code for reg, _indent, is_mine in r.context["regions"] if is_mine}
    assert mine == {"222401", "222401001", "222401002"}
    rows = read_xlsx(login(cast.yanji).get("/regions/?format=xlsx").content)
    assert rows[0] == ["行政区划代码", "名称", "级别", "上级代码"]
    assert ["222401001", "进学街道", "街镇", "222401"] in rows


def test_units_and_users_page_scopes_users(cast, login):
    r = login(cast.yanji).get("/units/")
    assert {u.username for u in r.context["users"]} == {"yanji", "jinxue", "kakou"}
    assert {u.username for u in login(cast.contact_a).get("/units/").context["users"]} == {"qiye_a"}
    rows = read_xlsx(login(cast.yanji).get("/units/?format=xlsx").content)
    assert rows[0][0] == "单位编码" and len(rows) == 6


def test_pages_speak_chinese_by_default_and_english_on_request(cast, login):
    c = login(cast.yanji)
    assert "企业名录" in c.get("/enterprises/").content.decode()
    assert "企业名录" in c.get("/enterprises/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    c.post("/i18n/setlang/", {"language": "en", "next": "/enterprises/"})
    body = c.get("/enterprises/").content.decode()
    assert "Enterprises" in body and 'lang="en"' in body


def test_login_page_and_home(client, cast):
    assert "登录" in client.get("/accounts/login/").content.decode()
    r = client.post("/accounts/login/", {"username": "yanji", "password": "Fugong@2026"})
    assert r.status_code == 302
    # the command centre's first page is the dashboard; with no campaign yet it says so
    assert "没有覆盖该区划和日期的应急事件" in client.get("/").content.decode()
    client.force_login(cast.contact_a)
    assert 'id="today-report"' in client.get("/").content.decode()  # the enterprise's home


def test_admin_is_in_chinese(cast, login):
    body = login(cast.admin).get("/admin/").content.decode()
    assert "复工复产服务平台 管理后台" in body and "企业" in body

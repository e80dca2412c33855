import pytest
from django.core.management import call_command

from fugong.core.models import ApiToken
from fugong.core.services import issue_token


def test_it_needs_a_token_or_a_session(client, cast):
    r = client.get("/api/v1/enterprises")
    assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    r = client.get("/api/v1/enterprises", HTTP_AUTHORIZATION="Bearer fg_forged")
    assert r.status_code == 401


def test_a_session_works_for_the_web_ui(client, cast):
    client.force_login(cast.yanji)
    assert client.get("/api/v1/enterprises").json()["count"] == 2


def test_token_header_variant_is_accepted(client, cast):
    _t, raw = issue_token(cast.yanji, "x")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {raw}").json()["username"] == "yanji"


def test_enterprise_list_is_scoped_and_filtered(cast, api):
    call = api(cast.yanji)
    body = call("get", "/enterprises").json()
    assert body["count"] == 2 and {i["uscc"] for i in body["items"]} == {cast.a.uscc, cast.a2.uscc}
    assert call("get", "/enterprises?region=222402").json()["count"] == 0
    assert call("get", "/enterprises?scale=below").json()["items"][0]["uscc"] == cast.a2.uscc
    bad = call("get", "/enterprises?scale=huge")
    assert bad.status_code == 422 and "scale" in bad.json()["fields"]


def test_enterprise_detail_outside_scope_is_404_json(cast, api):
    assert api(cast.yanji)("get", f"/enterprises/{cast.a.pk}").json()["name"] == cast.a.name
    for user in (cast.tumen, cast.contact_b, cast.commissioner, cast.checkpoint):
        r = api(user)("get", f"/enterprises/{cast.a.pk}")
        assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_an_enterprise_user_sees_only_its_own(cast, api):
    items = api(cast.contact_a)("get", "/enterprises").json()["items"]
    assert [i["id"] for i in items] == [cast.a.pk]


def payload(cast, **kw):
    from .factories import uscc

    data = {
        "uscc": uscc(),
        "name": "API企业有限公司",
        "region": "222401001",
        "industry": "C27",
        "scale": "above",
        "total_staff": 10,
        "contact_phone": "13904330001",
    }
    data.update(kw)
    return data


def test_create_and_update_enterprise(cast, api):
    call = api(cast.yanji)
    r = call("post", "/enterprises", data=payload(cast))
    assert r.status_code == 201 and r.json()["industry"] == "27"
    pk = r.json()["id"]
    r = call("put", f"/enterprises/{pk}", data=payload(cast, uscc=r.json()["uscc"], name="改名"))
    assert r.status_code == 200 and r.json()["name"] == "改名"
    assert r.json()["annual_output"] is None
    r = call(
        "put", f"/enterprises/{pk}", data=payload(cast, uscc=r.json()["uscc"], annual_output=8650.5)
    )
    assert r.status_code == 200 and r.json()["annual_output"] == 8650.5
    r = call(
        "put", f"/enterprises/{pk}", data=payload(cast, uscc=r.json()["uscc"], annual_output=-1)
    )
    assert r.status_code == 422 and "annual_output" in r.json()["fields"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("uscc", "91350100M000100Y44"),
        ("region", "999999"),
        ("industry", "Z1"),
        ("contact_phone", "123"),
        ("scale", "huge"),
    ],
)
def test_bad_input_answers_422_naming_the_field(cast, api, field, value):
    r = api(cast.yanji)("post", "/enterprises", data=payload(cast, **{field: value}))
    assert r.status_code == 422
    assert field in r.json()["fields"]


def test_creating_outside_scope_or_without_rights_is_refused(cast, api):
    r = api(cast.yanji)("post", "/enterprises", data=payload(cast, region="222402001"))
    assert r.status_code == 422 and "region" in r.json()["fields"]
    r = api(cast.contact_a)("post", "/enterprises", data=payload(cast))
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_duplicate_uscc_is_422(cast, api):
    r = api(cast.yanji)("post", "/enterprises", data=payload(cast, uscc=cast.a.uscc))
    assert r.status_code == 422 and "uscc" in r.json()["fields"]


def test_lists_and_memberships(cast, api):
    call = api(cast.zhuanban)
    r = call(
        "post", f"/lists/{cast.key_list.pk}/members", data={"uscc": cast.b.uscc, "reason": "重点"}
    )
    assert r.status_code == 201
    mid = r.json()["id"]
    assert (
        call("post", f"/lists/{cast.key_list.pk}/members", data={"uscc": cast.b.uscc}).status_code
        == 422
    )
    lists = {lst["name"]: lst["members"] for lst in call("get", "/lists").json()}
    assert lists["重点企业"] == 1
    assert {lst["name"]: lst["members"] for lst in api(cast.yanji)("get", "/lists").json()}[
        "重点企业"
    ] == 0
    assert api(cast.yanji)("get", f"/lists/{cast.key_list.pk}/members").json()["count"] == 0
    r = call("post", f"/lists/{cast.key_list.pk}/members/{mid}/remove", data={"reason": "退出"})
    assert r.json()["removal_reason"] == "退出"
    assert call("get", f"/lists/{cast.key_list.pk}/members").json()["count"] == 0
    hist = call("get", f"/lists/{cast.key_list.pk}/members?history=true").json()
    assert hist["count"] == 1
    r = api(cast.yanji)("post", f"/lists/{cast.key_list.pk}/members/{mid}/remove", data={})
    assert r.status_code == 404


def test_assignments_are_scoped_and_validated(cast, api):
    call = api(cast.yanji)
    r = call(
        "put",
        f"/enterprises/{cast.a.pk}/assignment",
        data={
            "leader_name": "张伟",
            "department": "222400-gxj",
            "township": "222401001-gov",
            "commissioners": ["tepaiyuan"],
        },
    )
    assert r.status_code == 200 and r.json()["commissioners"] == ["tepaiyuan"]
    assert call("get", f"/enterprises/{cast.a.pk}/assignment").json()["leader_name"] == "张伟"
    assert api(cast.tumen)("get", f"/enterprises/{cast.a.pk}/assignment").status_code == 404
    assert api(cast.tumen)("get", "/assignments").json()["count"] == 0
    assert call("get", "/assignments").json()["count"] == 2
    r = call("put", f"/enterprises/{cast.a.pk}/assignment", data={"commissioners": ["yanji"]})
    assert r.status_code == 422 and "commissioners" in r.json()["fields"]
    r = call("put", f"/enterprises/{cast.a.pk}/assignment", data={"department": "nope"})
    assert r.status_code == 422


def test_visits_by_commissioner_on_assigned_enterprises_only(cast, api):
    call = api(cast.commissioner)
    r = call(
        "post",
        "/visits",
        data={
            "enterprise_id": cast.a2.pk,
            "visited_on": "2020-02-14",
            "observations": "已复工",
            "problems": "缺口罩",
        },
    )
    assert r.status_code == 201
    assert (
        call(
            "post",
            "/visits",
            data={"enterprise_id": cast.a.pk, "visited_on": "2020-02-14", "observations": "x"},
        ).status_code
        == 404
    )
    assert call("get", "/visits").json()["count"] == 1
    assert api(cast.tumen)("get", "/visits").json()["count"] == 0
    assert (
        call(
            "post",
            "/visits",
            data={"enterprise_id": cast.a2.pk, "visited_on": "2999-01-01", "observations": "x"},
        ).status_code
        == 422
    )
    assert (
        api(cast.contact_a)(
            "post",
            "/visits",
            data={"enterprise_id": cast.a.pk, "visited_on": "2020-02-14", "observations": "x"},
        ).status_code
        == 403
    )


def test_regions_and_units(cast, api):
    call = api(cast.yanji)
    regions = call("get", "/regions?parent=222401").json()["items"]
    assert {r["code"] for r in regions} == {"222401001", "222401002"}
    assert call("get", "/regions/222401001").json()["parent_code"] == "222401"
    units = call("get", "/units?region=222401").json()["items"]
    assert {u["code"] for u in units} == {"222401-zb", "222401001-gov"}
    assert call("get", "/units/222400-gxj").json()["sector"] == "industry"
    assert call("get", "/units/none").status_code == 404


def test_openapi_and_docs(client, cast):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises" in spec["paths"] and spec["info"]["version"] == "1"
    assert client.get("/api/v1/docs").status_code == 200


def test_token_command_and_profile_page(cast, capsys, login):
    call_command("token", "create", "yanji", "--name", "园区对接")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("fg_") and ApiToken.authenticate(raw) == cast.yanji
    assert ApiToken.objects.get(user=cast.yanji).key_hash != raw  # only the hash is stored
    c = login(cast.tumen)
    r = c.post("/profile/", {"name": "我的脚本"})
    shown = r.context["raw"]
    assert shown in r.content.decode() and ApiToken.authenticate(shown) == cast.tumen
    token = ApiToken.objects.get(user=cast.tumen)
    assert login(cast.yanji).post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    login(cast.tumen).post(f"/profile/tokens/{token.pk}/revoke/")
    assert ApiToken.authenticate(shown) is None

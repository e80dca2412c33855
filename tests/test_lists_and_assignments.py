import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fugong.registry.models import Assignment, EnterpriseList, ListMembership, Visit
from fugong.registry.services import add_to_list

from .test_enterprise_list import read_xlsx


def test_it_creates_a_list_and_adds_and_removes_members_with_history(cast, login):
    c = login(cast.zhuanban)
    r = c.post("/lists/", {"name": "防疫物资生产企业", "kind": "custom", "description": "转产扩能"})
    lst_url = r["Location"]
    r = c.post(lst_url, {"uscc": cast.b.uscc.lower(), "on": "2020-02-09", "reason": "转产消毒液"})
    assert r.status_code == 302
    m = ListMembership.objects.get(enterprise=cast.b)
    c.post(f"{lst_url}members/{m.pk}/remove/", {"on": "2020-03-01", "reason": "停止转产"})
    m.refresh_from_db()
    assert (str(m.removed_on), m.removal_reason, m.removed_by) == (
        "2020-03-01",
        "停止转产",
        cast.zhuanban,
    )
    assert list(c.get(lst_url).context["page"]) == []
    assert "停止转产" in c.get(lst_url + "?history=1").content.decode()
    rows = read_xlsx(c.get(lst_url + "?history=1&format=xlsx").content)
    assert rows[1][1] == cast.b.uscc and rows[1][7] == "停止转产"


def test_a_member_cannot_be_added_twice_at_once(cast):
    add_to_list(cast.admin, cast.key_list, cast.a)
    with pytest.raises(ValidationError):
        add_to_list(cast.admin, cast.key_list, cast.a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListMembership.objects.create(list=cast.key_list, enterprise=cast.a)


def test_list_pages_show_only_members_in_scope(cast, login):
    add_to_list(cast.admin, cast.key_list, cast.a)
    add_to_list(cast.admin, cast.key_list, cast.b)
    body = login(cast.tumen).get(f"/lists/{cast.key_list.pk}/").content.decode()
    assert cast.b.name in body and cast.a.name not in body
    index = login(cast.tumen).get("/lists/")
    assert index.context["lists"] == [(cast.key_list, 1)]
    rows = read_xlsx(login(cast.tumen).get(f"/lists/{cast.key_list.pk}/?format=xlsx").content)
    assert [r[1] for r in rows[1:]] == [cast.b.uscc]


def test_adding_an_enterprise_outside_scope_is_refused(cast, login):
    r = login(cast.yanji).post(
        f"/lists/{cast.key_list.pk}/", {"uscc": cast.b.uscc, "on": "2020-02-01"}
    )
    assert "uscc" in r.context["form"].errors
    assert not ListMembership.objects.exists()


def test_removal_outside_scope_is_404(cast, login):
    m = add_to_list(cast.admin, cast.key_list, cast.b)
    r = login(cast.yanji).post(
        f"/lists/{cast.key_list.pk}/members/{m.pk}/remove/", {"on": "2020-03-01", "reason": "x"}
    )
    assert r.status_code == 404


def test_only_the_command_centre_creates_lists(cast, login):
    r = login(cast.township).get("/lists/")
    assert r.context["form"] is not None  # townships manage members …
    r = login(cast.township).post("/lists/", {"name": "x", "kind": "custom"})
    assert r.status_code == 403  # … but not new lists (the service's refusal is a 403 page)
    assert not EnterpriseList.objects.filter(name="x").exists()
    assert login(cast.contact_a).get("/lists/").context["form"] is None


def test_assignment_form_sets_leader_units_and_commissioners(cast, login):
    c = login(cast.yanji)
    r = c.post(
        f"/enterprises/{cast.a.pk}/assignment/",
        {
            "leader_name": "张伟",
            "leader_title": "副市长",
            "leader_phone": "0433-2512345",
            "department": cast.units.gxj.pk,
            "township": cast.units.jinxue.pk,
            "commissioners": [cast.commissioner.pk],
        },
    )
    assert r.status_code == 302
    a = Assignment.objects.get(enterprise=cast.a)
    assert (a.leader_name, a.township, list(a.commissioners.all())) == (
        "张伟",
        cast.units.jinxue,
        [cast.commissioner],
    )
    body = c.get("/assignments/").content.decode()
    assert "张伟" in body and "进学街道办事处" in body
    rows = read_xlsx(c.get("/assignments/?format=xlsx").content)
    assert rows[0][:2] == ["统一社会信用代码", "包保领导"]
    assert {r[0] for r in rows[1:]} == {cast.a.uscc, cast.a2.uscc}


def test_assignment_form_rejects_a_bad_phone_and_a_foreign_township(cast, login):
    r = login(cast.yanji).post(
        f"/enterprises/{cast.a2.pk}/assignment/",
        {"leader_phone": "555", "township": cast.units.jinxue.pk},
    )
    errors = r.context["form"].errors
    assert "leader_phone" in errors
    assert "township" in errors  # 进学街道 does not contain an enterprise of 北山街道


def test_assignment_pages_are_scoped(cast, login):
    assert login(cast.tumen).get(f"/enterprises/{cast.a.pk}/assignment/").status_code == 404
    body = login(cast.tumen).get("/assignments/").content.decode()
    assert cast.a.name not in body and cast.b.name in body


def test_a_commissioner_logs_a_visit_on_an_assigned_enterprise(cast, login):
    c = login(cast.commissioner)
    r = c.post(
        f"/enterprises/{cast.a2.pk}/visits/",
        {"visited_on": "2020-02-14", "observations": "到岗人员 260 人", "problems": "原料运输受阻"},
    )
    assert r.status_code == 302
    v = Visit.objects.get()
    assert (v.commissioner, v.problems) == (cast.commissioner, "原料运输受阻")
    assert (
        c.post(
            f"/enterprises/{cast.a.pk}/visits/", {"visited_on": "2020-02-14", "observations": "x"}
        ).status_code
        == 404
    )
    r = c.post(
        f"/enterprises/{cast.a2.pk}/visits/",
        {"visited_on": "2999-01-01", "observations": ""},
        follow=True,
    )
    assert "走访日期不能晚于今天" in r.content.decode()
    assert Visit.objects.count() == 1
    assert (
        login(cast.contact_a)
        .post(
            f"/enterprises/{cast.a.pk}/visits/", {"visited_on": "2020-02-14", "observations": "x"}
        )
        .status_code
        == 403
    )

import datetime

from fugong.registry.services import add_to_list, log_visit, remove_from_list, set_assignment


def test_it_shows_everything_known_on_one_screen(cast, login):
    m = add_to_list(cast.admin, cast.key_list, cast.a, "州级重点企业")
    remove_from_list(cast.admin, m, "已不符合条件")
    add_to_list(cast.admin, cast.key_list, cast.a, "重新列入")
    set_assignment(
        cast.admin,
        cast.a,
        leader_name="张伟",
        leader_title="副州长",
        department=cast.units.gxj,
        township=cast.units.jinxue,
        commissioners=[cast.commissioner],
    )
    log_visit(
        cast.admin,
        cast.a,
        visited_on=datetime.date(2020, 2, 14),
        observations="生产线运转正常",
        problems="口罩缺口2万只",
    )
    body = login(cast.yanji).get(f"/enterprises/{cast.a.pk}/").content.decode()
    for text in (
        cast.a.uscc,
        "延边州 / 延吉市 / 进学街道".split(" / ")[-1],
        "C27 医药制造业",
        "张伟",
        "延边州工信局",
        "进学街道办事处",
        "已不符合条件",
        "重新列入",
        "生产线运转正常",
        "口罩缺口2万只",
    ):
        assert text in body, text


def test_outside_the_scope_it_is_404(cast, login):
    for user in (cast.tumen, cast.commissioner, cast.contact_b, cast.checkpoint):
        assert login(user).get(f"/enterprises/{cast.a.pk}/").status_code == 404
    # a township officer of 进学街道 gets 404 for an enterprise of 北山街道
    assert login(cast.township).get(f"/enterprises/{cast.a2.pk}/").status_code == 404


def test_the_enterprise_contact_sees_its_own(cast, login):
    assert login(cast.contact_a).get(f"/enterprises/{cast.a.pk}/").status_code == 200


def test_an_officer_edits_an_enterprise_and_the_form_names_bad_fields(cast, login):
    c = login(cast.yanji)
    url = f"/enterprises/{cast.a.pk}/edit/"
    data = {
        "uscc": cast.a.uscc,
        "name": "新名称制药有限公司",
        "region": cast.regions.jinxue.pk,
        "industry": "27",
        "scale": "above",
        "total_staff": 303,
        "contact_phone": "12345",
    }
    r = c.post(url, data)
    assert r.status_code == 200
    assert "contact_phone" in r.context["form"].errors
    data["contact_phone"] = "+86 139 0433 0009"
    r = c.post(url, data)
    assert r.status_code == 302
    cast.a.refresh_from_db()
    assert (cast.a.name, cast.a.contact_phone) == ("新名称制药有限公司", "13904330009")


def test_an_officer_cannot_move_an_enterprise_out_of_scope(cast, login):
    c = login(cast.yanji)
    data = {
        "uscc": cast.a.uscc,
        "name": cast.a.name,
        "region": cast.regions.xiangshang.pk,
        "industry": "27",
        "scale": "above",
        "total_staff": 1,
    }
    r = c.post(f"/enterprises/{cast.a.pk}/edit/", data)
    assert "region" in r.context["form"].errors
    cast.a.refresh_from_db()
    assert cast.a.region == cast.regions.jinxue


def test_editing_is_for_managers_only_and_404_outside_scope(cast, login):
    assert login(cast.contact_a).get(f"/enterprises/{cast.a.pk}/edit/").status_code == 403
    assert login(cast.tumen).get(f"/enterprises/{cast.a.pk}/edit/").status_code == 404


def test_a_new_enterprise_with_a_bad_uscc_is_refused(cast, login):
    r = login(cast.yanji).post(
        "/enterprises/new/",
        {
            "uscc": cast.a.uscc[:-1] + ("0" if cast.a.uscc[-1] != "0" else "1"),
            "name": "x",
            "region": cast.regions.jinxue.pk,
            "industry": "27",
            "scale": "above",
            "total_staff": 1,
        },
    )
    assert "校验位" in str(r.context["form"].errors["uscc"])

"""Financing matches (融资对接): an enterprise states a need, the 金融办 officer shares it with
one bank, that bank offers and grants; the other bank sees nothing of it (404 / empty) on the
pages, the API and the export; bad answers are refused and change nothing; totals by county
and bank."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from fugong.core.models import Notification, Role, User
from fugong.core.permissions import SYSTEM
from fugong.financing import services
from fugong.financing import totals as T
from fugong.financing.demo import build as build_demo
from fugong.financing.models import FinancingNeed, NeedShare
from fugong.registry import demo as registry_demo

from .factories import UnitFactory, UserFactory

NEED = {"amount": "500", "purpose": "购买原材料", "term_months": "12", "collateral": "厂房抵押"}


@pytest.fixture
def banks(cast):
    finance = UnitFactory(
        code="222400-jrb",
        name="延边州金融办",
        kind="department",
        sector="finance",
        region=cast.regions.yanbian,
        parent=cast.units.cc_yanbian,
    )
    boc = UnitFactory(
        code="bank-boc", name="中国银行延边分行", kind="bank", region=cast.regions.yanbian
    )
    jlb = UnitFactory(
        code="bank-jlb", name="吉林银行延边分行", kind="bank", region=cast.regions.yanbian
    )
    cast.finance = UserFactory(username="jinrong", role=Role.DEPARTMENT, unit=finance)
    cast.boc, cast.jlb = boc, jlb
    cast.banker = UserFactory(username="zhonghang", role=Role.BANK, unit=boc)
    cast.other_banker = UserFactory(username="jihang", role=Role.BANK, unit=jlb)
    return cast


def shared_need(cast, amount="500"):
    need = services.state_need(cast.contact_a, cast.a, {**NEED, "amount": amount})
    [share] = services.share(cast.finance, need, need.version, [cast.boc])
    return need, share


def test_it_runs_a_need_from_the_enterprise_to_a_loan_granted(banks, login):
    phone = login(banks.contact_a)
    answer = phone.post("/financing/new/", NEED)
    need = FinancingNeed.objects.get()
    assert answer.status_code == 302 and need.amount == 500 and need.state == "open"
    assert Notification.objects.filter(user=banks.finance, kind="financing").exists()

    desk = login(banks.finance)
    assert banks.a.name in desk.get("/financing/").content.decode()
    page = desk.get(f"/financing/{need.pk}/").content.decode()
    assert "share-form" in page and "中国银行延边分行" in page
    desk.post(f"/financing/{need.pk}/share/", {"version": need.version, "banks": [banks.boc.pk]})
    need.refresh_from_db()
    share = NeedShare.objects.get()
    assert need.state == "shared" and share.bank == banks.boc
    assert Notification.objects.filter(user=banks.banker, kind="financing").exists()
    assert not Notification.objects.filter(user=banks.other_banker).exists()

    bank = login(banks.banker)
    assert banks.a.name in bank.get("/financing/").content.decode()
    bank.post(
        f"/financing/shares/{share.pk}/offer/",
        {
            "version": share.version,
            "product": "抗疫贷",
            "offer_amount": "400",
            "rate": "3.85",
            "offer_term_months": "12",
        },
    )
    share.refresh_from_db()
    assert (share.state, share.offer_amount, share.rate) == ("offered", 400, Decimal("3.85"))
    bank.post(f"/financing/shares/{share.pk}/grant/", {"version": share.version})
    share.refresh_from_db()
    need.refresh_from_db()
    assert (share.state, share.granted_amount, need.state) == ("granted", 400, "granted")
    assert Notification.objects.filter(user=banks.contact_a, title__contains="已放款").exists()
    assert (
        "已放款 400 万元" in login(banks.contact_a).get(f"/financing/{need.pk}/").content.decode()
    )


def test_it_keeps_a_need_shared_with_one_bank_from_another(banks, login, api):
    need, share = shared_need(banks)
    other = login(banks.other_banker)
    assert other.get(f"/financing/{need.pk}/").status_code == 404
    assert banks.a.name not in other.get("/financing/").content.decode()
    rows = load_workbook(BytesIO(other.get("/financing/?format=xlsx").content)).active
    assert rows.max_row == 1  # the header only
    assert other.post(f"/financing/shares/{share.pk}/offer/", {"version": 1}).status_code == 404
    call = api(banks.other_banker)
    assert call("get", f"/financing/needs/{need.pk}").status_code == 404
    assert call("get", "/financing/needs").json() == []
    assert T.totals(banks.other_banker, "bank") == []
    # the bank it was shared with sees it, but not the enterprise registry
    assert api(banks.banker)("get", f"/financing/needs/{need.pk}").status_code == 200
    assert api(banks.banker)("get", f"/enterprises/{banks.a.pk}").status_code == 404
    assert login(banks.banker).get("/dashboard/").status_code in (403, 302)


def test_it_keeps_needs_to_the_enterprise_scope(banks, login):
    need, _share = shared_need(banks)
    assert login(banks.contact_b).get(f"/financing/{need.pk}/").status_code == 404
    assert login(banks.tumen).get(f"/financing/{need.pk}/").status_code == 404
    assert login(banks.yanji).get(f"/financing/{need.pk}/").status_code == 200
    # an officer who sees it but is no financing officer may not share it
    assert not services.may_share(banks.yanji, need)
    answer = login(banks.yanji).post(
        f"/financing/{need.pk}/share/", {"version": need.version, "banks": [banks.jlb.pk]}
    )
    assert answer.status_code == 403
    assert NeedShare.objects.count() == 1


def test_it_refuses_bad_needs_and_answers_and_writes_nothing(banks, login):
    for bad, field in [
        ({**NEED, "amount": "-5"}, "amount"),
        ({**NEED, "amount": "NaN"}, "amount"),
        ({**NEED, "purpose": " "}, "purpose"),
        ({**NEED, "term_months": "0"}, "term_months"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.state_need(banks.contact_a, banks.a, bad)
        assert field in caught.value.message_dict
    page = login(banks.contact_a).post("/financing/new/", {**NEED, "amount": ""})
    assert page.status_code == 200 and "has-error" in page.content.decode()
    assert not FinancingNeed.objects.exists()

    need, share = shared_need(banks)
    with pytest.raises(ValidationError):
        services.share(banks.finance, need, need.version, [banks.boc])  # already shared
    for data in [
        {"product": "", "offer_amount": "100", "rate": "4", "offer_term_months": "12"},
        {"product": "抗疫贷", "offer_amount": "100", "rate": "150", "offer_term_months": "12"},
        {"product": "抗疫贷", "offer_amount": "abc", "rate": "4", "offer_term_months": "12"},
    ]:
        with pytest.raises(ValidationError):
            services.answer(banks.banker, share, "offer", share.version, data)
    with pytest.raises(ValidationError):
        services.answer(banks.banker, share, "decline", share.version, {"reason": ""})
    share.refresh_from_db()
    assert share.state == "shared" and share.offer_amount is None
    offer = {"product": "抗疫贷", "offer_amount": "100", "rate": "4", "offer_term_months": "6"}
    share = services.answer(banks.banker, share, "offer", share.version, offer)
    with pytest.raises(ValidationError):
        services.answer(banks.banker, share, "grant", share.version, {"granted_amount": "101"})
    with pytest.raises(PermissionError):
        services.answer(banks.other_banker, share, "grant", share.version, {})


def test_it_totals_needs_offers_and_loans_by_county_and_bank(banks, api):
    need, share = shared_need(banks, amount="15000")
    services.share(banks.finance, need, need.version, [banks.jlb])
    offer = {"product": "抗疫贷", "offer_amount": "8000", "rate": "3.5", "offer_term_months": "24"}
    share = services.answer(banks.banker, share, "offer", share.version, offer)
    services.answer(banks.banker, share, "grant", share.version, {"granted_amount": "6000"})
    b_need = services.state_need(banks.contact_b, banks.b, {**NEED, "amount": "8000"})
    withdrawn = services.state_need(banks.contact_b, banks.b, NEED)
    services.withdraw_need(banks.contact_b, withdrawn, withdrawn.version)
    overall = T.overall(banks.zhuanban)
    assert (overall["enterprises"], overall["needed"], overall["granted"]) == (2, 23000, 6000)
    assert (
        T.headline(overall) == "2 户企业贷款需求 2.3 亿元 → 银行授信 8000 万元 → 已放款 6000 万元"
    )
    by_county = {row["group"]: row for row in T.totals(banks.zhuanban, "region")}
    assert by_county["延吉市"]["needed"] == 15000 and by_county["图们市"]["needed"] == 8000
    by_bank = {row["group"]: row for row in T.totals(banks.zhuanban, "bank")}
    assert by_bank["中国银行延边分行"]["granted"] == 6000
    assert by_bank["吉林银行延边分行"]["offers"] == 0
    assert T.overall(banks.yanji)["needed"] == 15000  # 延吉 sees its own county only
    answer = api(banks.zhuanban)("get", "/financing/totals?by=bank")
    assert answer.status_code == 200 and len(answer.json()) == 2
    assert b_need.state == "open"


def test_it_answers_a_stale_version_with_409(banks, api):
    need, share = shared_need(banks)
    call = api(banks.banker)
    offer = {"product": "抗疫贷", "offer_amount": "100", "rate": "4", "offer_term_months": "6"}
    assert (
        call("post", f"/financing/shares/{share.pk}/offer", {"version": 1, **offer}).status_code
        == 200
    )
    assert call(
        "post", f"/financing/shares/{share.pk}/offer", {"version": 1, **offer}
    ).status_code in (
        403,
        409,
    )
    bad = call(
        "post", f"/financing/needs/{need.pk}/share", {"version": need.version, "banks": ["nope"]}
    )
    assert bad.status_code in (403, 404)


@pytest.mark.django_db
def test_the_demo_city_has_18_needs_of_2_3_yi_shared_offered_and_granted():
    registry_demo.build(300)
    made, logins = build_demo()
    assert made == 18 and {"jinrong", "zhonghang", "jihang"} <= {u for u, _d in logins}
    assert build_demo()[0] == 0  # idempotent
    overall = T.overall(SYSTEM)
    assert (overall["enterprises"], overall["needed"]) == (18, 23000)
    assert overall["offers"] == 11 and overall["loans"] == 7
    assert T.headline(overall).startswith("18 户企业贷款需求 2.3 亿元")
    banker = User.objects.get(username="zhonghang")
    assert FinancingNeed.objects.visible_to(banker).count() == 5

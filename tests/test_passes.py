"""Transport passes: plates by GA 36-2018, validity windows, approval by the transport
department and the illegal moves, the PDF and the phone image (rendered, the QR decoded),
verification of valid, expired, not-yet-valid, revoked, tampered and unknown codes, extension,
dashboard counts, the API, and data scope."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.core.codes import new_code
from fugong.core.validators import normalize_plate
from fugong.passes import services
from fugong.passes.models import Pass

from .factories import UnitFactory, UserFactory
from .pdfs import ink, qr_texts, render, text_of

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def data(**over):
    d = {
        "plate": "吉H12345",
        "vehicle_type": "heavy_truck",
        "driver_name": "张小三",
        "driver_phone": "13904331234",
        "origin": "延吉市进学街道",
        "destination": "长春市绿园区",
        "via": "敦化",
        "cargo": "materials",
        "cargo_note": "医药中间体",
        "valid_from": TODAY,
        "valid_until": days(6),
    }
    d.update(over)
    return d


def issued(cast, transport, **over):
    _unit, officer = transport
    p = services.apply(cast.contact_a, cast.a, data(**over))
    return services.decide(officer, p, "approve", p.version)


@pytest.mark.parametrize(
    "plate, ok",
    [
        ("吉H12345", "吉H12345"),
        ("吉h·1234挂", "吉H1234挂"),
        ("吉HD12345", "吉HD12345"),  # new energy, small: D + 5
        ("吉HFA1234", "吉HFA1234"),
        ("吉H12345D", "吉H12345D"),  # new energy, large: 5 digits + D
        ("吉H123456", None),  # 8 characters, not new energy
        ("吉HX12345", None),  # X is not a new-energy letter
        ("吉I12345", None),  # I is never used
        ("X吉12345", None),
        ("吉H1234", None),
    ],
)
def test_plates_follow_ga_36(plate, ok):
    if ok:
        assert normalize_plate(plate) == ok
    else:
        with pytest.raises(ValidationError):
            normalize_plate(plate)


def test_an_eight_character_plate_that_is_not_new_energy_is_explained():
    with pytest.raises(ValidationError, match="8 位车牌只能是新能源号牌"):
        normalize_plate("吉H123456")


def test_the_whole_path_with_pdf_image_and_verification(
    cast, campaign, transport, login, client, settings
):
    settings.SITE_URL = "https://fugong.yanbian.gov.cn"
    unit, officer = transport
    c = login(cast.contact_a)
    form = {k: str(v) for k, v in data().items()}
    r = c.post("/passes/new/", form)
    p = Pass.objects.get()
    assert r.status_code == 302 and (p.state, p.plate) == ("submitted", "吉H12345")
    assert login(officer).get("/passes/?view=todo").context["page"].object_list[0] == p
    r = login(officer).post(f"/passes/{p.pk}/", {"action": "approve", "version": p.version})
    p.refresh_from_db()
    assert (p.state, p.issuing_unit) == ("approved", unit) and p.code

    c = login(cast.contact_a)
    pdf = c.get(f"/passes/{p.pk}/pass.pdf")
    text = text_of(pdf.content)
    assert "车辆通行证" in text and "吉H12345" in text and "张*三" in text
    assert "张小三" not in text and "13904331234" not in text
    pixels = render(pdf.content, "pass")
    assert ink(pixels) > 0.01
    url = f"https://fugong.yanbian.gov.cn/v/{p.code}/"
    assert qr_texts(pixels) == [url]
    svg = c.get(f"/passes/{p.pk}/pass.svg")
    assert svg["Content-Type"] == "image/svg+xml" and "吉H12345" in svg.content.decode()

    page = client.get(f"/v/{p.code}/").content.decode()  # anyone, no login
    assert "有效" in page and "吉H12345" in page and "张*三" in page
    assert "张小三" not in page and "13904331234" not in page
    r = client.get(f"/api/v1/passes/verify/{p.code}").json()
    assert r["status"] == "valid" and r["driver"] == "张*三"
    assert r["route"] == "延吉市进学街道 → 敦化 → 长春市绿园区"
    assert "driver_phone" not in r and "13904331234" not in str(r)


def test_verification_statuses(cast, campaign, transport, client):
    unit, officer = transport
    p = issued(cast, transport, valid_from=days(2), valid_until=days(5))
    assert services.verify(p.code)["status"] == "not_yet_valid"
    assert services.verify(p.code, today=days(3))["status"] == "valid"
    assert services.verify(p.code, today=days(6))["status"] == "expired"
    p = services.decide(officer, p, "revoke", p.version, comment="车辆违规载人")
    assert services.verify(p.code, today=days(3))["status"] == "revoked"
    with pytest.raises(PermissionError):  # revoke a revoked pass
        services.decide(officer, p, "revoke", p.version, comment="再次")
    tampered = p.code[:-2] + ("xx" if not p.code.endswith("xx") else "yy")
    altered = "A" + p.code[1:] if p.code[0] != "A" else "B" + p.code[1:]
    for code in (tampered, altered, new_code("pass"), new_code("certificate"), "x"):
        assert services.verify(code) is None
        r = client.get(f"/api/v1/passes/verify/{code}")
        assert (r.status_code, r.json()["status"]) == (404, "invalid")
        assert client.get(f"/v/{code}/").status_code == 404


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"plate": "吉H123456"}, "plate", "新能源"),
        ({"valid_from": days(3), "valid_until": days(1)}, "valid_until", "早于有效期起"),
        ({"valid_from": days(-1)}, "valid_from", "不能早于今天"),
        ({"valid_until": days(30)}, "valid_until", "最长 14 天"),
        ({"driver_phone": "12345"}, "driver_phone", "电话号码格式错误"),
        ({"cargo": "weapons"}, "cargo", "生产原料"),
        ({"origin": " "}, "origin", "请填写起点"),
    ],
)
def test_bad_input_is_named(cast, campaign, over, field, message):
    with pytest.raises(ValidationError) as exc:
        services.apply(cast.contact_a, cast.a, data(**over))
    assert message in " ".join(exc.value.message_dict[field])
    assert not Pass.objects.exists()


def test_the_form_shows_the_rule(cast, campaign, login):
    form = {k: str(v) for k, v in data(plate="吉H123456", valid_until=days(-3)).items()}
    page = login(cast.contact_a).post("/passes/new/", form).content.decode()
    assert "8 位车牌只能是新能源号牌" in page and "早于有效期起" in page


def test_one_vehicle_one_pass_at_a_time(cast, campaign, transport):
    issued(cast, transport)
    with pytest.raises(ValidationError, match="已有通行证或申请"):
        services.apply(cast.contact_a, cast.a, data(valid_from=days(3), valid_until=days(8)))
    services.apply(cast.contact_a, cast.a, data(valid_from=days(7), valid_until=days(9)))


def test_who_may_decide_and_illegal_moves(cast, campaign, transport):
    unit, officer = transport
    p = services.apply(cast.contact_a, cast.a, data())
    for user in (cast.department, cast.yanji, cast.township, cast.contact_a, cast.checkpoint):
        with pytest.raises(PermissionError):
            services.decide(user, p, "approve", p.version)
    tumen_unit = UnitFactory(
        code="222402-jtj", kind="department", sector="transport", region=cast.regions.tumen
    )
    tumen_officer = UserFactory(username="tm-jtj", role="department", unit=tumen_unit)
    with pytest.raises(PermissionError):
        services.decide(tumen_officer, p, "approve", p.version)
    with pytest.raises(ValidationError, match="理由"):
        services.decide(officer, p, "reject", p.version)
    p = services.decide(officer, p, "approve", p.version)
    with pytest.raises(PermissionError):  # approve twice
        services.decide(officer, p, "approve", p.version)
    with pytest.raises(PermissionError):  # withdraw an issued pass
        services.decide(cast.contact_a, p, "withdraw", p.version)
    q = services.apply(cast.contact_a, cast.a, data(plate="吉HD12345"))
    q = services.decide(cast.contact_a, q, "withdraw", q.version)
    with pytest.raises(PermissionError):  # approve a withdrawn one
        services.decide(officer, q, "approve", q.version)


def test_extension(cast, campaign, transport):
    unit, officer = transport
    p = issued(cast, transport)
    with pytest.raises(ValidationError, match="须晚于"):
        services.decide(officer, p, "extend", p.version, valid_until=days(3))
    with pytest.raises(ValidationError, match="最长"):
        services.decide(officer, p, "extend", p.version, valid_until=days(40))
    p = services.decide(officer, p, "extend", p.version, valid_until=days(10))
    assert p.valid_until == days(10)
    assert services.verify(p.code, today=days(9))["status"] == "valid"


def test_counts_by_cargo_and_unit_on_the_dashboard(cast, campaign, transport, login):
    issued(cast, transport)
    issued(cast, transport, plate="吉HD12345", cargo="epidemic")
    services.apply(cast.contact_a, cast.a, data(plate="吉H54321"))  # not issued
    counts = services.counts(cast.yanji, campaign)
    assert (counts["total"], counts["valid"]) == (2, 2)
    assert sorted((c["label"], c["n"]) for c in counts["by_cargo"]) == [
        ("生产原料", 1),
        ("防疫物资", 1),
    ]
    assert counts["by_unit"] == [{"issuing_unit__name": "延吉市交通运输局", "n": 2}]
    assert services.counts(cast.tumen, campaign)["total"] == 0
    page = login(cast.zhuanban).get("/").content.decode()
    assert "已签发 2 张，今日有效 2 张" in page


def test_the_api_applies_decides_and_conflicts(cast, campaign, transport, api):
    unit, officer = transport
    body = {k: str(v) for k, v in data().items()}
    r = api(cast.contact_a)("post", "/passes", body)
    assert r.status_code == 201, r.content
    pk, version = r.json()["id"], r.json()["version"]
    bad = api(cast.contact_a)("post", "/passes", {**body, "plate": "吉H123456"})
    assert bad.status_code == 422 and "plate" in bad.json()["fields"]
    r = api(officer)("post", f"/passes/{pk}/approve", {"version": version})
    assert r.json()["state"] == "approved" and r.json()["verify_url"].endswith("/")
    stale = api(officer)("post", f"/passes/{pk}/revoke", {"version": version, "comment": "x"})
    assert stale.status_code == 409
    assert api(cast.yanji)("post", "/passes", body).status_code == 403


def test_scope_of_pages_documents_exports_and_api(cast, campaign, transport, login, api):
    from openpyxl import load_workbook

    p = issued(cast, transport)
    for outsider in (cast.tumen, cast.contact_b, cast.commissioner):
        c = login(outsider)
        assert c.get(f"/passes/{p.pk}/").status_code == 404
        assert c.get(f"/passes/{p.pk}/pass.pdf").status_code == 404
        assert list(c.get("/passes/").context["page"]) == []
        assert api(outsider)("get", f"/passes/{p.pk}").status_code == 404
        assert api(outsider)("get", "/passes").json()["items"] == []
    xlsx = login(cast.tumen).get("/passes/?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 1
    rows = list(
        load_workbook(
            io.BytesIO(login(cast.yanji).get("/passes/?format=xlsx").content)
        ).active.values
    )
    assert rows[1][1] == "吉H12345" and rows[1][4] == "张*三"
    page = login(cast.yanji).get(f"/enterprises/{cast.a.pk}/").content.decode()
    assert f"/passes/{p.pk}/" in page


def test_the_nearest_transport_department_is_told(cast, campaign, transport):
    from fugong.core.models import Notification

    _unit, officer = transport
    province = UnitFactory(
        code="220000-jtt", kind="department", sector="transport", region=cast.regions.jilin
    )
    provincial = UserFactory(username="jtt", role="department", unit=province)
    services.apply(cast.contact_a, cast.a, data())
    assert Notification.objects.filter(user=officer, kind="pass").exists()
    assert not Notification.objects.filter(user=provincial).exists()

"""Resumption applications and closed-loop qualifications: the two-step review and its illegal
moves, bad input, the certificate (rendered, its QR decoded), verification, the closed-loop
roster with its share of above-scale enterprises, a concurrent double approval, the API, and
data scope."""

import datetime
import os
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from django.utils import timezone

from fugong.approvals import services
from fugong.approvals.models import Application
from fugong.core.models import SEVEN_MUSTS, Attachment, Notification, Role, Step
from fugong.core.services import Conflict

from .factories import EnterpriseFactory, UserFactory
from .pdfs import ink, qr_texts, render, text_of

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


def plan():
    return SimpleUploadedFile("防控方案.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")


def resumption(**over):
    data = {
        "checklist": [{"key": i["key"], "done": True, "note": "已落实"} for i in SEVEN_MUSTS],
        "staff_expected": 120,
        "planned_date": TOMORROW,
    }
    data.update(over)
    return data


def closed_loop(**over):
    data = {
        "boundary_sealable": True,
        "lodging_assured": True,
        "stock_ready": True,
        "staff_inside": 80,
        "beds": 90,
        "food_days": 14,
        "stock_days": 10,
        "boundary_plan": "厂区围挡封闭，只留一个出入口，物资无接触交接",
    }
    data.update(over)
    return data


def submitted(cast, enterprise=None, contact=None, kind="resumption", **over):
    data = resumption(**over) if kind == "resumption" else closed_loop(**over)
    files = [plan()] if kind == "resumption" else []
    return services.submit(contact or cast.contact_a, enterprise or cast.a, kind, data, files)


def test_it_goes_through_two_steps_to_a_certificate(cast, campaign, login, settings):
    settings.FUGONG_SITE_URL = settings.SITE_URL = "https://fugong.yanbian.gov.cn"
    c = login(cast.contact_a)
    form = {f"done_{i['key']}": "yes" for i in SEVEN_MUSTS}
    form.update({"staff_expected": 120, "planned_date": TOMORROW.isoformat(), "files": [plan()]})
    r = c.post("/applications/new/resumption/", form)
    app = Application.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/applications/{app.pk}/"
    assert (app.state, app.staff_expected, len(app.checklist)) == ("submitted", 120, 7)
    assert Attachment.objects.get().owner_id == app.pk
    assert Notification.objects.filter(user=cast.township, kind="application").exists()

    app = services.review(cast.township, app, "approve", app.version, comment="现场核查通过")
    assert app.state == "first_approved"
    with pytest.raises(PermissionError):  # step 2 is the county's
        services.review(cast.township, app, "approve", app.version)
    app = services.review(cast.yanji, app, "approve", app.version)
    assert (app.state, app.cleared_from, app.approving_unit) == (
        "approved",
        TOMORROW,
        cast.units.cc_yanji,
    )
    assert [s.action for s in Step.objects.filter(owner_id=app.pk)] == [
        "submit",
        "approve_first",
        "approve",
    ]
    assert Notification.objects.filter(user=cast.contact_a, title__contains="已批准").exists()

    pdf = c.get(f"/applications/{app.pk}/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = text_of(pdf.content)
    assert "复工复产备案证明" in text and "延吉甲制药有限公司" in text and "延吉市专班" in text
    pixels = render(pdf.content, "certificate")
    assert ink(pixels) > 0.01
    url = f"https://fugong.yanbian.gov.cn/verify/certificate/{app.code}/"
    assert qr_texts(pixels) == [url]
    page = c.get(f"/verify/certificate/{app.code}/")
    assert "有效" in page.content.decode() and "延吉甲制药有限公司" in page.content.decode()


def test_a_campaign_with_one_step_goes_straight_to_the_county(cast, campaign):
    campaign.sla["approval_steps"] = 1
    campaign.save()
    app = submitted(cast)
    assert services.allowed_actions(cast.township, app) == []
    app = services.review(cast.department, app, "approve", app.version)
    assert app.state == "approved"


@pytest.mark.parametrize(
    "state, who, action",
    [
        ("approved", "yanji", "approve"),  # approve twice
        ("withdrawn", "township", "approve"),  # approve a withdrawn application
        ("rejected", "yanji", "return"),
        ("submitted", "tumen", "approve"),  # another county
        ("submitted", "commissioner", "approve"),
        ("submitted", "contact_a", "approve"),
        ("approved", "yanji", "revoke"),  # resumption is not revoked, only closed loop
    ],
)
def test_illegal_moves_are_refused(cast, campaign, state, who, action):
    app = submitted(cast)
    if state == "approved":
        app = services.review(cast.township, app, "approve", app.version)
        app = services.review(cast.yanji, app, "approve", app.version)
    elif state == "withdrawn":
        app = services.withdraw(cast.contact_a, app, app.version)
    elif state == "rejected":
        app = services.review(cast.township, app, "reject", app.version, comment="方案不完整")
    with pytest.raises(PermissionError):
        services.review(getattr(cast, who), app, action, app.version, comment="理由")
    app.refresh_from_db()
    assert app.state == state


def test_rejecting_and_returning_need_reasons_and_a_return_comes_back(cast, campaign, login):
    app = submitted(cast)
    with pytest.raises(ValidationError, match="理由"):
        services.review(cast.township, app, "return", app.version)
    app = services.review(cast.township, app, "return", app.version, comment="请补充消毒记录")
    assert app.state == "returned"
    c = login(cast.contact_a)
    assert c.get(f"/applications/{app.pk}/edit/").status_code == 200
    form = {f"done_{i['key']}": "yes" for i in SEVEN_MUSTS}
    form.update(
        {"staff_expected": 100, "planned_date": TOMORROW.isoformat(), "version": app.version}
    )
    r = c.post(f"/applications/{app.pk}/edit/", form)
    assert r.status_code == 302
    app.refresh_from_db()
    assert (app.state, app.staff_expected) == ("submitted", 100)
    with pytest.raises(ValidationError, match="已有一份在审"):
        submitted(cast)


def test_bad_input_is_named(cast, campaign):
    campaign.checklist = [
        {"key": "responsibility", "label": "企业主体责任必须到位", "note_required": True},
        {"key": "supplies", "label": "物资生产储备必须到位"},
    ]
    campaign.save()
    with pytest.raises(ValidationError) as exc:
        services.submit(
            cast.contact_a,
            cast.a,
            "resumption",
            resumption(
                checklist=[{"key": "responsibility", "done": True, "note": ""}],
                planned_date=TODAY - datetime.timedelta(days=1),
                staff_expected=None,
            ),
            [plan()],
        )
    errors = exc.value.message_dict
    assert "第1项“企业主体责任必须到位”须填写落实情况说明" in errors["checklist"]
    assert "第2项“物资生产储备必须到位”未填写" in errors["checklist"]
    assert "不能早于今天" in errors["planned_date"][0] and "staff_expected" in errors
    good = [
        {"key": "responsibility", "done": True, "note": "法人任组长"},
        {"key": "supplies", "done": False, "note": ""},
    ]
    with pytest.raises(ValidationError, match="未到位，须说明原因"):
        services.submit(cast.contact_a, cast.a, "resumption", resumption(checklist=good), [plan()])
    good[1]["note"] = "口罩只够三天，已申请调拨"
    exe = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00" + b"\x00" * 300)
    with pytest.raises(ValidationError, match="方案.pdf 的内容不是"):
        services.submit(cast.contact_a, cast.a, "resumption", resumption(checklist=good), [exe])
    huge = TemporaryUploadedFile("方案2.pdf", "application/pdf", 200 * 2**20, "utf-8")
    huge.write(b"%PDF-1.7\n")
    huge.file.truncate(200 * 2**20)
    with pytest.raises(ValidationError, match="200.0 MB"):
        services.submit(cast.contact_a, cast.a, "resumption", resumption(checklist=good), [huge])
    with pytest.raises(ValidationError, match="疫情防控方案"):
        services.submit(cast.contact_a, cast.a, "resumption", resumption(checklist=good), [])
    assert not Application.objects.exists() and not Attachment.objects.exists()
    app = services.submit(
        cast.contact_a, cast.a, "resumption", resumption(checklist=good), [plan()]
    )
    assert app.checklist[1] == {
        "key": "supplies",
        "label": "物资生产储备必须到位",
        "done": False,
        "note": "口罩只够三天，已申请调拨",
    }


def test_the_form_names_the_field_and_the_rule(cast, campaign, login):
    c = login(cast.contact_a)
    r = c.post(
        "/applications/new/closed_loop/",
        {"staff_inside": 80, "beds": 20, "food_days": 3, "stock_days": 10, "boundary_plan": ""},
    )
    page = r.content.decode()
    assert r.status_code == 200 and not Application.objects.exists()
    assert "闭环生产须满足“边界可封”" in page
    assert "床位数（20）少于闭环内员工数（80）" in page
    assert "食品储备天数应不少于 7" in page


def test_closed_loop_roster_share_and_revocation(cast, campaign, login):
    from fugong.registry.models import Enterprise

    cast.a.scale = cast.a2.scale = Enterprise.Scale.ABOVE
    cast.a.save()
    cast.a2.save()
    EnterpriseFactory(name="延吉丁机械有限公司", region=cast.regions.jinxue, scale="above")
    app = submitted(cast, kind="closed_loop")
    app = services.review(cast.township, app, "approve", app.version)
    app = services.review(cast.yanji, app, "approve", app.version)
    rows, total = services.closed_loop_by_region(cast.yanji, campaign, cast.regions.yanji)
    assert [(r["region"].name, r["qualified"], r["above"], r["share"]) for r in rows] == [
        ("进学街道", 1, 2, pytest.approx(50)),
        ("北山街道", 0, 1, pytest.approx(0)),
    ]
    assert (total["qualified"], total["above"], str(total["share"])) == (1, 3, "33.3")
    page = login(cast.yanji).get(f"/applications/closed-loop/?region={cast.regions.yanji.code}")
    assert "共 1 家企业获准闭环生产" in page.content.decode()
    assert "占规上企业（3 家）的 33.3%" in page.content.decode()
    assert (
        login(cast.tumen)
        .get(f"/applications/closed-loop/?region={cast.regions.yanji.code}")
        .status_code
        == 404
    )

    assert services.allowed_actions(cast.township, app) == []  # the county revokes
    with pytest.raises(ValidationError, match="理由"):
        services.review(cast.yanji, app, "revoke", app.version)
    app = services.review(cast.yanji, app, "revoke", app.version, comment="员工私自出厂，边界失守")
    assert app.state == "revoked"
    with pytest.raises(PermissionError):
        services.review(cast.yanji, app, "revoke", app.version, comment="再次")
    _rows, total = services.closed_loop_by_region(cast.yanji, campaign, cast.regions.yanji)
    assert total["qualified"] == 0
    result = services.verify_certificate(app.code)
    assert (result["status"], result["status_label"]) == ("revoked", "已取缔，失效")


def test_verification_rejects_tampered_and_unknown_codes(cast, campaign, client, api):
    from fugong.core.codes import new_code

    app = submitted(cast)
    app = services.review(cast.township, app, "approve", app.version)
    app = services.review(cast.yanji, app, "approve", app.version)
    tampered = app.code[:-1] + ("A" if app.code[-1] != "A" else "B")
    unknown = new_code("certificate")
    other_kind = new_code("pass")
    for code in (tampered, unknown, other_kind, "nonsense"):
        assert services.verify_certificate(code) is None
        assert client.get(f"/verify/certificate/{code}/").status_code == 404
        r = client.get(f"/api/v1/certificates/verify/{code}")
        assert (r.status_code, r.json()["status"]) == (404, "invalid")
    r = client.get(f"/api/v1/certificates/verify/{app.code}")
    assert r.status_code == 200 and r.json()["status"] == "valid"


def test_two_reviewers_at_once_one_decision(cast, campaign):
    app = submitted(cast)
    stale = app.version
    services.review(cast.township, app, "approve", stale)
    other = Application.objects.get(pk=app.pk)
    other.state, other.version = "submitted", stale  # what the second reviewer's page showed
    with pytest.raises(Conflict):
        services.review(cast.township, other, "reject", stale, comment="不合格")
    app.refresh_from_db()
    assert app.state == "first_approved"
    assert Step.objects.filter(owner_id=app.pk, action__in=("approve_first", "reject")).count() == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (DATABASE_URL): the in-memory SQLite test database locks threads",
)
def test_a_concurrent_double_approval_in_two_threads(transactional_db, cast, campaign):
    """Two reviewers press approve at the same moment on separate connections."""
    campaign.sla["approval_steps"] = 1
    campaign.save()
    app = submitted(cast)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            mine = Application.objects.get(pk=app.pk)
            barrier.wait()
            services.review(user, mine, "approve", mine.version)
            outcomes.append("approved")
        except (Conflict, PermissionError):
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (cast.yanji, cast.zhuanban)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert Step.objects.filter(owner_id=app.pk, action="approve").count() == 1


def test_the_api_applies_reviews_and_answers_conflicts(cast, campaign, api):
    contact = api(cast.contact_a)
    body = {
        "kind": "closed_loop",
        **{k: v for k, v in closed_loop().items()},
    }
    bad = contact("post", "/applications", {**body, "beds": 5})
    assert bad.status_code == 422 and "beds" in bad.json()["fields"]
    r = contact("post", "/applications", body)
    assert r.status_code == 201, r.content
    pk, version = r.json()["id"], r.json()["version"]
    town = api(cast.township)
    assert [a["id"] for a in town("get", "/applications?todo=true").json()["items"]] == [pk]
    r = town("post", f"/applications/{pk}/approve", {"version": version})
    assert r.json()["state"] == "first_approved"
    again = town("post", f"/applications/{pk}/reject", {"version": version, "comment": "迟到"})
    assert again.status_code in (403, 409)
    r = api(cast.yanji)("post", f"/applications/{pk}/approve", {"version": r.json()["version"]})
    assert r.json()["state"] == "approved"
    stale = api(cast.zhuanban)(
        "post", f"/applications/{pk}/revoke", {"version": version, "comment": "x"}
    )
    assert stale.status_code == 409 and stale.json()["error"] == "conflict"
    assert api(cast.township)("post", "/applications", body).status_code == 403


def test_scope_of_pages_exports_and_api(cast, campaign, login, api):
    app = submitted(cast)
    app = services.review(cast.township, app, "approve", app.version)
    app = services.review(cast.yanji, app, "approve", app.version)
    for outsider in (cast.tumen, cast.contact_b):
        c = login(outsider)
        assert c.get(f"/applications/{app.pk}/").status_code == 404
        assert c.get(f"/applications/{app.pk}/certificate.pdf").status_code == 404
        assert list(c.get("/applications/").context["page"]) == []
        assert api(outsider)("get", f"/applications/{app.pk}").status_code == 404
        assert api(outsider)("get", "/applications").json()["items"] == []
    import io

    from openpyxl import load_workbook

    xlsx = login(cast.tumen).get("/applications/?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 1
    xlsx = login(cast.yanji).get("/applications/?format=xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).active.max_row == 2
    page = login(cast.yanji).get(f"/enterprises/{cast.a.pk}/").content.decode()
    assert f"/applications/{app.pk}/certificate.pdf" in page


def test_a_suspended_qualification_blocks_a_new_one_and_verifies_as_suspended(
    cast, campaign, login, api, client
):
    app = submitted(cast, kind="closed_loop")
    app = services.review(cast.township, app, "approve", app.version)
    app = services.review(cast.yanji, app, "approve", app.version)
    Application.objects.filter(pk=app.pk).update(state="suspended")  # inspections' serious finding
    with pytest.raises(Conflict, match="暂停"):
        submitted(cast, kind="closed_loop")
    body = {"kind": "closed_loop", **closed_loop()}
    r = api(cast.contact_a)("post", "/applications", body)
    assert r.status_code == 409 and r.json()["error"] == "conflict" and "暂停" in str(r.json())
    form = {k: v for k, v in closed_loop().items() if k != "checklist"}
    r = login(cast.contact_a).post("/applications/new/closed_loop/", form)
    assert r.status_code == 200 and "已被督导检查暂停" in r.content.decode()
    assert Application.objects.count() == 1
    submitted(cast, kind="resumption")  # another kind is not blocked

    result = services.verify_certificate(app.code)
    assert result["status"] == "suspended" and result["status_label"].startswith("已暂停")
    page = client.get(f"/verify/certificate/{app.code}/").content.decode()
    assert "已暂停" in page and "已取缔" not in page
    Application.objects.filter(pk=app.pk).update(state="revoked")
    assert services.verify_certificate(app.code)["status_label"].startswith("已取缔")


def test_the_closed_loop_roster_opens_before_any_region_exists(db, login):
    # a fresh installation: an administrator, no region yet; the roster is empty, not a 500
    admin = UserFactory(username="admin0", is_superuser=True, is_staff=True, role=Role.ADMIN)
    page = login(admin).get("/applications/closed-loop/")
    assert page.status_code == 200
    assert list(page.context["applications"]) == [] and page.context["region"] is None

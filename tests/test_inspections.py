"""Inspections (督导检查): a stratified random plan reproducible with its seed; an inspection
with failed items, their rectifications and a re-inspection that closes them; serious findings
that revoke (or suspend, then reinstate) a qualification through the approvals app, with the
enterprise told; bad input that writes nothing; the pages, API and exports, and data scope."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image

from fugong.approvals.models import Application
from fugong.core.models import SEVEN_MUSTS, Attachment, Campaign, Notification
from fugong.inspections import figures, plans, services
from fugong.inspections.models import Inspection, ItemResult, Rectification

from .factories import EnterpriseFactory

TODAY = datetime.date.today()
KEYS = [m["key"] for m in SEVEN_MUSTS]


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=10),
    )


def plan_for(cast, campaign, user=None, **over):
    args = {
        "name": "延吉市第一轮督导",
        "region": cast.regions.yanji,
        "criteria": {},
        "share": None,
        "seed": "",
        "due_on": TODAY + datetime.timedelta(days=5),
        "teams": [("第一组", [cast.township])],
    }
    args.update(over)
    return plans.create_plan(user or cast.yanji, campaign, **args)


def answers(failed=(), serious=(), na=()):
    out = {}
    for key in KEYS:
        if key in failed:
            out[key] = {"outcome": "failed", "note": f"{key} 不到位", "serious": key in serious}
        elif key in na:
            out[key] = {"outcome": "na"}
        else:
            out[key] = {"outcome": "passed"}
    return out


def submit(user, inspection, **over):
    inspection = Inspection.objects.get(pk=inspection.pk)
    kwargs = {
        "answers": answers(),
        "representative": "张经理",
        "acknowledged": True,
    }
    kwargs.update(over)
    return services.submit_inspection(user, inspection, inspection.version, **kwargs)


def png(name="site.png"):
    buffer = io.BytesIO()
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    image.save(buffer, format="PNG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- plans -----------------------------------------------------------------------------


def test_it_samples_each_stratum_reproducibly():
    rows = [(i, "A") for i in range(1, 21)] + [(i, "B") for i in range(21, 26)] + [(99, "C")]
    first = plans.stratified_sample(rows, 30, "seed-1")
    assert first == plans.stratified_sample(list(reversed(rows)), 30, "seed-1")
    by = {code: [pk for pk in first if (pk, code) in rows] for code in "ABC"}
    assert [len(by["A"]), len(by["B"]), len(by["C"])] == [6, 2, 1]  # 30 % of 20, of 5 (1.5→2), ≥1
    assert plans.stratified_sample(rows, 30, "seed-2") != first
    # another township's new enterprise does not change A's draw
    assert [pk for pk in plans.stratified_sample([*rows, (50, "B")], 30, "seed-1") if pk <= 20] == (
        by["A"]
    )


def test_it_makes_a_stratified_plan_from_a_seed(cast, campaign):
    for i in range(9):
        EnterpriseFactory(name=f"进学{i}号企业", region=cast.regions.jinxue)
    for i in range(4):
        EnterpriseFactory(name=f"北山{i}号企业", region=cast.regions.beishan)
    plan = plan_for(cast, campaign, share=50, seed="2020-02")
    chosen = list(plan.inspections.values_list("enterprise_id", flat=True))
    again = plan_for(cast, campaign, share=50, seed="2020-02", name="同一种子")
    assert sorted(chosen) == sorted(again.inspections.values_list("enterprise_id", flat=True))
    regions = list(plan.inspections.values_list("enterprise__region__code", flat=True))
    assert regions.count("222401001") == 5 and regions.count("222401002") == 3  # 10·½, 5·½→3
    assert not plan.inspections.filter(enterprise=cast.b).exists()  # outside 延吉市
    # the team is told
    assert Notification.objects.filter(user=cast.township, kind="inspection").count() == 2
    # no seed given: one is made and kept, so the draw can be repeated
    auto = plan_for(cast, campaign, share=50, name="自动种子")
    assert auto.seed and len(auto.seed) == 8


def test_it_plans_a_list_or_a_filter(cast, campaign):
    from fugong.registry.models import ListMembership

    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a2)
    listed = plan_for(cast, campaign, criteria={"list": str(cast.key_list.pk)})
    assert list(listed.inspections.values_list("enterprise", flat=True)) == [cast.a2.pk]
    food = plan_for(cast, campaign, criteria={"industry": "14"}, name="食品企业")
    assert list(food.inspections.values_list("enterprise", flat=True)) == [cast.a2.pk]


def test_it_refuses_a_bad_plan_and_writes_nothing(cast, campaign):
    with pytest.raises(ValidationError) as caught:
        plan_for(cast, campaign, name="", share=0, due_on=TODAY - datetime.timedelta(days=1))
    assert {"name", "share", "due_on"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        plan_for(cast, campaign, teams=[("外人组", [cast.tumen])])  # not in 延吉's users
    assert "teams" in caught.value.message_dict
    with pytest.raises(ValidationError):
        plan_for(cast, campaign, criteria={"industry": "99"})
    with pytest.raises(PermissionError):
        plan_for(cast, campaign, user=cast.tumen)  # 延吉市 is not 图们's
    assert not Inspection.objects.exists()


# --- on site, findings, re-inspection ----------------------------------------------------


def test_it_records_failed_items_as_rectifications_and_closes_them_on_reinspection(cast, campaign):
    plan = plan_for(cast, campaign)
    inspection = plan.inspections.get(enterprise=cast.a)
    done = submit(
        cast.township,
        inspection,
        answers=answers(failed=("disinfection", "supplies"), na=("education",)),
        photos={"disinfection": [png()]},
        deadline=(TODAY + datetime.timedelta(days=3)).isoformat(),
    )
    assert done.state == "done" and done.result == "failed" and done.acknowledged
    rects = Rectification.objects.filter(enterprise=cast.a).order_by("key")
    assert [(r.key, r.state, r.deadline) for r in rects] == [
        ("disinfection", "open", TODAY + datetime.timedelta(days=3)),
        ("supplies", "open", TODAY + datetime.timedelta(days=3)),
    ]
    photo = Attachment.objects.get()
    item = ItemResult.objects.get(pk=photo.owner_id)
    assert item.key == "disinfection" and photo.content_type == "image/png"
    assert b"SecretCam" not in photo.file.read()  # re-encoded: no metadata kept
    # the enterprise and its township are told
    assert Notification.objects.filter(user=cast.contact_a, kind="inspection").exists()
    assert Notification.objects.filter(
        user__unit=cast.units.jinxue, kind="inspection", title__contains="2 项问题"
    ).exists()

    # the enterprise reports one done; the re-inspection passes it and fails the other again
    disinfection = rects.get(key="disinfection")
    services.report_rectification(cast.contact_a, disinfection, disinfection.version, "已消毒")
    again = services.schedule_reinspection(cast.yanji, done)
    assert again.reinspection_of == done and again.due_on == TODAY + datetime.timedelta(days=3)
    with pytest.raises(ValidationError):
        services.schedule_reinspection(cast.yanji, done)  # one planned already
    submit(
        cast.township,
        again,
        answers=answers(failed=("supplies",)),
        deadline=(TODAY + datetime.timedelta(days=9)).isoformat(),
    )
    disinfection.refresh_from_db()
    supplies = rects.get(key="supplies")
    assert disinfection.state == "closed" and disinfection.closed_by == again
    assert supplies.state == "open" and supplies.deadline == TODAY + datetime.timedelta(days=9)
    assert Rectification.objects.count() == 2  # failed again: the same one, not a new one
    result = figures.figures(cast.yanji, plan=plan)
    assert result["totals"]["enterprises"] == 2 and result["totals"]["inspected"] == 2
    row = {r["key"]: r for r in result["by_township"]}["222401001"]
    assert (row["planned"], row["covered"], row["inspected"], row["passed"], row["open"]) == (
        1, 1, 2, 0, 1
    )  # fmt: skip
    assert row["coverage"] == 100.0
    items = {r["key"]: r for r in result["by_item"]}
    assert (items["supplies"]["failed"], items["supplies"]["open"]) == (2, 1)
    assert items["education"]["na"] == 1 and items["education"]["fail_rate"] == 0.0


def test_it_counts_overdue_rectifications(cast, campaign):
    plan = plan_for(cast, campaign)
    submit(cast.township, plan.inspections.get(enterprise=cast.a), answers=answers(["mechanism"]))
    later = TODAY + datetime.timedelta(days=30)
    assert figures.figures(cast.yanji, plan=plan, today=later)["totals"]["overdue"] == 1
    assert figures.figures(cast.yanji, plan=plan)["totals"]["overdue"] == 0


def test_it_refuses_a_checklist_that_is_incomplete_and_writes_nothing(cast, campaign):
    inspection = plan_for(cast, campaign).inspections.get(enterprise=cast.a)
    bad = answers(failed=("mechanism",))
    bad["mechanism"]["note"] = ""
    del bad["supplies"]
    not_image = SimpleUploadedFile("x.png", b"MZ not an image", content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        submit(
            cast.township,
            inspection,
            answers=bad,
            photos={"responsibility": [not_image]},
            representative="",
            acknowledged=False,
            qualification_action="revoke",
        )
    assert {
        "note_mechanism",
        "outcome_supplies",
        "photos_responsibility",
        "representative",
        "acknowledged",
        "qualification_action",
    } <= set(caught.value.message_dict)
    inspection.refresh_from_db()
    assert inspection.state == "planned"
    assert not ItemResult.objects.exists() and not Attachment.objects.exists()


def test_it_accepts_the_same_draft_twice_once(cast, campaign):
    inspection = plan_for(cast, campaign).inspections.get(enterprise=cast.a)
    first = submit(cast.township, inspection, client_key="draft-1")
    again = services.submit_inspection(
        cast.township, first, 1, answers=answers(), representative="张", acknowledged=True,
        client_key="draft-1",
    )  # fmt: skip
    assert again.pk == first.pk and ItemResult.objects.count() == len(KEYS)
    with pytest.raises(PermissionError):  # another draft on a done inspection
        submit(cast.township, inspection, client_key="draft-2")


def test_only_the_team_or_a_coordinator_in_scope_inspects(cast, campaign):
    inspection = plan_for(cast, campaign).inspections.get(enterprise=cast.a)
    for outsider in (cast.tumen, cast.department, cast.contact_a, cast.commissioner):
        with pytest.raises(PermissionError):
            submit(outsider, inspection)
    assert submit(cast.yanji, inspection).state == "done"  # 延吉市专班 coordinates there


# --- qualifications --------------------------------------------------------------------


def approved(cast, campaign, kind):
    return Application.objects.create(
        campaign=campaign, enterprise=cast.a, kind=kind, state="approved"
    )


def test_serious_findings_revoke_the_qualification_and_tell_the_enterprise(cast, campaign):
    closed_loop = approved(cast, campaign, "closed_loop")
    resumption = approved(cast, campaign, "resumption")
    inspection = plan_for(cast, campaign).inspections.get(enterprise=cast.a)
    done = submit(
        cast.township,
        inspection,
        answers=answers(failed=("staff_screening",), serious=("staff_screening",)),
        qualification_action="revoke",
    )
    closed_loop.refresh_from_db()
    resumption.refresh_from_db()
    assert closed_loop.state == resumption.state == "revoked"
    assert done.serious and done.qualifications_moved == 2
    told = Notification.objects.filter(user=cast.contact_a, kind="application")
    assert told.count() == 2 and "staff_screening 不到位" in told.first().body
    from fugong.core.services import timeline_of

    step = list(timeline_of(closed_loop))[-1]
    assert step.action == "revoke" and "督导检查发现严重问题" in step.comment


def test_a_suspended_qualification_is_reinstated_by_a_passed_reinspection(cast, campaign):
    app = approved(cast, campaign, "closed_loop")
    first = submit(
        cast.township,
        plan_for(cast, campaign).inspections.get(enterprise=cast.a),
        answers=answers(failed=("disinfection",), serious=("disinfection",)),
        qualification_action="suspend",
    )
    app.refresh_from_db()
    assert app.state == "suspended"
    again = services.schedule_reinspection(cast.yanji, first)
    submit(cast.township, again)
    app.refresh_from_db()
    assert app.state == "approved"
    assert not Rectification.objects.filter(state="open").exists()


def test_no_serious_finding_leaves_qualifications_alone(cast, campaign):
    app = approved(cast, campaign, "closed_loop")
    submit(
        cast.township,
        plan_for(cast, campaign).inspections.get(enterprise=cast.a),
        answers=answers(failed=("disinfection",)),
    )
    app.refresh_from_db()
    assert app.state == "approved"


# --- pages, API, exports, data scope ---------------------------------------------------


def test_the_pages_work_for_the_team_and_the_enterprise(cast, campaign, login):
    plan = plan_for(cast, campaign)
    inspection = plan.inspections.get(enterprise=cast.a)
    client = login(cast.township)
    assert b"inspect.js" in client.get(f"/inspections/{inspection.pk}/inspect/").content
    post = {"version": "1", "representative": "张经理", "acknowledged": "1", "client_key": "k1"}
    for key in KEYS:
        post[f"outcome_{key}"] = "passed"
    post["outcome_supplies"], post["note_supplies"] = "failed", "口罩不足"
    post["photos_supplies"] = png()
    response = client.post(
        f"/inspections/{inspection.pk}/inspect/", post, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["ok"]
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "口罩不足" in page and "/attachments/" in page
    assert "延吉甲制药有限公司" in client.get(f"/inspections/plans/{plan.pk}/").content.decode()
    assert client.get("/inspections/sw.js")["Content-Type"].startswith("text/javascript")
    # the enterprise sees its rectification and reports it
    rect = Rectification.objects.get()
    enterprise = login(cast.contact_a)
    assert "口罩不足" in enterprise.get("/inspections/rectifications/").content.decode()
    enterprise.post(
        f"/inspections/rectifications/{rect.pk}/report/", {"version": "1", "response": "已补货"}
    )
    rect.refresh_from_db()
    assert rect.state == "reported"
    assert enterprise.get(f"/inspections/plans/{plan.pk}/").status_code == 404
    assert enterprise.get("/inspections/plans/").status_code == 403


def test_a_bad_checklist_post_answers_422_with_the_fields(cast, campaign, login):
    inspection = plan_for(cast, campaign).inspections.get(enterprise=cast.a)
    response = login(cast.township).post(
        f"/inspections/{inspection.pk}/inspect/", {"version": "1"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 422
    assert "representative" in response.json()["errors"]
    page = login(cast.township).post(f"/inspections/{inspection.pk}/inspect/", {"version": "1"})
    assert page.status_code == 422 and "请改正" in page.content.decode()


def test_the_plan_form_makes_a_plan(cast, campaign, login):
    response = login(cast.yanji).post(
        "/inspections/plans/new/",
        {
            "name": "表单计划",
            "campaign": campaign.pk,
            "region": "222401",
            "share": "50",
            "seed": "abc",
            "due_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "team1_name": "一组",
            "team1_members": [cast.township.pk],
        },
    )
    assert response.status_code == 302
    plan = Inspection.objects.get(enterprise=cast.a).plan
    assert plan.name == "表单计划" and plan.seed == "abc" and plan.inspections.count() == 2
    bad = login(cast.yanji).post("/inspections/plans/new/", {"name": "x", "campaign": campaign.pk})
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()


def test_outsiders_get_404_or_nothing(cast, campaign, login, api):
    plan = plan_for(cast, campaign)
    inspection = plan.inspections.get(enterprise=cast.a)
    submit(cast.township, inspection, answers=answers(failed=("supplies",)))
    rect = Rectification.objects.get()
    tumen = login(cast.tumen)
    for url in (
        f"/inspections/plans/{plan.pk}/",
        f"/inspections/{inspection.pk}/",
        f"/inspections/{inspection.pk}/inspect/",
    ):
        assert tumen.get(url).status_code == 404, url
    assert tumen.post(f"/inspections/{inspection.pk}/reinspect/").status_code == 404
    assert (
        tumen.post(f"/inspections/rectifications/{rect.pk}/report/", {"response": "x"}).status_code
        == 404
    )
    assert "延吉甲" not in tumen.get("/inspections/rectifications/").content.decode()
    assert "延吉甲" not in tumen.get("/inspections/figures/").content.decode()
    assert "延吉" not in tumen.get("/inspections/plans/").content.decode()
    sheet = load_workbook(
        io.BytesIO(tumen.get("/inspections/rectifications/?format=xlsx").content)
    ).active
    assert sheet.max_row == 1
    other = login(cast.contact_b)
    assert other.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert "口罩" not in other.get("/inspections/rectifications/").content.decode()
    call = api(cast.tumen)
    assert call("get", "/inspection-plans").json() == []
    assert call("get", "/inspections").json() == []
    assert call("get", "/rectifications").json() == []
    assert call("get", f"/inspections/{inspection.pk}").status_code == 404
    assert call("get", f"/inspection-plans/{plan.pk}/figures").status_code == 404
    assert call("get", f"/inspection-plans/{plan.pk}").status_code == 404
    body = {"version": 2, "answers": {}, "representative": "x", "acknowledged": True}
    assert call("post", f"/inspections/{inspection.pk}/submit", body).status_code == 404
    report = {"version": 1, "response": "x"}
    assert call("post", f"/rectifications/{rect.pk}/report", report).status_code == 404
    assert "延吉甲" not in tumen.get("/inspections/mine/").content.decode()
    # inside: the export holds the plan's enterprises
    export = login(cast.yanji).get(f"/inspections/plans/{plan.pk}/?format=xlsx")
    mine = load_workbook(io.BytesIO(export.content)).active
    assert {row[2] for row in mine.iter_rows(min_row=2, values_only=True)} == {
        "延吉甲制药有限公司",
        "延吉乙食品有限公司",
    }


def test_the_api_plans_submits_and_counts(cast, campaign, api):
    call = api(cast.yanji)
    created = call(
        "post",
        "/inspection-plans",
        {
            "campaign_id": campaign.pk,
            "name": "接口计划",
            "region": "222401",
            "share": 100,
            "seed": "s",
            "due_on": (TODAY + datetime.timedelta(days=2)).isoformat(),
            "teams": [{"name": "一组", "members": [cast.township.pk]}],
        },
    )
    assert created.status_code == 201 and created.json()["enterprises"] == 2
    bad = call(
        "post",
        "/inspection-plans",
        {"campaign_id": campaign.pk, "name": "", "region": "222401", "due_on": TODAY.isoformat(),
         "teams": []},
    )  # fmt: skip
    assert bad.status_code == 422 and "name" in bad.json()["fields"]
    inspection = Inspection.objects.get(enterprise=cast.a)
    team = api(cast.township)
    payload = {
        "version": 1,
        "answers": answers(failed=("supplies",)),
        "representative": "李",
        "acknowledged": True,
    }
    done = team("post", f"/inspections/{inspection.pk}/submit", payload)
    assert done.status_code == 200 and done.json()["result"] == "failed"
    assert team("post", f"/inspections/{inspection.pk}/submit", payload).status_code == 403
    rects = team("get", "/rectifications").json()
    assert [r["key"] for r in rects] == ["supplies"]
    counted = call("get", f"/inspection-plans/{created.json()['id']}/figures").json()
    assert counted["totals"]["open"] == 1 and counted["by_item"][0]["key"]


def test_the_township_sees_its_region_only_unless_on_the_team(cast, campaign):
    plan = plan_for(cast, campaign, teams=[("专班组", [cast.yanji])])
    rows = figures.figures(cast.township, plan=plan)["by_township"]
    assert [r["key"] for r in rows] == ["222401001"]  # 进学街道 only; 北山's is not its scope
    team = plan_for(cast, campaign, name="街镇参加")
    keys = [r["key"] for r in figures.figures(cast.township, plan=team)["by_township"]]
    assert keys == ["222401001", "222401002"]  # the team's inspections, wherever they are


def test_the_dashboard_shows_coverage_by_township_in_scope(cast, campaign, login):
    plan = plan_for(cast, campaign)
    submit(cast.township, plan.inspections.get(enterprise=cast.a))
    page = login(cast.yanji).get("/dashboard/").content.decode()
    assert 'id="inspection-coverage"' in page
    assert "已检查 1/2 家企业（50.0%）" in page and "进学街道" in page
    assert "已检查 0/0" in login(cast.tumen).get("/dashboard/").content.decode()


def test_it_reminds_of_overdue_rectifications_once_a_day(cast, campaign):
    plan = plan_for(cast, campaign)
    submit(cast.township, plan.inspections.get(enterprise=cast.a), answers=answers(["supplies"]))
    later = TODAY + datetime.timedelta(days=8)
    assert services.remind_overdue(TODAY) == 0
    assert services.remind_overdue(later) == 1
    services.remind_overdue(later)  # the same day again: nobody told twice
    told = Notification.objects.filter(kind="rectification_overdue")
    assert set(told.values_list("user", flat=True)) == {cast.contact_a.pk, cast.township.pk}
    assert told.count() == 2

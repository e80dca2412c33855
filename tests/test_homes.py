"""Each role opens on its own work at `/`; 待我审核 holds only what the user can act on; the
order page pre-selects a triage proposal only when it is confident."""

import re

import pytest
from django.utils import timezone

from fugong.approvals import services as approvals
from fugong.core.models import Role
from fugong.reporting.services import submit_report
from fugong.workorders.models import Category
from fugong.workorders.services import create_order
from fugong.workorders.triage import PRESELECT_AT

from .factories import enterprise_user
from .test_approvals import submitted

pytestmark = pytest.mark.django_db
REPORT = {"status": "full", "staff_on_duty": 10, "staff_total": 20}


def test_it_sends_each_role_to_its_own_home(cast, campaign, login):
    health = enterprise_user("fangyi_a", cast.a, role=Role.HEALTH_OFFICER)
    redirects = {
        cast.checkpoint: "/passes/check/",
        cast.commissioner: "/workorders/assigned/",
        cast.department: "/workorders/",
        health: "/health/",
    }
    for user, url in redirects.items():
        r = login(user).get("/")
        assert r.status_code == 302 and r.url.startswith(url), (user, r.status_code)
        assert login(user).get(r.url).status_code == 200
    page = login(cast.yanji).get("/").content.decode()
    assert "复工复产驾驶舱" in page  # the command centre's home is the dashboard
    assert 'id="not-reported"' in login(cast.township).get("/").content.decode()
    assert 'id="today-report"' in login(cast.contact_a).get("/").content.decode()


def test_it_lists_who_has_not_reported_today_and_open_orders_in_the_township(cast, campaign, login):
    create_order(cast.contact_b, campaign, cast.b, "天然气限供了，锅炉停了", "h5")
    order = create_order(cast.contact_a, campaign, cast.a, "缺少口罩两千只", "h5")
    page = login(cast.township).get("/").content.decode()
    missing = page.split('id="not-reported"')[1].split("</section>")[0]
    assert cast.a.name in missing and cast.b.name not in missing  # b lies outside 进学街道
    orders = page.split('id="open-orders"')[1].split("</section>")[0]
    assert f"/workorders/{order.pk}/" in orders and cast.b.name not in orders
    submit_report(cast.contact_a, cast.a, timezone.localdate(), REPORT)
    page = login(cast.township).get("/").content.decode()
    assert cast.a.name not in page.split('id="not-reported"')[1].split("</section>")[0]


def test_it_shows_the_enterprise_its_report_to_do_then_done(cast, campaign, login):
    c = login(cast.contact_a)
    assert "待填报" in c.get("/").content.decode()
    submit_report(cast.contact_a, cast.a, timezone.localdate(), REPORT)
    page = c.get("/").content.decode()
    assert "已填报" in page and "在岗 10/20 人" in page
    other = create_order(cast.contact_b, campaign, cast.b, "缺少口罩两千只", "h5")
    assert f"/workorders/{other.pk}/" not in c.get("/").content.decode()  # not its own


def test_it_holds_only_what_the_user_can_act_on_awaiting_me(cast, campaign, login):
    app = submitted(cast)  # at the township's step of a two-step campaign
    todo = "/applications/?view=todo"
    assert f"/applications/{app.pk}/" not in login(cast.yanji).get(todo).content.decode()
    assert f"/applications/{app.pk}/" in login(cast.township).get(todo).content.decode()
    approvals.review(cast.township, app, "approve", app.version)
    assert f"/applications/{app.pk}/" in login(cast.yanji).get(todo).content.decode()
    assert f"/applications/{app.pk}/" not in login(cast.township).get(todo).content.decode()
    assert f"/applications/{app.pk}/" not in login(cast.tumen).get(todo).content.decode()


def _triage_page(cast, campaign, login, confidence):
    order = create_order(cast.contact_a, campaign, cast.a, "天然气限供了，锅炉停了", "h5")
    energy = Category.objects.get(code="energy")
    type(order).objects.filter(pk=order.pk).update(
        proposed_label="energy", proposed_confidence=confidence
    )
    page = login(cast.yanji).get(f"/workorders/{order.pk}/").content.decode()
    selected = re.search(rf'<option value="{energy.pk}"[^>]*selected', page) is not None
    return page, selected, energy


def test_it_preselects_a_confident_proposal_only(cast, campaign, login):
    page, selected, energy = _triage_page(cast, campaign, login, PRESELECT_AT + 0.01)
    assert selected and 'id="category-suggestion"' not in page
    page, selected, energy = _triage_page(cast, campaign, login, PRESELECT_AT - 0.2)
    assert not selected
    assert f"建议：{energy}" in page.split('id="category-suggestion"')[1][:80]


def _spike(cast):
    """A campaign running for two months in the city: a steady month of labour problems in
    进学街道, then a gas cut this week."""
    import datetime

    from fugong.core.models import Campaign
    from fugong.workorders.models import WorkOrder

    now = timezone.now()
    campaign = Campaign.objects.create(
        name="冬季应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
    )

    def made(text, label, days_ago, n=1):
        made = WorkOrder.objects.bulk_create(
            WorkOrder(
                campaign=campaign, enterprise=cast.a, text=text, channel="h5", proposed_label=label
            )
            for _ in range(n)
        )
        for i, o in enumerate(made):
            at = now - datetime.timedelta(days=days_ago, hours=i % 5)
            WorkOrder.objects.filter(pk=o.pk).update(created_at=at)
        return [o.pk for o in made]

    for day in range(8, 36, 2):
        made("工人返不了岗，人手不够", "labour", day)
    return campaign, made("天然气限供，锅炉停了", "energy", 1, n=8)


def test_it_shows_hot_spots_on_the_dashboard_drilling_down_to_their_orders(cast, login):
    from django.core.cache import cache

    from fugong.dashboard.brief import content, summary_lines
    from fugong.reporting.stats import StatsQuery

    cache.clear()
    campaign, gas = _spike(cast)
    c = login(cast.yanji)
    page = c.get("/dashboard/").content.decode()
    spots = page.split('id="hot-spots"')[1].split("</section>")[0]
    link = re.search(r'href="([^"]*ids=[^"]*)"', spots).group(1).replace("&amp;", "&")
    assert "能源" in spots or "天然气" in spots
    listed = c.get(link).content.decode()
    for pk in gas:
        assert f"/workorders/{pk}/" in listed
    labour = type(campaign).objects.get(pk=campaign.pk).work_orders.filter(proposed_label="labour")
    assert all(f"/workorders/{o.pk}/" not in listed for o in labour)
    query = StatsQuery.parse(cast.yanji, {}, campaign=campaign)
    assert any("热点问题" in line for line in summary_lines(content(cast.yanji, query)))
    outside = login(cast.tumen).get(link).content.decode()  # 图们 sees none of 延吉's orders
    assert all(f"/workorders/{pk}/" not in outside for pk in gas)


def test_it_says_who_acts_next_on_applications_orders_and_passes(cast, campaign, transport, login):
    from fugong.passes import services as passes

    app = submitted(cast)
    page = login(cast.yanji).get(f"/applications/{app.pk}/").content.decode()
    assert "下一步：街镇/园区审核" in page
    approvals.review(cast.township, app, "approve", app.version)
    page = login(cast.yanji).get(f"/applications/{app.pk}/").content.decode()
    assert "下一步：" in page and "街镇/园区审核" not in page.split('id="next-actor"')[1][:200]
    order = create_order(cast.contact_a, campaign, cast.a, "缺少口罩两千只", "h5")
    page = login(cast.contact_a).get(f"/workorders/{order.pk}/").content.decode()
    assert "下一步：街镇/专班分类分派" in page
    p = passes.apply(
        cast.contact_a,
        cast.a,
        {
            "plate": "吉H12345",
            "vehicle_type": "heavy_truck",
            "driver_name": "张小三",
            "driver_phone": "13904331234",
            "origin": "延吉市进学街道",
            "destination": "长春市绿园区",
            "cargo": "materials",
            "valid_from": timezone.localdate(),
            "valid_until": timezone.localdate(),
        },
    )
    assert (
        "下一步：交通运输部门审批签发"
        in login(cast.contact_a).get(f"/passes/{p.pk}/").content.decode()
    )
    _unit, officer = transport
    passes.decide(officer, p, "approve", p.version)
    assert "当前无需任何人办理" in login(cast.contact_a).get(f"/passes/{p.pk}/").content.decode()


def test_it_opens_the_demo_on_the_running_campaign_and_today(login):
    from django.core.management import call_command

    from fugong.core.models import Campaign, User
    from fugong.registry.demo import LIVE_CAMPAIGN

    call_command("demo", "--quiet", "--enterprises", "40")
    live = Campaign.objects.get(name=LIVE_CAMPAIGN)
    today = timezone.localdate()
    assert Campaign.Module.REPORTS in live.modules
    assert live.reports.filter(date=today).exists()
    User.objects.filter(username="zhuanban").update(must_change_password=False)
    c = login(User.objects.get(username="zhuanban"))
    page = c.get("/dashboard/").content.decode()
    assert LIVE_CAMPAIGN in page and today.strftime("%Y年%-m月%-d日") in page
    assert 'id="reports-off"' not in page
    seed = c.get("/dashboard/?date=2020-02-14").content.decode()  # the 2020 campaign stays
    assert "2020年新冠肺炎疫情复工复产" in seed
    before = live.reports.count()
    call_command("demo", "--quiet", "--enterprises", "40")  # idempotent
    assert live.reports.count() == before


def test_it_gives_the_commissioner_figures_that_agree_with_its_lists(cast, campaign, login):
    from fugong.registry.models import Assignment

    Assignment.objects.get(enterprise=cast.a2).commissioners.add(cast.commissioner)
    campaign.sla = {**(campaign.sla or {}), "approval_steps": 1}
    campaign.save()
    app = submitted(cast, enterprise=cast.a2, contact=enterprise_user("qiye_a2", cast.a2))
    approvals.review(cast.yanji, app, "approve", app.version)  # one-step at the county
    c = login(cast.commissioner)
    listed = c.get("/applications/").content.decode()
    assert f"/applications/{app.pk}/" in listed
    page = c.get("/dashboard/").content.decode()
    assert "吉林省" not in page.split("<h1")[1].split("</h1>")[0]
    assert "北山街道" in page.split("<h1")[1].split("</h1>")[0]
    counts = page.split('id="application-counts"')[1].split("</table>")[0]
    assert "暂无申请" not in counts

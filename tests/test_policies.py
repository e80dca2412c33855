"""Relief policies: every rule kind against the registry (and the status providers wired to
the real reporting and approvals data), matching explained, push, applications approved and
paid, totals."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.approvals.models import Application
from fugong.core.models import Notification
from fugong.core.permissions import SYSTEM
from fugong.core.services import Conflict
from fugong.dashboard import providers
from fugong.policies import applications, rules, services
from fugong.policies.models import Policy, PolicyApplication
from fugong.registry.models import Enterprise, ListMembership
from fugong.reporting.models import DailyReport

from .factories import EnterpriseFactory, ListFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def make_policy(cast, rule_list=(), region=None, publish=False, **fields):
    policy = Policy(
        title=fields.pop("title", "测试政策"),
        region=region or cast.regions.yanbian,
        support=fields.pop("support", "subsidy"),
        issuer="延边州人民政府",
        **fields,
    )
    services.save_policy(SYSTEM, policy, list(rule_list))
    if publish:
        services.publish(SYSTEM, policy, policy.version)
        policy.refresh_from_db()
    return policy


def names(qs):
    return sorted(e.name for e in qs)


# --- status providers as the integrator wires them (from reporting and approvals) -----------


@pytest.fixture
def hooks():
    """The providers the dashboard connects at start-up (fugong.dashboard.providers)."""
    providers.connect()
    yield


@pytest.fixture
def unhooked():
    """No status provider connected (as in a deployment without the dashboard app)."""
    for name in ("resumed", "closed_loop", "losses"):
        rules.connect(name, None)
    yield
    providers.connect()


def report(campaign, enterprise, day, status="full", **extra):
    return DailyReport.objects.create(
        campaign=campaign,
        enterprise=enterprise,
        date=day,
        status=status,
        channel="h5",
        submitted_at=timezone.now(),
        extra=extra,
    )


# --- rules --------------------------------------------------------------------------------


def test_it_matches_industry_by_section_or_division(cast):
    hotel = EnterpriseFactory(name="延吉丁宾馆", region=cast.regions.jinxue, industry="61")
    EnterpriseFactory(name="延吉戊物流", region=cast.regions.jinxue, industry="54")
    policy = make_policy(cast, [("industry", rules.parse_industries("H；27"))])
    assert names(services.qualifying(policy, SYSTEM)) == sorted([cast.a.name, hotel.name])
    section = make_policy(cast, [("industry", rules.parse_industries("C"))], title="制造业")
    assert names(services.qualifying(section, SYSTEM)) == sorted(
        [cast.a.name, cast.a2.name, cast.b.name]
    )


def test_it_refuses_an_industry_that_is_no_section_or_division():
    with pytest.raises(ValueError, match="H27"):
        rules.parse_industries("C；H27")  # division 27 is in section C, not H


def test_it_matches_scale_and_staff_bounds_inclusively(cast):
    Enterprise.objects.filter(pk=cast.a.pk).update(total_staff=50)
    Enterprise.objects.filter(pk=cast.a2.pk).update(total_staff=300)
    Enterprise.objects.filter(pk=cast.b.pk).update(total_staff=301)
    staff = make_policy(cast, [("staff", {"min": 50, "max": 300})])
    assert names(services.qualifying(staff, SYSTEM)) == sorted([cast.a.name, cast.a2.name])
    small = make_policy(cast, [("scale", {"scale": "below"})], title="规下")
    assert names(services.qualifying(small, SYSTEM)) == [cast.a2.name]


def test_it_takes_list_membership_as_of_the_rule_day(cast):
    key = cast.key_list
    ListMembership.objects.create(list=key, enterprise=cast.a, added_on=TODAY - 10 * DAY)
    ended = ListMembership.objects.create(
        list=key, enterprise=cast.a2, added_on=TODAY - 10 * DAY, removed_on=TODAY - DAY
    )
    ListMembership.objects.create(list=key, enterprise=cast.b, added_on=TODAY + DAY)
    today = make_policy(cast, [("lists", {"ids": [key.pk], "as_of": None})])
    assert names(services.qualifying(today, SYSTEM)) == [cast.a.name]
    before = make_policy(
        cast,
        [("lists", {"ids": [key.pk], "as_of": (ended.removed_on - DAY).isoformat()})],
        title="名单截至前日",
    )
    assert names(services.qualifying(before, SYSTEM)) == sorted([cast.a.name, cast.a2.name])


def test_it_matches_any_of_several_lists(cast):
    white = ListFactory(name="市级白名单", kind="city_whitelist")
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a)
    ListMembership.objects.create(list=white, enterprise=cast.b)
    policy = make_policy(cast, [("lists", {"ids": [cast.key_list.pk, white.pk]})])
    assert names(services.qualifying(policy, SYSTEM)) == sorted([cast.a.name, cast.b.name])


def test_it_meets_no_status_rule_until_its_provider_is_connected(cast, campaign, unhooked):
    report(campaign, cast.a, TODAY - DAY)
    policy = make_policy(cast, [("resumed", {"by": None})])
    assert list(services.qualifying(policy, SYSTEM)) == []
    [near] = [m for m in services.near_misses(policy, SYSTEM) if m.enterprise == cast.a]
    assert "数据未接入" in near.missing[0][1]


def test_it_takes_resumption_from_the_latest_report_by_the_day(cast, campaign, hooks):
    report(campaign, cast.a, TODAY - 3 * DAY, "not_resumed")
    report(campaign, cast.a, TODAY - DAY, "partial")
    report(campaign, cast.a2, TODAY - 3 * DAY, "full")
    report(campaign, cast.a2, TODAY - DAY, "not_resumed")  # stopped again
    # cast.b never reported: not resumed
    now = make_policy(cast, [("resumed", {"by": None})])
    assert names(services.qualifying(now, SYSTEM)) == [cast.a.name]
    earlier = make_policy(
        cast, [("resumed", {"by": (TODAY - 2 * DAY).isoformat()})], title="两天前已复工"
    )
    assert names(services.qualifying(earlier, SYSTEM)) == [cast.a2.name]


def test_it_matches_closed_loop_qualification_and_reported_losses(cast, campaign, hooks):
    Application.objects.create(
        campaign=campaign,
        enterprise=cast.b,
        kind="closed_loop",
        state="approved",
        cleared_from=TODAY - DAY,
    )
    Application.objects.create(
        campaign=campaign, enterprise=cast.a, kind="closed_loop", state="revoked"
    )
    loop = make_policy(cast, [("closed_loop", {"as_of": None})])
    assert names(services.qualifying(loop, SYSTEM)) == [cast.b.name]
    report(campaign, cast.a2, TODAY - 2 * DAY, losses=35)
    report(campaign, cast.a, TODAY - 2 * DAY, losses=0)
    report(campaign, cast.b, TODAY - 20 * DAY, losses=10)  # before the period
    losses = make_policy(
        cast,
        [("losses", {"since": (TODAY - 5 * DAY).isoformat(), "until": None})],
        title="亏损企业",
    )
    assert names(services.qualifying(losses, SYSTEM)) == [cast.a2.name]


def test_it_keeps_to_the_policy_region_subtree(cast):
    policy = make_policy(cast, region=cast.regions.yanji)
    assert names(services.qualifying(policy, SYSTEM)) == sorted([cast.a.name, cast.a2.name])


def test_an_officer_sees_the_subtree_s_drafts_and_the_published_ones_above(cast):
    jinxue = make_policy(cast, title="进学草稿", region=cast.regions.jinxue)
    tumen = make_policy(cast, title="图们草稿", region=cast.regions.tumen)
    above_draft = make_policy(cast, title="州草稿")
    above = make_policy(cast, title="州政策", publish=True)
    seen = set(Policy.objects.visible_to(cast.yanji))  # Region.subtree_q() below 延吉市
    assert {jinxue, above} <= seen and not {tumen, above_draft} & seen
    assert set(Policy.objects.visible_to(cast.zhuanban)) >= {jinxue, tumen, above_draft, above}


def test_it_matches_five_rules_in_one_query(cast, campaign, hooks, django_assert_num_queries):
    policy = make_policy(
        cast,
        [
            ("industry", {"sections": ["C"], "divisions": []}),
            ("scale", {"scale": "above"}),
            ("lists", {"ids": [cast.key_list.pk]}),
            ("staff", {"min": 10, "max": None}),
            ("resumed", {"by": None}),
        ],
    )
    policy = Policy.objects.select_related("region").prefetch_related("rules").get(pk=policy.pk)
    with django_assert_num_queries(1):
        list(services.qualifying(policy, SYSTEM))


# --- matching explained -------------------------------------------------------------------


def test_it_explains_why_and_what_is_missing(cast):
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a)
    policy = make_policy(
        cast,
        [
            ("industry", {"sections": ["C"], "divisions": []}),
            ("lists", {"ids": [cast.key_list.pk]}),
        ],
    )
    [match] = services.matches(policy, SYSTEM)
    assert match.enterprise == cast.a
    texts = [t for _k, t in match.met]
    assert any("延边朝鲜族自治州" in t for t in texts)
    assert any("C27" in t and "制造业" in t for t in texts)
    assert any("重点企业" in t for t in texts)
    near = {m.enterprise.name: m for m in services.near_misses(policy, SYSTEM)}
    assert set(near) == {cast.a2.name, cast.b.name}
    assert [k for k, _t in near[cast.b.name].missing] == ["lists"]
    assert "不在名单中" in near[cast.b.name].missing[0][1]


def test_it_lists_the_policies_an_enterprise_qualifies_for(cast):
    make_policy(cast, [("scale", {"scale": "above"})], title="规上", publish=True)
    make_policy(cast, [("scale", {"scale": "below"})], title="规下", publish=True)
    make_policy(cast, title="草稿")  # not published
    make_policy(cast, title="图们", region=cast.regions.tumen, publish=True)
    make_policy(cast, title="过期", publish=True, valid_to=TODAY - DAY, valid_from=TODAY - 9 * DAY)
    assert [p.title for p in services.policies_for(cast.a)] == ["规上"]
    assert [p.title for p in services.policies_for(cast.b)] == ["图们", "规上"]
    assert services.count_for(cast.contact_a) == 1
    assert services.count_for(cast.yanji) == 0


def test_it_tells_the_fitting_enterprises_and_their_commissioners_on_publishing(cast):
    policy = make_policy(cast, [("scale", {"scale": "below"})])
    told = services.publish(cast.zhuanban, policy, policy.version)
    assert told == 1  # a2, whose commissioner is tepaiyuan; a2 has no account
    assert Notification.objects.filter(user=cast.commissioner, kind="policy").count() == 1
    assert not Notification.objects.filter(user=cast.contact_a).exists()
    other = make_policy(cast, [("scale", {"scale": "above"})], title="规上政策")
    services.publish(cast.zhuanban, other, other.version)
    note = Notification.objects.get(user=cast.contact_a, kind="policy")
    assert "规上政策" in note.title and note.url == f"/policies/{other.pk}/"
    with pytest.raises(Conflict):
        services.publish(cast.zhuanban, other, other.version)


def test_it_lets_only_issuers_in_scope_edit(cast):
    policy = make_policy(cast, region=cast.regions.yanji)
    assert services.may_edit(cast.yanji, policy)
    assert not services.may_edit(cast.tumen, policy)
    assert not services.may_edit(cast.township, policy)
    assert not services.may_edit(cast.contact_a, policy)
    with pytest.raises(PermissionError):
        services.save_policy(cast.tumen, policy, [])


# --- applications -------------------------------------------------------------------------


def test_it_approves_and_pays_an_application(cast):
    policy = make_policy(cast, publish=True, title="技术改造扩能专项")
    app = applications.apply(
        cast.contact_a, policy, cast.a, {"amount_requested": "120.5", "note": "扩产口罩线"}
    )
    assert applications.allowed_actions(cast.tumen, app) == []
    assert applications.allowed_actions(cast.contact_a, app) == ["withdraw"]
    with pytest.raises(ValidationError):
        applications.act(cast.yanji, app, "reject", app.version)  # no reason
    stale = PolicyApplication.objects.get(pk=app.pk)
    app = applications.act(cast.yanji, app, "approve", app.version, amount="100")
    with pytest.raises(Conflict):  # a second reviewer acting on what they saw before
        applications.act(cast.zhuanban, stale, "reject", stale.version, comment="材料不全")
    assert app.state == "approved" and app.amount_approved == Decimal("100.00")
    app = applications.act(
        cast.yanji, app, "grant", app.version, amount="60", granted_on=TODAY - DAY
    )
    with pytest.raises(ValidationError, match="40"):
        applications.act(cast.yanji, app, "grant", app.version, amount="41")
    app = applications.act(cast.yanji, app, "grant", app.version, amount="40")
    assert app.state == "granted" and applications.granted_total(app) == Decimal("100")
    assert applications.allowed_actions(cast.yanji, app) == []
    [row] = applications.totals(cast.zhuanban, "policy")
    assert row == {
        "group": "技术改造扩能专项",
        "enterprises": 1,
        "applications": 1,
        "requested": Decimal("120.50"),
        "approved": Decimal("100.00"),
        "granted": Decimal("100.00"),
    }
    assert applications.totals(cast.tumen, "region") == []
    assert applications.headline(row).startswith("1 户企业申报 120.5 万元")
    assert Notification.objects.filter(user=cast.contact_a, kind="policy_application").count() == 3


def test_it_refuses_applications_out_of_force_region_or_twice(cast):
    draft = make_policy(cast, title="草稿")
    with pytest.raises(ValidationError, match="未发布"):
        applications.apply(cast.contact_a, draft, cast.a, {})
    tumen = make_policy(cast, title="图们", region=cast.regions.tumen, publish=True)
    with pytest.raises(ValidationError, match="适用区划"):
        applications.apply(cast.contact_a, tumen, cast.a, {})
    city = make_policy(cast, title="全州", publish=True)
    with pytest.raises(PermissionError):
        applications.apply(cast.contact_b, city, cast.a, {})
    applications.apply(cast.contact_a, city, cast.a, {})
    with pytest.raises(ValidationError, match="已申报"):
        applications.apply(cast.contact_a, city, cast.a, {})
    with pytest.raises(ValidationError, match="数字"):
        applications.apply(cast.contact_b, city, cast.b, {"amount_requested": "很多"})


def test_it_totals_by_industry_and_leaves_withdrawn_out(cast):
    policy = make_policy(cast, publish=True)
    applications.apply(cast.contact_a, policy, cast.a, {"amount_requested": 10})
    gone = applications.apply(cast.contact_b, policy, cast.b, {"amount_requested": 99})
    applications.act(cast.contact_b, gone, "withdraw", gone.version)
    [row] = applications.totals(SYSTEM, "industry")
    assert row["group"] == "C 制造业" and row["requested"] == Decimal("10.00")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-1", "1e20", "abc"])
def test_it_refuses_amounts_that_are_no_sum_of_money(value):
    with pytest.raises(ValidationError):
        applications.amount_of(value, "金额")

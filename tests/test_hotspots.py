"""Hot spots: categories and phrases whose count in the last days in a region is well above
their usual level, each with its orders; the quiet ones and the out-of-scope ones are not."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.workorders import hotspots
from fugong.workorders.models import Category, WorkOrder

NOW = timezone.make_aware(datetime.datetime(2026, 3, 1, 12, 0))


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="春季复工", region=cast.regions.yanbian, starts_on=datetime.date(2026, 1, 1)
    )


def orders(campaign, enterprise, text, label, days_ago, n=1):
    made = WorkOrder.objects.bulk_create(
        WorkOrder(
            campaign=campaign,
            enterprise=enterprise,
            text=text,
            channel="h5",
            proposed_label=label,
        )
        for _ in range(n)
    )
    for i, order in enumerate(made):  # created_at is auto_now_add: set the day afterwards
        at = NOW - datetime.timedelta(days=days_ago, hours=i % 5)
        WorkOrder.objects.filter(pk=order.pk).update(created_at=at)
    return [o.pk for o in made]


@pytest.fixture
def history(cast, campaign):
    """A steady month in 延吉 (a: 进学街道, a2: 北山街道), then gas cuts in 进学 this week."""
    for day in range(8, 36, 2):  # one order every second day before the window, steady
        orders(campaign, cast.a, "工人返不了岗，人手不够", "labour", day)
        orders(campaign, cast.a2, "资金周转困难，贷款到期", "finance", day + 1)
    recent_labour = orders(campaign, cast.a, "工人返不了岗，人手不够", "labour", 2, n=3)
    gas = orders(campaign, cast.a, "天然气限供，锅炉停了", "energy", 1, n=6)
    gas += orders(campaign, cast.a, "天然气限供了，车间停产", "energy", 3, n=2)
    tumen = orders(campaign, cast.b, "天然气限供，锅炉停了", "energy", 1, n=6)
    return {"gas": gas, "labour": recent_labour, "tumen": tumen}


def test_it_finds_the_rising_category_and_phrase_with_their_orders(cast, campaign, history):
    spots = hotspots.rising(cast.yanji, campaign, days=7, now=NOW)
    by_key = {(s.kind, s.key, s.region.name): s for s in spots}
    energy = by_key[("category", "energy", "延吉市")]
    assert energy.label == Category.objects.get(code="energy").name
    assert energy.count == 8 and sorted(energy.order_ids) == sorted(history["gas"])
    assert energy.ratio >= hotspots.MIN_RATIO and energy.p_value <= hotspots.ALPHA
    assert set(energy.orders().values_list("pk", flat=True)) == set(history["gas"])
    # the township where it happens is named too; the one where nothing changed is not
    assert ("category", "energy", "进学街道") in by_key
    assert not [s for s in spots if s.region.name == "北山街道"]
    phrase = by_key[("phrase", "天然气限供", "延吉市")]
    assert phrase.count == 8 and set(phrase.order_ids) == set(history["gas"])
    # "天然气" alone would drill down to the very same orders: listed once, as the longer phrase
    assert ("phrase", "天然气", "延吉市") not in by_key


def test_it_leaves_steady_categories_alone(cast, campaign, history):
    spots = hotspots.rising(cast.yanji, campaign, days=7, now=NOW)
    keys = {s.key for s in spots}
    # labour: 3 this week against a usual 3.5 a week; finance: as usual
    assert "labour" not in keys and "finance" not in keys
    assert "返不了岗" not in keys


def test_it_counts_only_what_the_user_may_see(cast, campaign, history):
    tumen = hotspots.rising(cast.tumen, campaign, days=7, now=NOW)
    assert {s.region.name for s in tumen} <= {"图们市", "向上街道"}
    assert any(s.key == "energy" and set(s.order_ids) == set(history["tumen"]) for s in tumen)
    outside = hotspots.rising(cast.tumen, campaign, cast.regions.yanji, days=7, now=NOW)
    assert outside == []
    assert hotspots.rising(cast.contact_b, campaign, cast.regions.yanji, now=NOW) == []


def test_a_young_campaign_needs_a_clear_burst(cast, campaign):
    young = Campaign.objects.create(
        name="新事件", region=cast.regions.yanbian, starts_on=(NOW - datetime.timedelta(2)).date()
    )
    orders(young, cast.a, "口罩不够用", "supplies", 1, n=3)
    assert not hotspots.rising(cast.yanji, young, days=7, now=NOW, phrases=False)
    orders(young, cast.a, "口罩不够用", "supplies", 1, n=9)
    spots = hotspots.rising(cast.yanji, young, days=7, now=NOW, phrases=False)
    assert [(s.key, s.count) for s in spots if s.region.name == "延吉市"] == [("supplies", 12)]


def test_the_poisson_tail_is_right_at_both_ends():
    assert hotspots.poisson_tail(0, 3.0) == 1.0
    assert abs(hotspots.poisson_tail(1, 2.0) - (1 - 2.718281828**-2)) < 1e-9
    assert hotspots.poisson_tail(2000, 1000.0) < 1e-12  # no overflow or underflow error
    assert hotspots.poisson_tail(900, 1000.0) > 0.99

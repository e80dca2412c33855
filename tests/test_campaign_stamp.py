"""A process keeps the campaign list while the campaign stamp is unchanged (issue 19: the
campaign lookup was a quarter of a gate check). Whatever writes campaigns or regions — `save`,
`QuerySet.update`, raw SQL as another server would send it, a move in the region tree — the
next lookup sees it; a rolled-back campaign is never served."""

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fugong.core.models import Campaign, CampaignStamp, Region
from fugong.core.services import campaign_for, campaigns_on

from .conftest import statements

TODAY = timezone.localdate()


def test_a_kept_list_costs_one_statement_and_any_write_renews_it(cast, campaign):
    assert campaign_for(cast.a, TODAY) == campaign
    found, count = statements(lambda: campaign_for(cast.a, TODAY))
    assert found == campaign and count == 1  # the stamp, nothing else

    Campaign.objects.filter(pk=campaign.pk).update(ends_on=TODAY - datetime.timedelta(days=1))
    assert campaign_for(cast.a, TODAY) is None  # QuerySet.update sends no signal

    with connection.cursor() as cursor:  # as another server would, bypassing the ORM
        cursor.execute("UPDATE core_campaign SET ends_on = NULL WHERE id = %s", [campaign.pk])
    assert campaign_for(cast.a, TODAY) == campaign

    later = Campaign.objects.create(name="第二轮", region=cast.regions.tumen, starts_on=TODAY)
    assert campaigns_on(TODAY, cast.b.region.path) == [later, campaign]
    assert campaigns_on(TODAY, cast.a.region.path) == [campaign]
    later.delete()
    assert campaigns_on(TODAY, cast.b.region.path) == [campaign]


def test_an_insert_that_ignores_conflicts_renews_the_stamp_too(cast):
    """On SQLite a trigger's statements take the firing statement's conflict policy: an
    INSERT OR IGNORE must not leave the stamp as it was."""
    before = CampaignStamp.objects.get().stamp
    Region.objects.bulk_create(
        [Region(code="222403", name="敦化市", level="county", parent=cast.regions.yanbian)],
        ignore_conflicts=True,
    )
    assert CampaignStamp.objects.get().stamp != before


def test_a_move_in_the_region_tree_moves_the_campaign(cast):
    on_yanji = Campaign.objects.create(name="延吉", region=cast.regions.yanji, starts_on=TODAY)
    assert campaign_for(cast.a, TODAY) == on_yanji
    assert campaign_for(cast.b, TODAY) is None
    tumen = cast.regions.tumen
    tumen.parent = cast.regions.yanji  # 图们 under 延吉, for the test's sake
    tumen.level = "township"
    tumen.save()  # the subtree's paths change by QuerySet.update
    cast.b.region.refresh_from_db()
    assert campaign_for(cast.b, TODAY) == on_yanji


def test_a_rolled_back_campaign_is_never_served(cast):
    with pytest.raises(RuntimeError), transaction.atomic():
        Campaign.objects.create(name="草稿", region=cast.regions.yanbian, starts_on=TODAY)
        assert campaign_for(cast.a, TODAY).name == "草稿"  # kept under this transaction's stamp
        raise RuntimeError
    assert campaign_for(cast.a, TODAY) is None


def test_callers_get_copies(cast, campaign):
    campaign_for(cast.a, TODAY).name = "改过"
    assert campaign_for(cast.a, TODAY).name == "本轮应急"


@pytest.mark.django_db(transaction=True)
def test_without_a_stamp_nothing_is_kept(cast):
    """A flush (a transactional test's teardown) removes the stamp row: every lookup reads
    afresh until a write to campaigns makes it again."""
    CampaignStamp.objects.all().delete()
    first = Campaign.objects.create(name="一", region=cast.regions.yanbian, starts_on=TODAY)
    assert CampaignStamp.objects.count() == 1  # the trigger made it
    CampaignStamp.objects.all().delete()
    assert campaign_for(cast.a, TODAY) == first
    found, count = statements(lambda: campaign_for(cast.a, TODAY))
    assert found == first and count == 2  # the stamp (none), then the campaigns

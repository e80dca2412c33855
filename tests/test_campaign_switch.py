"""The statistics and completeness pages open on the campaign running today in the user's
region, switch to another covering it with `?campaign=`, and say so when the campaign shown has
its daily-report module off."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.reporting.services import submit_report

TODAY = timezone.localdate()


@pytest.fixture
def campaigns(cast):
    old = Campaign.objects.create(
        name="2020年新冠疫情复工复产",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=40),
        ends_on=TODAY - datetime.timedelta(days=20),
    )
    day = TODAY - datetime.timedelta(days=25)
    submit_report(SYSTEM, cast.a, day, {"status": "full"})
    running = Campaign.objects.create(
        name="本轮暴雨灾后复产",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=3),
        modules=["workorders"],
    )
    return old, running


@pytest.mark.parametrize("url", ["/stats/", "/completeness/"])
def test_it_opens_on_the_running_campaign_and_says_reports_are_off(cast, campaigns, login, url):
    old, running = campaigns
    html = login(cast.zhuanban).get(url).content.decode()
    assert 'id="reports-off"' in html and running.name in html.split('id="reports-off"')[1]
    assert f'<option value="{running.pk}" selected>' in html
    assert f'<option value="{old.pk}">' in html
    assert 'id="figures"' not in html and 'id="missing"' not in html


def test_it_switches_to_the_2020_campaign_and_shows_its_figures(cast, campaigns, login):
    old, _running = campaigns
    client = login(cast.zhuanban)
    html = client.get(f"/stats/?campaign={old.pk}").content.decode()
    assert 'id="reports-off"' not in html
    assert f'<option value="{old.pk}" selected>' in html
    assert old.name in html and 'class="fg-figure-value">1<small>/' in html
    page = client.get(f"/completeness/?campaign={old.pk}").content.decode()
    assert 'id="reports-off"' not in page and 'id="missing"' in page


def test_it_lists_only_campaigns_covering_the_users_region(cast, campaigns, login):
    elsewhere = Campaign.objects.create(
        name="别处的应急", region=cast.regions.tumen, starts_on=TODAY
    )
    html = login(cast.yanji).get("/stats/").content.decode()
    assert elsewhere.name not in html and campaigns[0].name in html

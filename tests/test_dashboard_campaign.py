"""The command-centre dashboard, like the statistics pages, opens on the campaign running today
in the user's region with the same switcher; a campaign whose daily-report module is off says so
where the resumption figures would be, and its work orders, applications and passes still show;
switching to the 2020 campaign shows its figures, and a date asked for opens the campaign that
ran on it."""

import pytest
from django.utils import timezone

from fugong.workorders.services import create_order

from .test_campaign_switch import campaigns  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_it_opens_on_the_running_campaign_and_says_reports_are_off(cast, campaigns, login):  # noqa: F811
    old, running = campaigns
    order = create_order(cast.contact_a, running, cast.a, "缺少口罩两千只", "h5")
    response = login(cast.zhuanban).get("/dashboard/")
    html = response.content.decode()
    assert response.context["query"].campaign == running
    assert 'id="reports-off"' in html and running.name in html.split('id="reports-off"')[1]
    assert (
        f'<option value="{running.pk}" selected>' in html and f'<option value="{old.pk}">' in html
    )
    assert 'id="key-figures"' not in html and 'id="chart-regions"' not in html
    assert response.context["orders"]["totals"]["open"] == 1  # the running campaign's order
    assert order.campaign == running


def test_it_switches_to_the_2020_campaign_and_shows_its_figures(cast, campaigns, login):  # noqa: F811
    old, _running = campaigns
    client = login(cast.zhuanban)
    response = client.get(f"/dashboard/?campaign={old.pk}")
    html = response.content.decode()
    assert 'id="reports-off"' not in html and 'id="key-figures"' in html
    assert f'<option value="{old.pk}" selected>' in html
    assert response.context["figures"]["resumed"] == 1
    day = old.starts_on + (old.ends_on - old.starts_on) / 2
    by_date = client.get(f"/dashboard/?date={day.isoformat()}")
    assert by_date.context["query"].campaign == old
    assert by_date.context["query"].day == day


def test_it_keeps_the_switch_to_campaigns_covering_the_region(cast, campaigns, login):  # noqa: F811
    from fugong.core.models import Campaign

    elsewhere = Campaign.objects.create(
        name="别处的应急", region=cast.regions.tumen, starts_on=timezone.localdate()
    )
    html = login(cast.yanji).get("/dashboard/").content.decode()
    assert elsewhere.name not in html and campaigns[0].name in html
    assert login(cast.yanji).get(f"/dashboard/?campaign={elsewhere.pk}").status_code == 200

"""Figures agree with lists, in every scope (issue 13): on the demo city, for each government
role — the prefecture's and a county's command centre, a department, a township, a park and a
commissioner — the dashboard's figures (passes issued, applications approved and pending, open
work orders, enterprises) and the township's home (who has not reported, what awaits its
review, open orders) equal the counts of the list pages the same user opens, and the API's."""

import pytest
from django.core.management import call_command

from fugong.core.models import Campaign, User
from fugong.registry.demo import LIVE_CAMPAIGN
from fugong.registry.models import Enterprise
from fugong.workorders.services import create_order

pytestmark = pytest.mark.django_db
GOVERNMENT = ["zhuanban", "yanji", "gongxin", "jiaotong", "jinxue", "gaoxin", "tepaiyuan"]


@pytest.fixture
def demo():
    """The demo city (40 enterprises), with open work orders spread over it in the running
    campaign (the demo itself files none)."""
    call_command("demo", "--quiet", "--enterprises", "40")
    User.objects.update(must_change_password=False)
    live = Campaign.objects.get(name=LIVE_CAMPAIGN)
    admin = User.objects.get(username="admin")
    for enterprise in Enterprise.objects.order_by("pk"):
        create_order(admin, live, enterprise, "缺少口罩两千只，货车进不了城", "hotline")
    return live


def listed(client, url):
    """The number of rows a list page says it holds (its paginator's count)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def api_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.json()
    return body["count"] if isinstance(body, dict) else len(body)


@pytest.mark.parametrize("username", GOVERNMENT)
def test_it_shows_figures_that_agree_with_the_lists(demo, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    context = page.context
    assert context["query"].campaign == demo  # opens on the campaign running today

    passes = context["passes"]["total"]
    issued = listed(client, "/passes/?state=approved") + listed(client, "/passes/?state=revoked")
    assert passes == issued, (username, "passes", passes, issued)

    applications = context["applications"]
    approved = sum(row["approved"] for row in applications)
    pending = sum(row["pending"] for row in applications)
    assert approved == listed(client, "/applications/?state=approved"), (username, "approved")
    waiting = listed(client, "/applications/?state=submitted") + listed(
        client, "/applications/?state=first_approved"
    )
    assert pending == waiting, (username, "pending", pending, waiting)

    open_orders = context["orders"]["totals"]["open"]
    assert open_orders == listed(client, "/workorders/?view=open"), (username, "orders")
    assert open_orders > 0 or username in ("jiaotong", "gongxin")

    enterprises = context["figures"]["enterprises"]
    assert enterprises == listed(client, "/enterprises/"), (username, "enterprises")
    assert enterprises == api_count(client, "/api/v1/enterprises?limit=1"), (username, "api")


@pytest.mark.parametrize("username", ["jinxue", "gaoxin"])
def test_it_gives_the_township_home_the_counts_of_its_lists(demo, client, username):
    client.force_login(User.objects.get(username=username))
    home = client.get("/").context
    completeness = client.get("/completeness/").context
    assert home["missing_count"] == len(completeness["missing"]), username
    assert home["orders_count"] == listed(client, "/workorders/?view=open"), username
    assert home["applications_count"] == listed(client, "/applications/?view=todo"), username
    assert home["query"].campaign == demo

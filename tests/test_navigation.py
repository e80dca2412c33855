"""The navigation offers each role only what it may open: every entry a role sees answers 200,
and the pages a role may not open (导入群聊记录 for departments, commissioners and
checkpoints) are not offered."""

import pytest

from fugong.core.models import Role
from fugong.dashboard.navigation import MAX_TABS, menu_for, visible_items

from .factories import enterprise_user

ROLES = ("admin", "zhuanban", "department", "township", "commissioner", "contact_a", "checkpoint")


@pytest.fixture
def everyone(cast):
    people = {name: getattr(cast, name) for name in ROLES}
    people["health_officer"] = enterprise_user("fangyi", cast.a, role=Role.HEALTH_OFFICER)
    return people


@pytest.mark.parametrize("who", [*ROLES, "health_officer"])
def test_it_offers_only_pages_that_open(everyone, client, who):
    user = everyone[who]
    client.force_login(user)
    items = visible_items(user)
    assert items
    for item in items:
        r = client.get(item.href)
        assert r.status_code == 200, f"{who}: {item.label} {item.href} → {r.status_code}"
    menu = menu_for(user, "/")
    assert 1 <= len(menu["tabs"]) <= MAX_TABS
    if user.works_on_phone:
        assert menu["tabs"][-1].url == "core:profile"


@pytest.mark.parametrize("who", ["department", "commissioner", "checkpoint"])
def test_it_hides_the_chat_import_from_roles_it_refuses(everyone, client, who):
    user = everyone[who]
    client.force_login(user)
    assert "workorders:chat_import" not in {i.url for i in visible_items(user)}
    assert client.get("/workorders/chat/").status_code == 403
    assert "/workorders/chat/" not in client.get("/inbox/").content.decode()


def test_it_draws_the_desk_menu_grouped_by_domain(cast, client):
    client.force_login(cast.yanji)
    body = client.get("/workorders/").content.decode()
    for group in ("监测", "企业", "工单", "审批", "健康", "系统"):
        assert f'<span class="fg-nav-group-label">{group}</span>' in body
    assert 'aria-current="page">问题工单' in body.replace("\n", "")  # the breadcrumb
    assert "/workorders/chat/" in body and 'id="inbox-link"' in body


def test_it_gives_phone_roles_a_bottom_bar(cast, client):
    client.force_login(cast.contact_a)
    body = client.get("/problems/").content.decode()
    assert 'class="fg-tabs' in body and "fg-sidebar" not in body
    assert body.count('id="inbox-link"') == 1
    tabs = body.split('class="fg-tabs', 1)[1].split("</nav>", 1)[0]
    assert tabs.count("<a ") <= MAX_TABS and "日报" in tabs and "我的" in tabs


def test_it_sends_nobody_to_a_page_the_checkpoint_cannot_open(everyone, client):
    client.force_login(everyone["checkpoint"])
    urls = {i.url for i in visible_items(everyone["checkpoint"])}
    assert "passes:check" in urls and "reporting:stats" not in urls
    assert "dashboard:dashboard" not in urls

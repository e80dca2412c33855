"""The navigation, in one place: every menu entry with the page it opens, its group and who may
see it. A role sees only the entries whose pages it may open (tests/test_navigation.py opens
every visible entry for every role and expects 200); the government desk gets them as a side
menu grouped by domain, the phone roles get their first five `tab` entries as a bottom bar and
the rest in the header's menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fugong.core.excel import IMPORTERS
from fugong.registry.models import enterprise_id_of

if TYPE_CHECKING:
    from django.http import HttpRequest

    from fugong.core.permissions import Actor


GROUPS = {
    "monitor": _("监测"),
    "enterprise": _("企业"),
    "workorders": _("工单"),
    "approvals": _("审批"),
    "services": _("惠企服务"),
    "health": _("健康"),
    "oversight": _("督导"),
    "system": _("系统"),
}
MAX_TABS = 5


def _government(user: Actor) -> bool:
    return user.is_government


def _desk(user: Actor) -> bool:
    """Government users other than the checkpoint (whose work is the pass check alone)."""
    return user.is_government and not user.is_checkpoint


def _enterprise(user: Actor) -> bool:
    return bool(enterprise_id_of(user))


def _desk_or_bank(user: Actor) -> bool:
    """The government desk and the banks' account managers (融资对接)."""
    return _desk(user) or user.is_bank


def _any_import(user: Actor) -> bool:
    return any(importer.allowed(user) for importer in IMPORTERS.values())


@dataclass(frozen=True)
class Item:
    url: str  # URL name
    label: str
    group: str  # a key of GROUPS
    may: Callable[..., bool]  # the user may open the page (and needs it)
    icon: str = "list-details"  # a symbol of vendor/tabler-icons/sprite.svg
    tab: bool | Callable[..., bool] = False  # offered in the phone's bottom bar (to whom)
    short: str = ""  # the bottom bar's label, when shorter than the menu's

    def is_tab_for(self, user: Actor) -> bool:
        return self.tab(user) if callable(self.tab) else self.tab

    @property
    def href(self) -> str:
        return reverse(self.url)


ITEMS = [
    # the government desk
    Item("dashboard:dashboard", _("驾驶舱"), "monitor", lambda u: u.sees_figures, "gauge", True),
    Item("reporting:stats", _("复工统计"), "monitor", lambda u: u.sees_figures, "chart-bar"),
    Item(
        "reporting:completeness",
        _("填报情况"),
        "monitor",
        lambda u: u.sees_figures,
        "clipboard-check",
    ),
    Item(
        "reporting:confirm",
        _("日报审核"),
        "monitor",
        lambda u: u.sees_figures and u.confirms_reports,
        "circle-check",
    ),
    Item(
        "dashboard:brief_subscription",
        _("日报推送"),
        "monitor",
        lambda u: u.sees_figures and u.unit_id is not None,
        "bell",
    ),
    Item("dashboard:map", _("复工地图"), "monitor", lambda u: u.sees_figures, "map-2"),
    Item("dashboard:power", _("电力核查"), "monitor", lambda u: u.sees_figures, "report-analytics"),
    Item(
        "workorders:assigned",
        _("我的包保企业"),
        "enterprise",
        lambda u: u.is_commissioner,
        "briefcase",
        True,
        _("包保"),
    ),
    Item(
        "registry:enterprise_list", _("企业名录"), "enterprise", _desk, "building-factory-2", True
    ),
    Item("registry:list_index", _("名单"), "enterprise", _desk, "list-details"),
    Item("registry:assignment_list", _("包保责任"), "enterprise", _desk, "users-group"),
    Item("workorders:queue", _("问题工单"), "workorders", _desk, "ticket", True, _("工单")),
    Item("workorders:board", _("工单看板"), "workorders", _desk, "layout-kanban"),
    Item("workorders:groups", _("共性问题"), "workorders", _desk, "stack-2"),
    Item("workorders:catalogue", _("派单目录"), "workorders", lambda u: u.coordinates, "sitemap"),
    Item(
        "workorders:scorecard",
        _("工单考核"),
        "workorders",
        lambda u: u.is_admin or (u.sees_figures and u.is_region_scoped),
        "report-analytics",
    ),
    Item(
        "workorders:chat_import",
        _("导入群聊记录"),
        "workorders",
        lambda u: u.coordinates,
        "message-2",
    ),
    Item("approvals:index", _("复工备案"), "approvals", _desk, "file-certificate"),
    Item("policies:library", _("惠企政策"), "approvals", _desk, "briefcase"),
    Item("policies:applications", _("政策申报"), "approvals", _desk, "clipboard-check"),
    Item("approvals:closed_loop", _("闭环生产名单"), "approvals", _desk, "shield-check"),
    Item(
        "passes:check",
        _("核验通行证"),
        "approvals",
        _government,
        "scan",
        True,
        _("核验"),
    ),
    Item("passes:index", _("通行证"), "approvals", _government, "id-badge-2", True),
    Item("financing:index", _("融资对接"), "services", _desk_or_bank, "briefcase"),
    Item("financing:totals", _("融资汇总"), "services", _desk_or_bank, "chart-bar"),
    Item("supplies:index", _("点单代购"), "services", _desk, "list-details"),
    Item("supplies:townships", _("各街镇代购"), "services", _desk, "map-2"),
    Item("consultations:index", _("代帮办热线"), "services", _desk, "message-2"),
    Item("workforce:index", _("用工与通勤"), "services", _desk, "users-group"),
    Item("workforce:buses", _("返岗包车"), "services", _desk, "id-badge-2"),
    Item("workforce:lines", _("定制公交"), "services", _desk, "map-2"),
    Item("health:index", _("员工健康"), "health", _desk, "heart-rate-monitor"),
    Item("health:grants", _("流调授权"), "health", _desk, "first-aid-kit"),
    Item("inspections:plans", _("督导检查"), "oversight", _desk, "clipboard-check"),
    Item("inspections:mine", _("我的检查任务"), "oversight", _desk, "list-details"),
    Item("inspections:rectifications", _("整改台账"), "oversight", _desk, "circle-check"),
    Item("inspections:figures", _("检查统计"), "oversight", _desk, "chart-bar"),
    Item("projects:list", _("重点项目"), "oversight", _desk, "building-factory-2"),
    Item("projects:chains", _("产业链供应链"), "oversight", _desk, "sitemap"),
    Item("core:region_tree", _("行政区划"), "system", _desk, "map-2"),
    Item("core:unit_list", _("单位与用户"), "system", _desk, "sitemap"),
    Item("core:import_index", _("数据导入"), "system", _any_import, "upload"),
    # the enterprise's phone
    Item(
        "reporting:report_form",
        _("企业日报"),
        "monitor",
        lambda u: _enterprise(u) and u.may_report,
        "report-analytics",
        lambda u: not u.is_health_officer,
        _("日报"),
    ),
    Item(
        "workorders:my_problems",
        _("我的问题"),
        "workorders",
        _enterprise,
        "ticket",
        True,
        _("问题"),
    ),
    Item(
        "approvals:index",
        _("复工申请"),
        "approvals",
        lambda u: u.works_for_enterprise,
        "file-certificate",
        lambda u: not u.is_health_officer,
        _("申请"),
    ),
    Item(
        "passes:index",
        _("通行证"),
        "approvals",
        lambda u: u.works_for_enterprise,
        "id-badge-2",
        lambda u: not u.is_health_officer,
    ),
    Item(
        "health:declarations",
        _("今日申报"),
        "health",
        _enterprise,
        "heart-rate-monitor",
        lambda u: u.is_health_officer,
        _("申报"),
    ),
    Item(
        "health:roster",
        _("员工名册"),
        "health",
        _enterprise,
        "users-group",
        lambda u: u.is_health_officer,
        _("名册"),
    ),
    Item(
        "health:gate", _("门岗"), "health", _enterprise, "door-enter", lambda u: u.is_health_officer
    ),
    Item(
        "health:index",
        _("员工健康"),
        "health",
        lambda u: u.works_for_enterprise,
        "first-aid-kit",
    ),
    Item("registry:enterprise_list", _("企业信息"), "enterprise", lambda u: u.works_for_enterprise),
    Item("policies:library", _("惠企政策"), "enterprise", _enterprise, "briefcase"),
    Item("financing:index", _("融资需求"), "services", _enterprise, "report-analytics"),
    Item("supplies:index", _("生活物资代购"), "services", _enterprise, "list-details"),
    Item("consultations:index", _("代帮办热线"), "services", _enterprise, "message-2"),
    Item("inspections:rectifications", _("检查整改"), "oversight", _enterprise, "circle-check"),
    Item("workforce:index", _("用工与通勤"), "services", _enterprise, "users-group"),
    # everyone
    Item("core:inbox", _("消息"), "system", lambda u: True, "bell"),
    Item("core:profile", _("我的账号"), "system", lambda u: True, "user", True, _("我的")),
]


def visible_items(user: Actor) -> list[Item]:
    """The entries `user` may open, in menu order."""
    if not user.is_authenticated:
        return []
    return [item for item in ITEMS if item.may(user)]


def menu_for(user: Actor, path: str = "") -> dict:
    """What base.html draws: the groups of the side menu, the bottom tabs (at most five, the
    account last), the rest for the phone's header menu, the active entry, and the role's
    home (the brand's link: never a page that answers 403)."""
    items = visible_items(user)
    active = None
    for item in items:  # the longest matching prefix is the page's entry
        href = item.href
        if (path == href or (href != "/" and path.startswith(href))) and (
            active is None or len(href) > len(active.href)
        ):
            active = item
    groups = [
        {"key": key, "label": label, "items": [i for i in items if i.group == key]}
        for key, label in GROUPS.items()
    ]
    tabs = [i for i in items if i.is_tab_for(user)]
    if len(tabs) > MAX_TABS:
        tabs = tabs[: MAX_TABS - 1] + tabs[-1:]
    first = tabs[0] if tabs else (items[0] if items else None)
    # the desk's brand goes to the role's home (`/`, never a 403: see homes.py)
    home = (first.href if first else reverse("core:profile")) if user.works_on_phone else "/"
    return {
        "home": home,
        "groups": [g for g in groups if g["items"]],
        "tabs": tabs,
        "more": [i for i in items if i not in tabs],
        "active": active,
    }


def navigation(request: HttpRequest) -> dict:
    """Context processor (settings.TEMPLATES): the menu of the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": menu_for(user, request.path)}

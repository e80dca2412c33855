"""Supply-chain use-cases, each one transaction: a key supplier or customer recorded (a registry
enterprise, or a named firm elsewhere with its city); a blocked link raised as an issue routed
to the unit that can act (told in-app and on its group bot), with coordination requests to
another city's command centre recorded with their answers; the link open again once its issues
are resolved; and the chains with blocked links for the dashboard."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.models import Unit
from fugong.core.outbox import announce, announce_to_units
from fugong.core.permissions import person
from fugong.core.services import Workflow, units_above
from fugong.registry.models import Enterprise, enterprise_id_of

from .models import CoordinationRequest, LinkIssue, SupplyLink

LINK_FLOW = Workflow(
    {
        "block": ((SupplyLink.State.NORMAL, SupplyLink.State.BLOCKED), SupplyLink.State.BLOCKED),
        "unblock": ((SupplyLink.State.BLOCKED,), SupplyLink.State.NORMAL),
    }
)
ISSUE_FLOW = Workflow({"resolve": ((LinkIssue.State.OPEN,), LinkIssue.State.RESOLVED)})
REQUEST_FLOW = Workflow(
    {"answer": ((CoordinationRequest.State.SENT,), CoordinationRequest.State.ANSWERED)}
)


def may_edit(user: Any, enterprise: Enterprise) -> bool:
    """Records the enterprise's links: a coordinating officer in scope, or its own account."""
    if not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists():
        return False
    return bool(user.coordinates) or enterprise_id_of(user) == enterprise.pk


@transaction.atomic
def add_link(user: Any, enterprise: Enterprise, data: dict) -> SupplyLink:
    if not may_edit(user, enterprise):
        raise PermissionError(_("您不能编辑该企业的供应链"))
    errors = {}
    direction = data.get("direction")
    if direction not in SupplyLink.Direction.values:
        errors["direction"] = _("请选择上游供应商或下游客户")
    goods = (data.get("goods") or "").strip()
    if not goods:
        errors["goods"] = _("请填写产品或物料")
    uscc = (data.get("partner_uscc") or "").strip().upper()
    name = (data.get("partner_name") or "").strip()
    city = (data.get("partner_city") or "").strip()
    partner = Enterprise.objects.filter(uscc=uscc).first() if uscc else None
    if uscc and partner is None:
        errors["partner_uscc"] = _("平台名录中没有统一社会信用代码为 %(u)s 的企业") % {"u": uscc}
    elif partner is None and not (name and city):
        errors["partner_name"] = _("请填写本地企业的统一社会信用代码，或外地企业的名称和所在城市")
    elif partner is not None and partner.pk == enterprise.pk:
        errors["partner_uscc"] = _("不能把企业本身列为上下游")
    if errors:
        raise ValidationError(errors)
    return SupplyLink.objects.create(
        enterprise=enterprise,
        direction=direction,
        partner=partner,
        partner_name="" if partner else name[:200],
        partner_city="" if partner else city[:50],
        goods=goods[:100],
    )


def unit_that_can_act(link: SupplyLink) -> Unit | None:
    """The default unit for a blocked link: the partner's township or park when it is in the
    registry, else the command centre nearest the enterprise (which coordinates with the other
    city)."""
    if link.partner_id:
        found = units_above(link.partner.region, kind__in=(Unit.Kind.TOWNSHIP, Unit.Kind.PARK))
        if found:
            return found[0]
    found = units_above(link.enterprise.region, kind=Unit.Kind.COMMAND_CENTRE)
    return found[0] if found else None


def _request(user: Any, issue: LinkIssue, city: str, centre: str, text: str) -> CoordinationRequest:
    errors = {}
    if not city.strip():
        errors["city"] = _("请填写协调城市")
    if not centre.strip():
        errors["centre"] = _("请填写对方指挥部")
    if not text.strip():
        errors["request"] = _("请写明协调事项")
    if errors:
        raise ValidationError(errors)
    return CoordinationRequest.objects.create(
        issue=issue,
        city=city.strip()[:50],
        centre=centre.strip()[:100],
        request=text.strip()[:2000],
        sent_by=person(user),
    )


@transaction.atomic
def block_link(
    user: Any,
    link: SupplyLink,
    version: int,
    text: str,
    unit: Unit | None = None,
    *,
    city: str = "",
    centre: str = "",
    request: str = "",
) -> LinkIssue:
    """The link is blocked: an issue routed to `unit` (by default the unit that can act), and
    when `city` is given a coordination request to that city's command centre."""
    if not may_edit(user, link.enterprise):
        raise PermissionError(_("您不能为该企业反映供应链问题"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请写明受阻情况")})
    unit = unit or unit_that_can_act(link)
    if unit is None:
        raise ValidationError({"unit": _("请选择承办单位")})
    link = LINK_FLOW.move(link, version, "block", user=user, comment=text)
    issue = LinkIssue.objects.create(
        link=link, enterprise=link.enterprise, text=text[:2000], unit=unit, raised_by=person(user)
    )
    if city or centre or request:
        _request(user, issue, city, centre, request or text)
    announce_to_units(
        [unit],
        kind="supply_chain",
        title=_("供应链受阻：%(e)s ← %(p)s") % {"e": link.enterprise.name, "p": link.partner_label},
        body=text,
        url=f"/chains/issues/{issue.pk}/",
    )
    return issue


@transaction.atomic
def request_coordination(
    user: Any, issue: LinkIssue, city: str, centre: str, text: str
) -> CoordinationRequest:
    if not user.is_government:
        raise PermissionError(_("只有政府用户可以发出跨市协调"))
    return _request(user, issue, city, centre, text)


@transaction.atomic
def record_answer(
    user: Any, request: CoordinationRequest, version: int, answer: str, by: str
) -> CoordinationRequest:
    """The other city's answer, as the officer received it; the issue's unit is told."""
    if not user.is_government:
        raise PermissionError(_("只有政府用户可以登记对方答复"))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写对方答复")})
    request = REQUEST_FLOW.move(
        request,
        version,
        "answer",
        user=user,
        comment=answer,
        answer=answer[:2000],
        answered_by=(by or "").strip()[:50],
        answered_at=timezone.now(),
    )
    issue = request.issue
    announce_to_units(
        [issue.unit],
        kind="supply_chain",
        title=_("%(c)s已答复协调：%(e)s") % {"c": request.city, "e": issue.enterprise.name},
        body=answer,
        url=f"/chains/issues/{issue.pk}/",
    )
    return request


@transaction.atomic
def resolve_issue(user: Any, issue: LinkIssue, version: int, resolution: str) -> LinkIssue:
    """The link is open again (畅通) once none of its issues is open; the enterprise is told."""
    if not user.is_government:
        raise PermissionError(_("只有政府用户可以确认打通"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("请写明打通情况")})
    issue = ISSUE_FLOW.move(
        issue,
        version,
        "resolve",
        user=user,
        comment=resolution,
        resolution=resolution[:2000],
        resolved_at=timezone.now(),
    )
    link = issue.link
    if not link.issues.filter(state=LinkIssue.State.OPEN).exists():
        LINK_FLOW.move(link, link.version, "unblock", user=user, comment=resolution)
    announce(
        issue.enterprise.active_users(),
        kind="supply_chain",
        title=_("供应链已打通：%(p)s") % {"p": link.partner_label},
        body=resolution,
        url=f"/chains/{issue.enterprise_id}/",
    )
    return issue


def chains_for(user: Any, blocked_only: bool = False) -> QuerySet:
    """Enterprises in scope with links, with their link counts, blocked ones first."""
    qs = (
        Enterprise.objects.visible_to(user)
        .filter(supply_links__isnull=False)
        .annotate(
            links=Count("supply_links", distinct=True),
            blocked=Count("supply_links", filter=Q(supply_links__state="blocked"), distinct=True),
        )
        .select_related("region")
        .order_by("-blocked", "name", "id")
    )
    return qs.filter(blocked__gt=0) if blocked_only else qs


def export_links(qs: QuerySet) -> bytes:
    headers = [
        _("企业"),
        _("统一社会信用代码"),
        _("方向"),
        _("上下游企业"),
        _("产品/物料"),
        _("状态"),
        _("受阻情况"),
        _("承办单位"),
    ]
    rows = []
    for link in qs.select_related("enterprise", "partner").prefetch_related("issues__unit"):
        issue = next((i for i in link.issues.all() if i.state == "open"), None)
        rows.append(
            [
                link.enterprise.name,
                link.enterprise.uscc,
                link.get_direction_display(),
                link.partner_label,
                link.goods,
                link.get_state_display(),
                issue.text if issue else "",
                issue.unit.name if issue else "",
            ]
        )
    return write_xlsx(_("产业链供应链"), headers, rows, widths=[30, 22, 12, 34, 16, 8, 40, 20])

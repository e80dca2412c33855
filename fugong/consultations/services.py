"""Consultation use-cases: configure a line, log a call against an enterprise (one
transaction); a call that needs action is sent on as `consultation_needs_action`, and the work
order the work-order app makes from it is kept on the call by id."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.inputs import BadInput, parse_int
from fugong.core.models import User
from fugong.core.permissions import person
from fugong.core.services import announce, announce_to_units, audit, record_step
from fugong.core.signals import consultation_needs_action
from fugong.registry.models import Enterprise, own_enterprise

from .models import Call, Line


def manages_lines(user: User) -> bool:
    """Command centres and administrators configure the lines."""
    return user.is_authenticated and user.creates_lists


def takes_calls(user: User) -> bool:
    """Government officers at a desk or in the field (not a checkpoint) log calls."""
    return user.is_authenticated and user.is_government and not user.is_checkpoint


def lines_for(user: User) -> QuerySet:
    """The lines a user is shown: an enterprise those serving its region, officers those of
    their region, above and below it; everyone else every active line."""
    enterprise = own_enterprise(user)
    if enterprise is not None:
        return Line.objects.serving(enterprise.region).select_related("region")
    region = user.scope_region
    lines = Line.objects.select_related("region", "unit")
    if region is not None:
        lines = lines.filter(Q(region__code__in=region.chain_codes) | region.subtree_q())
    return lines if manages_lines(user) else lines.filter(active=True)


@transaction.atomic
def save_line(user: User, line: Line) -> Line:
    if not manages_lines(user):
        raise PermissionError(_("只有指挥部可以配置代帮办热线"))
    creating = line.pk is None
    line.full_clean()
    line.save()
    audit(user, "create" if creating else "update", line)
    return line


def find_enterprise(user: User, key: str) -> Enterprise:
    """An enterprise in `user`'s scope by its USCC or exact name."""
    key = str(key or "").strip()
    if not key:
        raise ValidationError({"enterprise": _("请填写企业的统一社会信用代码或名称")})
    found = list(
        Enterprise.objects.visible_to(user)
        .filter(Q(uscc=key.upper()) | Q(name=key))
        .select_related("region")[:2]
    )
    if len(found) != 1:
        raise ValidationError(
            {
                "enterprise": _("权限范围内没有唯一的企业“%(k)s”，请填写统一社会信用代码")
                % {"k": key}
            }
        )
    return found[0]


@transaction.atomic
def log_call(user: User, data: Mapping, now: datetime | None = None) -> Call:
    """A call taken on a line: line, enterprise (USCC or name), caller, question, answer,
    minutes, taken_at (default now); with `needs_action`, what is to be done becomes a work
    order."""
    now = now or timezone.now()
    if not takes_calls(user):
        raise PermissionError(_("只有政府工作人员可以登记来电"))
    line = data.get("line")
    if not isinstance(line, Line) or not line.active:
        raise ValidationError({"line": _("请选择启用中的热线")})
    enterprise = data.get("enterprise")
    if not isinstance(enterprise, Enterprise):
        enterprise = find_enterprise(user, str(data.get("enterprise") or ""))
    if not enterprise.region.path.startswith(line.region.path):
        raise ValidationError({"line": _("该热线不服务企业所在区划")})
    question = str(data.get("question") or "").strip()[:5000]
    if not question:
        raise ValidationError({"question": _("请填写咨询内容")})
    needs_action = bool(data.get("needs_action"))
    action = str(data.get("action") or "").strip()[:2000]
    if needs_action and not action:
        raise ValidationError({"action": _("需要办理的来电须写明办理事项")})
    taken_at = data.get("taken_at") or now
    if isinstance(taken_at, datetime) and timezone.is_naive(taken_at):
        taken_at = timezone.make_aware(taken_at)
    if not isinstance(taken_at, datetime) or taken_at > now:
        raise ValidationError({"taken_at": _("来电时间不能晚于现在")})
    try:
        minutes = parse_int(data.get("minutes"), low=0, high=600)
    except BadInput as exc:
        raise ValidationError({"minutes": _("通话时长%(e)s") % {"e": exc}}) from exc
    call = Call.objects.create(
        line=line,
        enterprise=enterprise,
        caller=str(data.get("caller") or "").strip()[:50],
        question=question,
        answer=str(data.get("answer") or "").strip()[:5000],
        needs_action=needs_action,
        action=action if needs_action else "",
        minutes=minutes,
        taken_by=person(user),
        taken_at=taken_at,
    )
    record_step(call, "take", user, comment=line.name)
    audit(user, "create", call, detail={"line": line.pk, "needs_action": needs_action})
    if needs_action:
        _send_on(user, call)
    announce(
        enterprise.active_users(),
        kind="consultation",
        title=_("%(l)s：您的咨询已记录") % {"l": line.name},
        body=call.answer,
        url=f"/consultations/calls/{call.pk}/",
    )
    return call


def _send_on(user: User, call: Call) -> None:
    """Hand what needs doing to whoever makes work orders; keep the order's id."""
    text = _("【%(l)s来电】%(q)s\n需办理：%(a)s") % {
        "l": call.line.name,
        "q": call.question,
        "a": call.action,
    }
    responses = consultation_needs_action.send(
        sender=Call, user=user, enterprise=call.enterprise, text=text, source=f"call:{call.pk}"
    )
    made = [order for _receiver, order in responses if order is not None]
    if made:
        call.work_order_id = made[0].pk
        call.save(update_fields=["work_order_id"])
        record_step(call, "order", user, comment=_("转为工单 #%(n)d") % {"n": made[0].pk})
    else:
        announce_to_units(
            [call.line.unit],
            kind="consultation",
            title=_("来电需办理但未转为工单（无进行中的应急事件）：%(e)s") % {"e": call.enterprise},
            url=f"/consultations/calls/{call.pk}/",
        )


def calls_for(user: User, params: Mapping) -> QuerySet:
    qs = Call.objects.visible_to(user).select_related("line", "enterprise__region", "taken_by")
    if str(params.get("line") or "").isdigit():
        qs = qs.filter(line_id=int(params["line"]))
    if params.get("needs_action") == "1":
        qs = qs.filter(needs_action=True)
    return qs.order_by("-taken_at", "-id")


def counts_by_line(user: User) -> list[dict[str, Any]]:
    """Calls per line in the user's scope, and how many needed action."""
    rows = (
        Call.objects.visible_to(user)
        .values("line__name")
        .annotate(calls=Count("pk"), actions=Count("pk", filter=Q(needs_action=True)))
        .order_by("line__name")
    )
    return [{"line": r["line__name"], "calls": r["calls"], "actions": r["actions"]} for r in rows]


def export_calls(user: User, qs: QuerySet) -> bytes:
    headers = ["编号", "热线", "企业名称", "统一社会信用代码", "来电时间", "来电人", "咨询内容"]
    headers += ["答复", "需要办理", "工单编号", "接听人"]
    rows = [
        [
            call.pk,
            call.line.name,
            call.enterprise.name,
            call.enterprise.uscc,
            timezone.localtime(call.taken_at).strftime("%Y-%m-%d %H:%M"),
            call.caller,
            call.question,
            call.answer,
            "是" if call.needs_action else "否",
            call.work_order_id,
            str(call.taken_by or ""),
        ]
        for call in qs[:50000]
    ]
    audit(user, "export", target_type="consultations.call", detail={"rows": len(rows)})
    return write_xlsx("代帮办来电", headers, rows)

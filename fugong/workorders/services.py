"""Work-order use-cases. Every state change is one transaction, guarded by the order's version
(two officers acting at once: one wins, the other gets Conflict), recorded in the timeline and
the audit log, and notified."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.models import Role, Unit
from fugong.core.services import (
    Conflict,
    announce,
    announce_to_units,
    audit,
    campaign_for,
    units_above,
    working_deadline,
)
from fugong.core.uploads import attach, check_uploads
from fugong.registry.models import Enterprise, ListMembership

from . import triage
from .models import (
    ACTION_LABELS,
    OPEN_STATES,
    Category,
    Channel,
    Event,
    NeedLine,
    Priority,
    State,
    WorkOrder,
)

MAX_TEXT = 2000

DEFAULT_CATEGORIES = [
    ("logistics", "物流运输", "transport"),
    ("labour", "用工", "human_resources"),
    ("finance", "资金融资", "finance"),
    ("supplies", "防疫物资", "health"),
    ("materials", "原材料供应", "industry"),
    ("permits", "审批手续", "market"),
    ("prevention", "防控指导", "health"),
    ("energy", "能源要素", "energy"),
    ("infrastructure", "基础设施", "development"),
    ("policy", "政策咨询", "industry"),
    ("other", "其他", "other"),
]


def seed_categories(model=Category):
    """The default categories (the data migration passes its historical model)."""
    for position, (code, name, sector) in enumerate(DEFAULT_CATEGORIES):
        model.objects.get_or_create(
            code=code, defaults={"name": name, "sector": sector, "position": position}
        )


# --- intake ---------------------------------------------------------------------------------


def clean_text(text):
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("问题描述不能为空")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"text": _("问题描述最多 %(n)d 字，现为 %(m)d 字") % {"n": MAX_TEXT, "m": len(text)}}
        )
    return text


def clean_needs(needs):
    lines, errors = [], []
    for i, need in enumerate(needs or [], 1):
        kind = need.get("kind")
        if kind not in NeedLine.Kind.values:
            errors.append(_("第%(i)d项需求的种类不正确") % {"i": i})
            continue
        try:
            amount = parse_decimal(need.get("requested"))
        except BadInput:
            amount = None
        if amount is None or amount <= 0:
            errors.append(_("第%(i)d项需求数量应为正数") % {"i": i})
            continue
        if kind == NeedLine.Kind.OTHER and not (need.get("label") and need.get("unit")):
            errors.append(_("第%(i)d项“其他”需求须写明名称和单位") % {"i": i})
            continue
        lines.append(
            NeedLine(
                kind=kind,
                label=(need.get("label") or "")[:50],
                unit=need.get("unit") or NeedLine.UNITS.get(kind, ""),
                requested=amount,
            )
        )
    if errors:
        raise ValidationError({"needs": errors})
    return lines


def priority_for(enterprise, text):
    """Key, whitelist and closed-loop enterprises, and stopping production, come first."""
    stopping = any(w in text for w in ("停产", "停工", "断供", "无法生产", "停止生产"))
    listed = (
        ListMembership.objects.current()
        .filter(
            enterprise=enterprise, list__kind__in=["key", "city_whitelist", "province_whitelist"]
        )
        .exists()
    )
    if stopping and listed:
        return Priority.URGENT
    return Priority.HIGH if stopping or listed else Priority.NORMAL


@transaction.atomic
def create_order(user, campaign, enterprise, text, channel, needs=(), source="", files=()):
    """A new order from any channel; `files` are uploads (photos, documents), checked by
    content and size, kept as attachments."""
    if (
        user is not None
        and not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()
    ):
        raise PermissionError(_("该企业不在您的权限范围内"))
    text = clean_text(text)
    lines = clean_needs(needs)
    checked = check_uploads(list(files)) if files else []
    label, confidence = triage.propose(text)  # a proposal: officers confirm or correct it
    order = WorkOrder.objects.create(
        campaign=campaign,
        enterprise=enterprise,
        text=text,
        channel=channel,
        source=source,
        raised_by=user,
        priority=priority_for(enterprise, text),
        proposed_label=label,
        proposed_confidence=confidence,
    )
    for line in lines:
        line.order = order
    NeedLine.objects.bulk_create(lines)
    attach(user, order, checked)
    Event.objects.create(
        order=order,
        user=user,
        action="create",
        to_state=State.NEW,
        comment=_("来源：%(c)s") % {"c": order.get_channel_display()},
    )
    audit(user, "create", order, detail={"channel": channel})
    return order


REPORT_NEEDS = (
    ("masks_needed", "masks"),
    ("disinfectant_needed", "disinfectant"),
    ("thermometers_needed", "thermometers"),
    ("workers_short", "workers"),
    ("funding_needed", "loans"),
)


def intake_from_report(user, campaign, enterprise, day, report_id, values):
    """A daily report's difficulties and needs become a work order, unless the same text is
    already open from an earlier report of the enterprise. Called by the reporting app."""
    needs = [
        {"kind": kind, "requested": values.get(field)}
        for field, kind in REPORT_NEEDS
        if values.get(field)
    ]
    text = (values.get("difficulties") or "").strip()
    if not text and not needs:
        return None
    if not text:
        text = _("日报需求：") + "、".join(
            f"{NeedLine.Kind(n['kind']).label}{n['requested']}{NeedLine.UNITS[n['kind']]}"
            for n in needs
        )
    if WorkOrder.objects.filter(
        enterprise=enterprise,
        campaign=campaign,
        channel=Channel.REPORT,
        state__in=OPEN_STATES,
        text=text[:MAX_TEXT],
    ).exists():
        return None
    return create_order(
        None,
        campaign,
        enterprise,
        text[:MAX_TEXT],
        Channel.REPORT,
        needs,
        source=f"report:{report_id}:{day}",
    )


# --- routing and deadlines -----------------------------------------------------------------


def suggested_unit(order):
    """The nearest department of the category's sector in the enterprise's region chain."""
    if order.category is None or not order.category.sector:
        return None
    found = units_above(
        order.enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=order.category.sector
    )
    return found[0] if found else None


def deadline_for(order, now=None):
    """Working days from the campaign's SLA by priority (hours / 24, rounded up), ending at
    the close of the last day."""
    sla = order.campaign.sla or {}
    hours = (
        sla.get(f"workorder_hours_{order.priority}")
        or {Priority.URGENT: 24, Priority.HIGH: 48}.get(order.priority)
        or sla.get("workorder_hours", 72)
    )
    return working_deadline(hours, now)


# --- transitions ----------------------------------------------------------------------------

TRANSITIONS = {
    "triage": ((State.NEW, State.REOPENED), State.TRIAGED),
    "dispatch": ((State.NEW, State.TRIAGED, State.REOPENED), State.DISPATCHED),
    "return": ((State.DISPATCHED,), State.TRIAGED),
    "accept": ((State.DISPATCHED,), State.ACCEPTED),
    "start": ((State.ACCEPTED,), State.IN_PROGRESS),
    "resolve": ((State.ACCEPTED, State.IN_PROGRESS), State.RESOLVED),
    "close": ((State.RESOLVED,), State.CLOSED),
    "reopen": ((State.RESOLVED, State.CLOSED), State.REOPENED),
}


def allowed_actions(user, order):
    """The actions this user may take on the order now."""
    government = user.is_superuser or user.role in (Role.ADMIN, Role.COMMAND_CENTRE, Role.TOWNSHIP)
    at_unit = order.unit_id is not None and user.unit_id == order.unit_id
    own = user.role in (Role.ENTERPRISE, Role.HEALTH_OFFICER)
    rights = {
        "triage": government,
        "dispatch": government,
        "return": at_unit,
        "accept": at_unit,
        "start": at_unit,
        "resolve": at_unit or government,
        "close": own or government,
        "reopen": own or government,
    }
    return [a for a, (sources, _t) in TRANSITIONS.items() if order.state in sources and rights[a]]


@transaction.atomic
def transition(user, order, action, version, *, comment="", unit=None, category=None, rating=None):
    """Move the order by `action` if it still is at `version`; raise Conflict otherwise."""
    if action not in TRANSITIONS:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, order):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": order.get_state_display(), "a": ACTION_LABELS[action]}
        )
    sources, target = TRANSITIONS[action]
    changes = {"state": target, "version": F("version") + 1, "updated_at": timezone.now()}
    if action in ("triage", "dispatch"):
        # dispatching without a category accepts the classifier's proposal
        category = (
            category or order.category or Category.objects.filter(code=order.proposed_label).first()
        )
        if category is not None:
            changes["category"] = category
    if action == "dispatch":
        unit = unit or suggested_unit(order)
        if unit is None:
            raise ValidationError({"unit": _("请选择承办单位")})
        if not order.enterprise.region.path.startswith(unit.region.path):
            raise ValidationError({"unit": _("%(u)s 的辖区不包含该企业") % {"u": unit}})
        changes["unit"] = unit
        changes["deadline"] = deadline_for(order)
    if action == "resolve":
        changes["resolved_at"] = changes["updated_at"]
    if action == "return" and not comment.strip():
        raise ValidationError({"comment": _("退回必须说明理由")})
    if action == "close" and rating is not None:
        if not 1 <= int(rating) <= 5:
            raise ValidationError({"rating": _("评价应为 1 到 5 分")})
        changes["rating"], changes["rating_comment"] = int(rating), comment[:500]
    updated = WorkOrder.objects.filter(pk=order.pk, version=version, state__in=sources).update(
        **changes
    )
    if not updated:
        raise Conflict(_("该工单已被他人处理，请刷新后再试"))
    before = order.state
    order.refresh_from_db()
    Event.objects.create(
        order=order,
        user=user,
        action=action,
        from_state=before,
        to_state=order.state,
        unit=order.unit,
        comment=comment,
    )
    audit(user, "update", order, detail={"action": action, "from": before, "to": order.state})
    _notify_step(order, action, comment)
    return order


def _notify_step(order, action, comment=""):
    """Tell the right people of a step, in-app, by e-mail and on the unit's group bot: the
    unit when an order reaches it (dispatch, escalation, reopening, a deadline near, the
    enterprise's confirmation); the enterprise when its order moves; the dispatcher when the
    unit returns it."""
    title = _("工单 #%(n)d %(e)s：%(a)s") % {
        "n": order.pk,
        "e": order.enterprise.name,
        "a": ACTION_LABELS[action],
    }
    body = order.text[:200] + (f"\n{_('说明')}：{comment}" if comment else "")
    url = f"/workorders/{order.pk}/"
    enterprise_users = order.enterprise.active_users()
    if action in ("dispatch", "escalate", "reopen", "remind"):
        announce_to_units([order.unit], kind="workorder", title=title, body=body, url=url)
    elif action == "close" and order.unit_id:
        users = order.unit.users.filter(is_active=True)
        announce(users, kind="workorder", title=title, body=body, url=url)
    if action in ("accept", "start", "resolve", "escalate", "autoclose"):
        announce(enterprise_users, kind="workorder", title=title, body=body, url=url)
    if action == "return":
        dispatcher = (
            order.events.filter(action="dispatch", user__isnull=False).select_related("user").last()
        )
        announce(
            [dispatcher.user] if dispatcher else [],
            kind="workorder",
            title=title,
            body=body,
            url=url,
        )


def escalate_overdue(now=None):
    """Overdue open orders escalate (督办) to their unit's parent, then further up, each step
    recorded and notified with a new deadline. Returns the orders escalated."""
    now = now or timezone.now()
    done = []
    overdue = WorkOrder.objects.select_related("unit", "unit__parent", "campaign").filter(
        state__in=(State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS), deadline__lt=now
    )
    for order in overdue:
        parent = order.unit.parent if order.unit_id else None
        if parent is None:
            continue
        with transaction.atomic():
            updated = WorkOrder.objects.filter(pk=order.pk, version=order.version).update(
                unit=parent,
                state=State.DISPATCHED,
                escalations=F("escalations") + 1,
                version=F("version") + 1,
                deadline=deadline_for(order, now),
            )
            if not updated:
                continue
            order.refresh_from_db()
            Event.objects.create(
                order=order,
                action="escalate",
                to_state=order.state,
                unit=parent,
                comment=_("逾期未办结，督办至 %(u)s") % {"u": parent},
            )
            audit(None, "update", order, detail={"action": "escalate", "to": parent.code})
            _notify_step(order, "escalate")
        done.append(order)
    return done


REMIND_HOURS = 24  # a unit is reminded this long before an order's deadline


def remind_due_orders(now=None):
    """Remind the unit once per deadline of every open order due within REMIND_HOURS (campaign
    SLA `workorder_remind_hours`). Returns the orders reminded."""
    now = now or timezone.now()
    done = []
    due = WorkOrder.objects.select_related("unit", "campaign", "enterprise").filter(
        state__in=(State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS),
        deadline__gte=now,
        deadline__lte=now + timedelta(hours=72),
    )
    for order in due:
        hours = (order.campaign.sla or {}).get("workorder_remind_hours", REMIND_HOURS)
        if order.deadline > now + timedelta(hours=int(hours)):
            continue
        if order.reminded_for == order.deadline:
            continue
        with transaction.atomic():
            if not WorkOrder.objects.filter(pk=order.pk, version=order.version).update(
                reminded_for=order.deadline
            ):
                continue
            Event.objects.create(
                order=order,
                action="remind",
                to_state=order.state,
                unit=order.unit,
                comment=_("距办理时限 %(d)s 不足 %(h)s 小时")
                % {"d": timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M"), "h": hours},
            )
            _notify_step(order, "remind")
        done.append(order)
    return done


AUTOCLOSE_DAYS = 7  # a resolved order the enterprise does not confirm closes after this


def close_confirmed_by_silence(now=None):
    """Close resolved orders the enterprise has neither confirmed nor reopened within the
    campaign's `workorder_autoclose_days`. Returns the orders closed."""
    now = now or timezone.now()
    done = []
    resolved = WorkOrder.objects.select_related("campaign", "enterprise").filter(
        state=State.RESOLVED
    )
    for order in resolved:
        days = int((order.campaign.sla or {}).get("workorder_autoclose_days", AUTOCLOSE_DAYS))
        if (order.resolved_at or order.updated_at) > now - timedelta(days=days):
            continue
        with transaction.atomic():
            if not WorkOrder.objects.filter(
                pk=order.pk, version=order.version, state=State.RESOLVED
            ).update(state=State.CLOSED, version=F("version") + 1):
                continue
            order.refresh_from_db()
            Event.objects.create(
                order=order,
                action="autoclose",
                from_state=State.RESOLVED,
                to_state=State.CLOSED,
                comment=_("办结 %(n)d 天内企业未确认，自动关闭") % {"n": days},
            )
            audit(None, "update", order, detail={"action": "autoclose"})
            _notify_step(order, "autoclose")
        done.append(order)
    return done


# --- common problems (共性问题一并做) --------------------------------------------------------

SIMILARITY = 0.35
CANDIDATES = 2000  # the most recent open orders of the category are compared


def similar_open_orders(order, limit=5):
    """Open orders of the same campaign and (proposed) category whose text is similar, most
    similar first, as [(order, similarity)]."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    label = order.category.code if order.category_id else order.proposed_label
    candidates = list(
        WorkOrder.objects.filter(campaign=order.campaign_id, state__in=OPEN_STATES)
        .exclude(pk=order.pk)
        .filter(models_q_label(label))
        .select_related("enterprise")
        .order_by("-created_at")[:CANDIDATES]
    )
    if not candidates:
        return []
    texts = [order.text] + [c.text for c in candidates]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).fit_transform(texts)
    scores = linear_kernel(matrix[0:1], matrix[1:]).ravel()
    ranked = sorted(zip(candidates, scores, strict=True), key=lambda p: -p[1])
    return [(c, float(s)) for c, s in ranked[:limit] if s >= SIMILARITY]


def models_q_label(label):
    return Q(category__code=label) | Q(category__isnull=True, proposed_label=label)


def _may_group(user):
    if not (user.is_superuser or user.role in (Role.ADMIN, Role.COMMAND_CENTRE, Role.TOWNSHIP)):
        raise PermissionError(_("只有指挥部和街镇/园区可以合并共性问题"))


@transaction.atomic
def group_orders(user, orders, title=""):
    """Put orders into one common problem (the first's, if it has one)."""
    from .models import ProblemGroup

    _may_group(user)
    orders = list(orders)
    if len(orders) < 2 or len({o.campaign_id for o in orders}) != 1:
        raise ValidationError(_("共性问题至少包含同一应急事件的两张工单"))
    group = next((o.group for o in orders if o.group_id), None)
    if group is None:
        group = ProblemGroup.objects.create(
            campaign_id=orders[0].campaign_id,
            title=(title or orders[0].text)[:200],
            category=orders[0].category,
            created_by=user,
        )
    for o in orders:
        if o.group_id != group.pk:
            WorkOrder.objects.filter(pk=o.pk).update(group=group, version=F("version") + 1)
            Event.objects.create(
                order=o, user=user, action="group", comment=_("并入共性问题：%(g)s") % {"g": group}
            )
    audit(user, "update", group, detail={"orders": [o.pk for o in orders]})
    return group


@transaction.atomic
def edit_group(user, group, *, title=None, add=()):
    """Rename a common problem and/or add orders to it (orders leave it by split_order)."""
    _may_group(user)
    if title is not None:
        title = title.strip()
        if not title:
            raise ValidationError({"title": _("共性问题名称不能为空")})
        group.title = title[:200]
        group.save(update_fields=["title"])
        audit(user, "update", group, detail={"title": group.title})
    add = [o for o in add if o.group_id != group.pk]
    if add:
        if any(o.campaign_id != group.campaign_id for o in add):
            raise ValidationError(_("只能并入同一应急事件的工单"))
        if any(not o.is_open for o in add):
            raise ValidationError(_("已办结或关闭的工单不能并入共性问题"))
        for o in add:
            WorkOrder.objects.filter(pk=o.pk).update(group=group, version=F("version") + 1)
            Event.objects.create(
                order=o, user=user, action="group", comment=_("并入共性问题：%(g)s") % {"g": group}
            )
        audit(user, "update", group, detail={"added": [o.pk for o in add]})
    return group


@transaction.atomic
def split_order(user, order):
    """Take an order out of its common problem (特殊问题特殊办)."""
    _may_group(user)
    if not order.group_id:
        raise ValidationError(_("该工单不属于任何共性问题"))
    group = order.group
    WorkOrder.objects.filter(pk=order.pk).update(group=None, version=F("version") + 1)
    Event.objects.create(
        order=order, user=user, action="split", comment=_("移出共性问题：%(g)s") % {"g": group}
    )


@transaction.atomic
def transition_group(user, group, action, **kwargs):
    """Dispatch, resolve, … every member of a common problem that the user may see, as one:
    all or none."""
    members = list(
        WorkOrder.objects.visible_to(user)
        .filter(group=group, state__in=TRANSITIONS.get(action, ((), None))[0])
        .select_related("enterprise__region", "unit", "campaign")
    )
    if not members:
        raise ValidationError(
            _("共性问题中没有可以%(a)s的工单") % {"a": ACTION_LABELS.get(action, action)}
        )
    return [transition(user, o, action, o.version, **kwargs) for o in members]


@transaction.atomic
def deliver(user, line, amount, comment=""):
    """Record what was delivered against a need line; never more than was requested."""
    order = line.order
    at_unit = order.unit_id is not None and user.unit_id == order.unit_id
    if not (at_unit or user.is_superuser or user.role in (Role.ADMIN, Role.COMMAND_CENTRE)):
        raise PermissionError(_("只有承办单位和指挥部可以登记解决数量"))
    try:
        amount = parse_decimal(amount)
    except BadInput as exc:
        raise ValidationError({"amount": _("数量应为数字")}) from exc
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("数量应为正数")})
    locked = NeedLine.objects.select_for_update().get(pk=line.pk)
    if locked.delivered + amount > locked.requested:
        raise ValidationError(
            {
                "amount": _("累计解决数量（%(d)s）不能超过需求数量（%(r)s）")
                % {"d": locked.delivered + amount, "r": locked.requested}
            }
        )
    locked.delivered += amount
    locked.save(update_fields=["delivered"])
    Event.objects.create(
        order=order,
        user=user,
        action="deliver",
        comment=_("%(k)s 已解决 %(a)s%(u)s %(c)s")
        % {"k": locked.get_kind_display(), "a": amount, "u": locked.unit, "c": comment},
    )
    audit(user, "update", locked, detail={"delivered": str(amount)})
    return locked


# --- exported group chats -----------------------------------------------------------------


@dataclass
class ChatProposal:
    line: int
    sender: str
    text: str
    enterprise: object = None
    campaign: object = None
    reason: str = ""


def preview_chat(user, text):
    """What an exported chat would create: a proposal per message worth an order, with its
    enterprise and campaign, or the reason it cannot be attributed."""
    from . import chat
    from .models import ChatSender

    visible = (
        Enterprise.objects.visible_to(user) if user is not None else (Enterprise.objects.all())
    )
    senders = {
        s.name: s.enterprise
        for s in ChatSender.objects.select_related("enterprise__region").filter(
            enterprise__in=visible
        )
    }
    names = [(e.name, e) for e in visible.select_related("region")]
    out = []
    for message in chat.parse(text):
        if not chat.worth_an_order(message):
            continue
        proposal = ChatProposal(message.line, message.sender, message.text[:MAX_TEXT])
        proposal.enterprise = chat.attribute(message, senders, names)
        if proposal.enterprise is None:
            proposal.reason = _("无法对应到企业：请为“%(s)s”设置对应企业") % {"s": message.sender}
        else:
            day = message.at.date() if message.at else timezone.localdate()
            proposal.campaign = campaign_for(proposal.enterprise, day)
            if proposal.campaign is None:
                proposal.reason = _("%(d)s 没有覆盖该企业的应急事件") % {"d": day}
        out.append(proposal)
    return out


@transaction.atomic
def import_chat(user, proposals, lines=None):
    """Create the proposed orders (those on `lines`, or all good ones), skipping a text the
    enterprise already has open. Returns the orders created."""
    created = []
    for p in proposals:
        if p.reason or (lines is not None and p.line not in lines):
            continue
        if WorkOrder.objects.filter(
            enterprise=p.enterprise, state__in=OPEN_STATES, text=p.text
        ).exists():
            continue
        created.append(
            create_order(
                user,
                p.campaign,
                p.enterprise,
                p.text,
                Channel.CHAT,
                source=f"chat:{p.line}:{p.sender}"[:60],
            )
        )
    return created


@transaction.atomic
def map_sender(user, name, enterprise):
    from .models import ChatSender

    if (
        user is not None
        and not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists()
    ):
        raise PermissionError(_("该企业不在您的权限范围内"))
    mapping, _created = ChatSender.objects.update_or_create(
        name=name.strip()[:100], defaults={"enterprise": enterprise, "created_by": user}
    )
    audit(user, "update", mapping)
    return mapping


def _qty(value):
    return format(value.normalize(), "f")


def export_orders(user, qs) -> bytes:
    """A queue as .xlsx, as shown."""
    from fugong.core.excel import write_xlsx

    def rows():
        orders = qs.select_related("enterprise", "unit", "category", "group").prefetch_related(
            "needs"
        )
        for o in orders.iterator(chunk_size=2000):
            yield [
                o.pk,
                o.enterprise.uscc,
                o.enterprise.name,
                o.text,
                o.get_channel_display(),
                o.category.name if o.category_id else o.proposed_label,
                o.get_priority_display(),
                o.get_state_display(),
                str(o.unit or ""),
                timezone.localtime(o.deadline).strftime("%Y-%m-%d %H:%M") if o.deadline else "",
                o.escalations,
                str(o.group or ""),
                "；".join(
                    f"{n.get_kind_display()}{_qty(n.requested)}/{_qty(n.delivered)}{n.unit}"
                    for n in o.needs.all()
                ),
                timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                o.rating or "",
            ]

    data = write_xlsx(
        _("问题工单"),
        [
            "编号",
            "统一社会信用代码",
            "企业名称",
            "问题描述",
            "来源",
            "类别",
            "优先级",
            "状态",
            "承办单位",
            "办理时限",
            "督办次数",
            "共性问题",
            "需求(需求/已解决)",
            "提交时间",
            "评价",
        ],
        rows(),
        widths=[8, 22, 28, 40, 10, 10, 8, 8, 20, 16, 8, 20, 24, 16, 6],
    )
    audit(user, "export", target_type="workorders.workorder", detail={"format": "xlsx"})
    return data


def retrain_triage():
    """Retrain the triage model with every order whose category an officer set."""
    confirmed = WorkOrder.objects.filter(category__isnull=False).values_list(
        "text", "category__code"
    )
    return triage.retrain_with_confirmed(confirmed.iterator())


# --- queues and figures ---------------------------------------------------------------------

QUEUE_VIEWS = ("open", "mine", "overdue", "all")


def queue_for(user, params, now=None):
    """The orders a government user asked for: a view (open, mine = my unit's, overdue, all)
    narrowed by state, category and unit. Returns (queryset, view)."""
    now = now or timezone.now()
    qs = WorkOrder.objects.visible_to(user).select_related(
        "enterprise", "unit", "category", "group"
    )
    view = params.get("view") if params.get("view") in QUEUE_VIEWS else "open"
    if view == "mine":
        qs = qs.filter(unit=user.unit_id, state__in=OPEN_STATES)
    elif view == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, deadline__lt=now)
    elif view == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    if params.get("state") in State.values:
        qs = qs.filter(state=params["state"])
    if params.get("category"):
        qs = qs.filter(models_q_label(params["category"]))
    if str(params.get("unit", "")).isdigit():
        qs = qs.filter(unit=int(params["unit"]))
    return qs, view


def _median(values):
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def order_figures(user, campaign, now=None):
    """The dashboard's work-order figures in the user's scope for one campaign: open and
    overdue by unit and by category, median hours from submission to resolution, satisfaction
    per unit, the biggest common problems, and the needs requested and delivered."""
    from django.db.models import Avg, Count, Sum

    from .models import ProblemGroup

    now = now or timezone.now()
    qs = WorkOrder.objects.visible_to(user).filter(campaign=campaign)
    is_open = Q(state__in=OPEN_STATES)
    overdue = is_open & Q(deadline__lt=now)
    totals = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=is_open),
        overdue=Count("id", filter=overdue),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        avg_rating=Avg("rating"),
        rated=Count("rating"),
    )
    spans = qs.filter(resolved_at__isnull=False).values_list("unit_id", "created_at", "resolved_at")
    hours_by_unit = {}
    for unit_id, created, resolved in spans:
        hours_by_unit.setdefault(unit_id, []).append((resolved - created).total_seconds() / 3600)
    totals["median_hours"] = _median([h for hs in hours_by_unit.values() for h in hs])
    units = list(
        qs.filter(unit__isnull=False)
        .values("unit", "unit__name")
        .annotate(
            open=Count("id", filter=is_open),
            overdue=Count("id", filter=overdue),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            avg_rating=Avg("rating"),
            rated=Count("rating"),
        )
        .order_by("-open", "-overdue", "unit__name")
    )
    for row in units:
        row["median_hours"] = _median(hours_by_unit.get(row["unit"], []))
    categories = {c.code: c.name for c in Category.objects.all()}
    by_category = {}
    for cat, proposed, deadline in qs.filter(is_open).values_list(
        "category__code", "proposed_label", "deadline"
    ):
        code = cat or proposed or "other"
        row = by_category.setdefault(
            code, {"key": code, "label": categories.get(code, code), "open": 0, "overdue": 0}
        )
        row["open"] += 1
        row["overdue"] += bool(deadline and deadline < now)
    groups = list(
        ProblemGroup.objects.filter(campaign=campaign, members__in=qs.filter(is_open))
        .annotate(open=Count("members"), enterprises=Count("members__enterprise", distinct=True))
        .order_by("-open", "-created_at")[:8]
    )
    needs = list(
        NeedLine.objects.filter(order__in=qs)
        .values("kind", "label", "unit")
        .annotate(
            requested=Sum("requested"),
            delivered=Sum("delivered"),
            enterprises=Count("order__enterprise", distinct=True),
        )
        .order_by("kind", "label")
    )
    kinds = dict(NeedLine.Kind.choices)
    for row in needs:
        row["name"] = row["label"] or str(kinds.get(row["kind"], row["kind"]))
    return {
        "totals": totals,
        "units": units[:20],
        "categories": sorted(by_category.values(), key=lambda r: (-r["open"], r["label"])),
        "groups": groups,
        "needs": needs,
    }

"""Work-order use-cases: common problems (共性问题一并做)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from fugong.core.inputs import BadInput, parse_decimal
from fugong.core.models import User
from fugong.core.permissions import person
from fugong.core.services import (
    audit,
)

from ..models import (
    ACTION_LABELS,
    OPEN_STATES,
    Event,
    NeedLine,
    ProblemGroup,
    WorkOrder,
)
from .transitions import ALIASES, FLOW, transition

if TYPE_CHECKING:
    from typing import Any

SIMILARITY = 0.35
CANDIDATES = 2000  # the most recent open orders of the category are compared


def similar_open_orders(order: WorkOrder, limit: int = 5) -> list[tuple[WorkOrder, float]]:
    """Open orders of the same campaign and (proposed) category whose text is similar, most
    similar first, as [(order, similarity)]."""
    # deferred: scikit-learn is heavy and only the similarity search needs it
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


def models_q_label(label: str) -> Q:
    return Q(category__code=label) | Q(category__isnull=True, proposed_label=label)


def _may_group(user: User) -> None:
    if not user.coordinates:
        raise PermissionError(_("只有指挥部和街镇/园区可以合并共性问题"))


@transaction.atomic
def group_orders(user: User, orders: Iterable[WorkOrder], title: str = "") -> ProblemGroup:
    """Put orders into one common problem (the first's, if it has one)."""

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
            created_by=person(user),
        )
    for o in orders:
        if o.group_id != group.pk:
            _join(user, o, group)
    audit(user, "update", group, detail={"orders": [o.pk for o in orders]})
    return group


def _join(user: User, order: WorkOrder, group: ProblemGroup) -> None:
    """Put one order into a common problem, with its timeline entry."""
    WorkOrder.objects.filter(pk=order.pk).update(group=group, version=F("version") + 1)
    Event.objects.create(
        order=order,
        user=person(user),
        action="group",
        comment=_("并入共性问题：%(g)s") % {"g": group},
    )


@transaction.atomic
def edit_group(
    user: User,
    group: ProblemGroup,
    *,
    title: str | None = None,
    add: Iterable[WorkOrder] = (),
) -> ProblemGroup:
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
            _join(user, o, group)
        audit(user, "update", group, detail={"added": [o.pk for o in add]})
    return group


@transaction.atomic
def split_order(user: User, order: WorkOrder) -> None:
    """Take an order out of its common problem (特殊问题特殊办)."""
    _may_group(user)
    if not order.group_id:
        raise ValidationError(_("该工单不属于任何共性问题"))
    group = order.group
    WorkOrder.objects.filter(pk=order.pk).update(group=None, version=F("version") + 1)
    Event.objects.create(
        order=order,
        user=person(user),
        action="split",
        comment=_("移出共性问题：%(g)s") % {"g": group},
    )


@transaction.atomic
def transition_group(
    user: User, group: ProblemGroup, action: str, **kwargs: Any
) -> list[WorkOrder]:
    """Dispatch, resolve, … every member of a common problem that the user may see, as one:
    all or none."""
    action = ALIASES.get(action, action)
    members = list(
        WorkOrder.objects.visible_to(user)
        .filter(group=group, state__in=FLOW.sources(action))
        .select_related("enterprise__region", "unit", "campaign")
    )
    if not members:
        raise ValidationError(
            _("共性问题中没有可以%(a)s的工单") % {"a": ACTION_LABELS.get(action, action)}
        )
    return [transition(user, o, action, o.version, **kwargs) for o in members]


@transaction.atomic
def deliver(user: User, line: NeedLine, amount: object, comment: str = "") -> NeedLine:
    """Record what was delivered against a need line; never more than was requested."""
    order = line.order
    at_unit = order.unit_id is not None and user.unit_id == order.unit_id
    if not (at_unit or user.creates_lists):
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
        user=person(user),
        action="deliver",
        comment=_("%(k)s 已解决 %(a)s%(u)s %(c)s")
        % {"k": locked.get_kind_display(), "a": amount, "u": locked.unit, "c": comment},
    )
    audit(user, "update", locked, detail={"delivered": str(amount)})
    return locked

"""Health use-cases: test rounds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.permissions import person
from fugong.core.services import audit
from fugong.registry.models import (
    Enterprise,
    enterprise_id_of,
)

from ..models import (
    Employee,
    RoundEnterprise,
    TestRound,
)
from .access import _campaign

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date
    from typing import Any

    from fugong.core.permissions import Actor


def _may_organise(user: Actor) -> None:
    if not user.coordinates:
        raise PermissionError(_("只有街镇/园区和指挥部可以组织检测"))


@transaction.atomic
def open_round(
    user: Actor, title: str, day: date, enterprises: Iterable[Enterprise] | None = None
) -> TestRound:
    """A test round for the given enterprises (default: every enterprise in the organiser's
    scope); each enterprise's staff to test is its active roster."""
    _may_organise(user)
    scope = Enterprise.objects.visible_to(user)
    chosen = scope if enterprises is None else scope.filter(pk__in=[e.pk for e in enterprises])
    chosen = list(chosen.select_related("region"))
    if enterprises is not None and len(chosen) != len({e.pk for e in enterprises}):
        raise PermissionError(_("有企业不在您的管辖范围内"))
    if not chosen:
        raise ValidationError(_("没有可检测的企业"))
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写名称")})
    campaign = _campaign(chosen[0], day)
    rnd = TestRound.objects.create(
        campaign=campaign,
        unit=user.unit,
        day=day,
        title=title.strip()[:100],
        created_by=person(user),
    )
    staff = dict(
        Employee.objects.filter(enterprise__in=chosen, active=True)
        .values("enterprise")
        .annotate(n=Count("id"))
        .values_list("enterprise", "n")
    )
    RoundEnterprise.objects.bulk_create(
        [RoundEnterprise(round=rnd, enterprise=e, staff=staff.get(e.pk, 0)) for e in chosen]
    )
    audit(user, "create", rnd, detail={"enterprises": len(chosen)})
    return rnd


@transaction.atomic
def record_sampling(
    user: Actor,
    part: RoundEnterprise,
    *,
    employee_ids: Sequence[int] | None = None,
    sampled: int | None = None,
    positive: int = 0,
    pending: int = 0,
) -> RoundEnterprise:
    """An enterprise's sampling in a round: named (roster ids, by its own accounts) or counted
    (by its accounts or the organiser)."""
    own = enterprise_id_of(user) == part.enterprise_id
    organiser = Enterprise.objects.visible_to(user).filter(pk=part.enterprise_id).exists() and (
        user.coordinates
    )
    if not (own or organiser):
        raise PermissionError(_("只有该企业或组织单位可以登记采样"))
    if employee_ids is not None:
        if not own:
            raise PermissionError(_("只有本企业可以按名册登记"))
        valid = set(
            Employee.objects.filter(
                enterprise_id=part.enterprise_id, pk__in=employee_ids, active=True
            ).values_list("pk", flat=True)
        )
        if len(valid) != len(set(employee_ids)):
            raise ValidationError({"employee_ids": _("有人员不在本企业名册中")})
        part.sampled_ids = sorted(valid)
        sampled = len(valid)
    try:
        sampled, positive, pending = int(sampled), int(positive or 0), int(pending or 0)
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("人数应为整数")) from exc
    if min(sampled, positive, pending) < 0:
        raise ValidationError(_("人数不能为负数"))
    if positive + pending > sampled:
        raise ValidationError(_("阳性与待出结果人数之和不能超过采样人数"))
    part.sampled, part.positive, part.pending = sampled, positive, pending
    part.finished_at = timezone.now()
    part.save()
    audit(user, "update", part, detail={"sampled": sampled, "positive": positive})
    return part


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def round_coverage(user: Actor, rnd: TestRound) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per enterprise in the user's scope (its own only, for an enterprise account): staff to
    test, sampled, coverage; and the totals ("100 余家企业 8000 余名员工完成采样")."""
    parts = RoundEnterprise.objects.filter(round=rnd).select_related("enterprise__region")
    own = enterprise_id_of(user)
    parts = parts.filter(enterprise_id=own) if own else parts.visible_to(user)
    rows = [
        {
            "part": p,
            "enterprise": p.enterprise,
            "staff": p.staff,
            "sampled": p.sampled,
            "positive": p.positive,
            "coverage": _pct(p.sampled, p.staff),
            "done": p.finished_at is not None,
        }
        for p in parts.order_by("enterprise__region__path", "enterprise__name")
    ]
    total = {
        "enterprises": len(rows),
        "done": sum(r["done"] for r in rows),
        "staff": sum(r["staff"] for r in rows),
        "sampled": sum(r["sampled"] for r in rows),
        "positive": sum(r["positive"] for r in rows),
    }
    total["coverage"] = _pct(total["sampled"], total["staff"])
    regions = {}
    for r in rows:
        region = r["enterprise"].region
        agg = regions.setdefault(
            region.pk, {"region": region, "enterprises": 0, "staff": 0, "sampled": 0}
        )
        agg["enterprises"] += 1
        agg["staff"] += r["staff"]
        agg["sampled"] += r["sampled"]
    for agg in regions.values():
        agg["coverage"] = _pct(agg["sampled"], agg["staff"])
    total["regions"] = list(regions.values())
    return rows, total


def latest_round(user: Actor) -> tuple[TestRound | None, dict[str, Any] | None]:
    """The most recent test round with enterprises in the user's scope, with its coverage."""
    parts = RoundEnterprise.objects.visible_to(user)
    own = enterprise_id_of(user)
    if own:
        parts = RoundEnterprise.objects.filter(enterprise_id=own)
    rnd = TestRound.objects.filter(pk__in=parts.values("round_id")).order_by("-day", "-id").first()
    if rnd is None:
        return None, None
    return rnd, round_coverage(user, rnd)[1]

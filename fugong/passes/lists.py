"""The pass list: its filter (one object for the page, its export and the API), the figures
and the export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fugong.core.excel import write_xlsx
from fugong.core.filters import ListFilter
from fugong.core.masking import mask_name
from fugong.core.services import audit

from .models import Pass

if TYPE_CHECKING:
    from typing import Any

    from django.db.models import QuerySet

    from fugong.core.models import Campaign
    from fugong.core.permissions import Actor

State = Pass.State


@dataclass
class PassFilter(ListFilter):
    """The filters of the pass list, parsed once from the query string; the page, its export
    and the API list share them. `view` "todo" is 待签发 (submitted, earliest start first)."""

    state: str = ""
    cargo: str = ""
    view: str = ""

    CHOICES = {
        "state": (gettext_lazy("状态"), State.values),
        "cargo": (gettext_lazy("货物类别"), Pass.Cargo.values),
        "view": (gettext_lazy("视图"), ["todo"]),
    }

    def apply(self, qs: QuerySet[Pass]) -> QuerySet[Pass]:
        if self.state:
            qs = qs.filter(state=self.state)
        if self.cargo:
            qs = qs.filter(cargo=self.cargo)
        if self.view == "todo":
            qs = qs.filter(state=State.SUBMITTED).order_by("valid_from", "created_at", "id")
        return qs


def passes_for(user: Actor, flt: PassFilter | None = None) -> QuerySet[Pass]:
    """Passes in the user's scope (an enterprise account's own), filtered; raises
    ValidationError naming each bad filter."""
    qs = Pass.objects.visible_to(user).select_related("enterprise", "issuing_unit")
    if flt is None:
        return qs
    flt.check()
    return flt.apply(qs)


def counts(user: Actor, campaign: Campaign) -> dict[str, Any]:
    """Passes issued (approved, in force or not) by cargo kind and by issuing unit."""
    qs = Pass.objects.visible_to(user).filter(
        campaign=campaign, state__in=(State.APPROVED, State.REVOKED)
    )
    labels = dict(Pass.Cargo.choices)
    by_cargo = [
        {"cargo": r["cargo"], "label": str(labels[r["cargo"]]), "n": r["n"]}
        for r in qs.values("cargo").annotate(n=Count("id")).order_by("-n")
    ]
    by_unit = list(
        qs.values("issuing_unit__name").annotate(n=Count("id")).order_by("-n", "issuing_unit__name")
    )
    today = timezone.localdate()
    valid = qs.filter(state=State.APPROVED, valid_from__lte=today, valid_until__gte=today).count()
    return {"total": qs.count(), "valid": valid, "by_cargo": by_cargo, "by_unit": by_unit}


def export_passes(user: Actor, qs: QuerySet[Pass]) -> bytes:

    headers = [
        "编号",
        "车牌号",
        "车辆类型",
        "企业名称",
        "驾驶员",
        "起点",
        "终点",
        "途经",
        "货物类别",
        "有效期起",
        "有效期止",
        "状态",
        "签发单位",
    ]
    rows = [
        [
            p.pk,
            p.plate,
            p.get_vehicle_type_display(),
            p.enterprise.name,
            mask_name(p.driver_name),
            p.origin,
            p.destination,
            p.via,
            p.get_cargo_display(),
            p.valid_from.isoformat(),
            p.valid_until.isoformat(),
            p.get_state_display(),
            str(p.issuing_unit or ""),
        ]
        for p in qs.select_related("enterprise", "issuing_unit")[:50000]
    ]
    audit(user, "export", target_type="passes.pass", detail={"rows": len(rows)})
    return write_xlsx("通行证", headers, rows)

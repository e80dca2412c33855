"""Work-order use-cases: the one filter of the work-order list, parsed once from the query
string and used by the list page, its xlsx export, the kanban and the API list."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fugong.core.models import Region, Unit

from ..models import OPEN_STATES, State, WorkOrder
from .grouping import models_q_label
from .scorecard import FIGURES, Period, stint_filter

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from fugong.core.models import User

QUEUE_VIEWS = ("open", "mine", "overdue", "all")
MAX_IDS = 500


def order_ids(text: str) -> list[int] | None:
    """The `ids` filter: comma-separated order ids (what is not a number is ignored); None
    when absent."""
    if not text:
        return None
    return [int(part) for part in str(text).split(",")[:MAX_IDS] if part.strip().isdigit()]


@dataclass
class WorkOrderFilter:
    """`view` (open, mine = my unit's or those it assists on, overdue, all), `state`,
    `category`, `unit` (code or id), `region` (code: the enterprise's region subtree), `ids` (a
    drill-down), and a scorecard figure's orders: `figure` of `unit` in the period `from`–`to`
    (`start`, `end`) and `region`."""

    view: str = "open"
    state: str = ""
    category: str = ""
    unit: str = ""
    region: str = ""
    ids: str = ""
    figure: str = ""
    start: str = ""
    end: str = ""

    PARAMS = {"start": "from", "end": "to"}  # query-string names that differ

    @classmethod
    def from_params(cls, params: Mapping[str, Any], default_view: str = "open") -> WorkOrderFilter:
        values = {
            f.name: str(params.get(cls.PARAMS.get(f.name, f.name)) or "").strip()
            for f in fields(cls)
        }
        if values["view"] not in QUEUE_VIEWS:
            values["view"] = default_view
        return cls(**values)

    def errors(self) -> dict[str, str]:
        errors = {}
        if self.state and self.state not in State.values:
            errors["state"] = _("未知状态：%(s)s") % {"s": self.state}
        if self.region and self._region() is None:
            errors["region"] = _("行政区划代码 %(c)s 不存在") % {"c": self.region}
        if self.unit and self._unit() is None:
            errors["unit"] = _("单位 %(u)s 不存在") % {"u": self.unit}
        if self.figure and self.figure not in FIGURES:
            errors["figure"] = _("未知考核指标：%(f)s") % {"f": self.figure}
        if self.figure and not self.unit:
            errors["unit"] = _("考核指标的工单须指定单位")
        for name in ("start", "end"):
            if getattr(self, name) and parse_date(getattr(self, name)) is None:
                errors[self.PARAMS[name]] = _("日期应为 YYYY-MM-DD")
        return errors

    def _region(self) -> Region | None:
        if not hasattr(self, "_region_obj"):
            self._region_obj = Region.objects.filter(code=self.region).first()
        return self._region_obj

    def _unit(self) -> Unit | None:
        if not hasattr(self, "_unit_obj"):
            lookup = {"pk": int(self.unit)} if self.unit.isdigit() else {"code": self.unit}
            self._unit_obj = Unit.objects.filter(**lookup).first()
        return self._unit_obj

    def period(self) -> Period:
        """The scorecard's period: `from`–`to`, by default the present month."""
        month = Period.month_of(timezone.localdate())
        return Period(
            parse_date(self.start) if self.start else month.start,
            parse_date(self.end) if self.end else month.end,
        )

    def queryset(self, user: User, now: datetime.datetime | None = None) -> QuerySet[WorkOrder]:
        """The orders in the user's scope that the filter lets through (none on a bad value)."""
        now = now or timezone.now()
        if self.errors():
            return WorkOrder.objects.none()
        qs = WorkOrder.objects.visible_to(user).select_related(
            "enterprise", "unit", "category", "group"
        )
        ids = order_ids(self.ids)
        if ids is not None:
            qs = qs.filter(pk__in=ids)
        if self.view == "mine":
            mine = WorkOrder.objects.filter(unit=user.unit_id) | WorkOrder.objects.filter(
                assists__unit=user.unit_id, assists__replied_at__isnull=True
            )
            qs = qs.filter(pk__in=mine.values("pk"), state__in=OPEN_STATES)
        elif self.view == "overdue":
            qs = qs.filter(state__in=OPEN_STATES, deadline__lt=now).exclude(state=State.WAITING)
        elif self.view == "open":
            qs = qs.filter(state__in=OPEN_STATES)
        if self.state:
            qs = qs.filter(state=self.state)
        if self.category:
            qs = qs.filter(models_q_label(self.category))
        if self.region:
            qs = qs.filter(self._region().subtree_q("enterprise__"))
        if self.figure:
            region = self._region() or Region.objects.order_by("path").first()
            qs = qs.filter(stint_filter(region, self.period(), self._unit().pk, self.figure, now))
        elif self.unit:
            qs = qs.filter(unit=self._unit())
        return qs

    def as_query(self) -> dict[str, str]:
        return {
            self.PARAMS.get(f.name, f.name): getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name)
        }

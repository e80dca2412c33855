"""Resumption statistics, read from the DayStatus rollup (never a scan of the reports).

Semantics (../shared/DESIGN.md): status as of day D is the latest report dated on or before D;
an enterprise with none counts as not resumed and is listed as never reported; `resumed` counts
复工 and 部分复工; rate = resumed / enterprises in scope, one decimal; completeness = reported
dated D / expected; staff rate = Σ on duty / Σ total staff over the enterprises in scope (the
registry's total staff for an enterprise that has not reported)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.models import Campaign, Region, User
from fugong.core.services import campaigns_on
from fugong.registry import industry as industries
from fugong.registry.models import Enterprise, EnterpriseList, active_q
from fugong.registry.services import EnterpriseFilter, enterprises_for

from .campaigns import current_campaign, default_region
from .models import DayStatus, RegionDay, Status
from .rollups import latest_report_day, roll_forward

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

BY = ("region", "industry", "scale", "list")
FIGURES = (
    "enterprises",
    "resumed",
    "resumed_full",
    "resumed_partial",
    "not_resumed",
    "never_reported",
    "reported_today",
    "missing_today",
    "all",
)


def percent(numerator: Decimal | float, denominator: Decimal | float | None) -> float | None:
    if not denominator:
        return None
    return float(
        (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    )


@dataclass
class StatsQuery:
    campaign: Campaign
    region: Region
    day: date
    filter: EnterpriseFilter = field(default_factory=EnterpriseFilter)
    # restricted to confirmed figures (逐级审核): a status counts only when the report giving
    # it was confirmed; an enterprise without one counts as not resumed
    confirmed: bool = False

    @classmethod
    def parse(
        cls, user: User, params: Mapping[str, Any], campaign: Campaign | None = None
    ) -> StatsQuery:
        """Build a query from request or command-line parameters; ValidationError names the
        bad ones."""
        errors = {}
        today = timezone.localdate()
        try:
            day = date.fromisoformat(params["date"]) if params.get("date") else None
            if day and day > today:
                errors["date"] = _("日期不能晚于今天")
        except ValueError:
            errors["date"] = _("日期格式应为 YYYY-MM-DD")
            day = today
        code = params.get("region") or ""
        region = Region.objects.filter(code=code).first() if code else default_region(user)
        if region is None:
            errors["region"] = _("行政区划代码 %(c)s 不存在") % {"c": code}
        if campaign is None:
            campaign_id = params.get("campaign")
            qs = Campaign.objects.select_related("region")
            campaign = (
                qs.filter(pk=campaign_id).first()
                if str(campaign_id or "").isdigit()
                else current_campaign(region, day or today)
            )
        if campaign is None and "region" not in errors:
            errors["campaign"] = _("没有覆盖该区划和日期的应急事件")
        flt = EnterpriseFilter(
            industry=params.get("industry") or "",
            scale=params.get("scale") or "",
            list=params.get("list") or "",
        )
        errors.update(flt.errors())
        if flt.list and not EnterpriseList.objects.filter(name=flt.list).exists():
            errors["list"] = _("名单“%(n)s”不存在") % {"n": flt.list}
        if errors:
            raise ValidationError(errors)
        if day is None:  # the latest day with reports, up to today and the campaign's end
            day = min(latest_report_day(campaign) or today, today)
        if campaign.ends_on and day > campaign.ends_on:
            day = campaign.ends_on
        confirmed = str(params.get("confirmed") or "").lower() in ("1", "true", "yes", "on")
        return cls(campaign=campaign, region=region, day=day, filter=flt, confirmed=confirmed)

    def enterprises(self, user: User, day: date | None = None, active: bool = True) -> QuerySet:
        """The enterprises in scope as of the day (README "As of day D"): the user's, in the
        region subtree and the campaign's, matching the filters and the campaign's reporting
        scope (list membership as of the day), and active on the day (registered by then, not
        closed before). `active=False` leaves the last condition to the caller (series)."""
        day = day or self.day
        flt = EnterpriseFilter(
            region=self.region.code,
            industry=self.filter.industry,
            scale=self.filter.scale,
            list=self.filter.list,
        )
        flt._region_obj = self.region  # the region is known: the filter need not look it up
        qs = enterprises_for(user, flt, as_of=day)
        if not self.region.path.startswith(self.campaign.region.path):
            qs = qs.filter(region__path__startswith=self.campaign.region.path)
        scope = campaign_scope(self.campaign)
        if scope.scale or scope.list:
            qs = scope.apply(qs, as_of=day)
        return qs.active_on(day) if active else qs

    def expected(self, user: User) -> QuerySet:
        """The enterprises expected to report dated the day: none on a day reports are not
        due, else the enterprises in scope (as of the day)."""
        if not self.campaign.report_due_on(self.day):
            return Enterprise.objects.none()
        return self.enterprises(user)

    def rows(self, user: User, day: date | None = None) -> QuerySet:
        roll_forward(self.campaign, day or self.day)
        rows = DayStatus.objects.filter(
            campaign=self.campaign,
            day=day or self.day,
            enterprise__in=self.enterprises(user).values("pk"),
        )
        return rows.filter(confirmed=True) if self.confirmed else rows


def campaign_scope(campaign: Campaign) -> EnterpriseFilter:
    """The campaign's reporting scope (a scale, a list, or all enterprises) as a filter."""
    return EnterpriseFilter(scale=campaign.report_scale, list=campaign.report_list)


def campaign_running(region: Region | None, day: date | None = None) -> Campaign | None:
    """The campaign of a request about `region` today (or on `day`): the most recent one
    running then whose region contains or lies in `region`, whatever its modules; None."""
    day = day or timezone.localdate()
    if region is None:
        return None
    for c in campaigns_on(day):
        if region.path.startswith(c.region.path) or c.region.path.startswith(region.path):
            return c
    return None


def with_status(query: StatsQuery, qs: QuerySet, day: date | None = None) -> QuerySet:
    """Enterprises LEFT JOINed to their status on the day: one row per enterprise (only
    confirmed statuses when the query asks for confirmed figures)."""
    condition = Q(day_statuses__campaign=query.campaign, day_statuses__day=day or query.day)
    if query.confirmed:
        condition &= Q(day_statuses__confirmed=True)
    return qs.annotate(s=FilteredRelation("day_statuses", condition=condition))


_AGG = {
    "enterprises": Count("id"),
    "resumed_full": Count("id", filter=Q(s__status=Status.FULL)),
    "resumed_partial": Count("id", filter=Q(s__status=Status.PARTIAL)),
    "reported": Count("s__id"),
    "reported_today": Count("id", filter=Q(s__reported_today=True)),
    "staff_on_duty": Sum("s__staff_on_duty"),
    "staff_total": Sum(Coalesce("s__staff_total", "total_staff")),
    "output": Sum("s__output"),
    "capacity_sum": Sum("s__capacity_utilisation"),
    "capacity_n": Count("s__capacity_utilisation"),
}


def figures(agg: dict) -> dict:
    """The published figures from the raw sums of one group."""
    full, partial = agg.get("resumed_full") or 0, agg.get("resumed_partial") or 0
    n, reported = agg.get("enterprises") or 0, agg.get("reported") or 0
    staff_total, on_duty = agg.get("staff_total") or 0, agg.get("staff_on_duty") or 0
    today = agg.get("reported_today") or 0
    return {
        "enterprises": n,
        "resumed": full + partial,
        "resumed_full": full,
        "resumed_partial": partial,
        "not_resumed": n - full - partial,
        "never_reported": n - reported,
        "rate": percent(full + partial, n),
        "staff_total": staff_total,
        "staff_on_duty": on_duty,
        "staff_rate": percent(on_duty, staff_total),
        "reported_today": today,
        "missing_today": n - today,
        "completeness": percent(today, n),
        "output": round(float(agg.get("output") or 0), 2),
        "capacity_utilisation": (  # mean over enterprises that gave one; sums add up by group
            round(float(agg["capacity_sum"]) / agg["capacity_n"], 1)
            if agg.get("capacity_n")
            else None
        ),
    }


def _grouped(qs: QuerySet, key: str, agg: dict) -> dict:
    return {row.pop(key): row for row in qs.values(key).annotate(**agg).order_by()}


def resumption(
    user: User, query: StatsQuery, by: str | None = None, use_status_rows: bool = False
) -> dict:
    """The figures for the query, and a breakdown `by` region, industry, scale or list.

    A plain region subtree reads the RegionDay sums; filtered queries aggregate the
    enterprises in scope LEFT JOINed to their status on the day."""
    if by and by not in BY:
        raise ValidationError({"by": _("by 应为 region、industry、scale 或 list")})
    roll_forward(query.campaign, query.day)
    ents = query.enterprises(user)
    path = None if use_status_rows else region_days_path(user, query)
    if path is not None:
        cells = RegionDay.objects.filter(
            campaign=query.campaign, day=query.day, region__path__startswith=path
        )
        totals = ents.aggregate(**_REGISTRY)
        overall = _with_totals(cells.aggregate(**_CELL_SUMS), totals)
    else:
        joined = with_status(query, ents)
        overall = joined.aggregate(**_AGG)
    result = {
        "campaign": query.campaign.name,
        "region": query.region.code,
        "region_name": query.region.name,
        "date": query.day.isoformat(),
        "confirmed_only": query.confirmed,
        **figures(overall),
    }
    if by == "list":
        result["breakdown"] = [
            {"key": str(lst.pk), "label": lst.name, **_for_list(user, query, lst.name)}
            for lst in EnterpriseList.objects.all()
        ]
    elif by:
        key = {"region": "region_id", "industry": "industry_division", "scale": "scale"}[by]
        if path is not None and by == "region":
            sums = _grouped(cells, "region_id", _CELL_SUMS)
            groups = {
                k: _with_totals(sums.get(k, {}), t)
                for k, t in _grouped(ents, "region_id", _REGISTRY).items()
            }
        else:
            groups = _grouped(with_status(query, ents), key, _AGG)
        if by == "region":
            groups, labels = _to_children(query.region, groups)
        elif by == "industry":
            labels = {k: industries.label(k) for k in groups}
        else:
            labels = dict(Enterprise.Scale.choices)
        result["breakdown"] = [
            {"key": k, "label": str(labels.get(k, k)), **figures(groups[k])} for k in sorted(groups)
        ]
    return result


_REGISTRY = {"enterprises": Count("id"), "registry_staff": Sum("total_staff")}


def _with_totals(sums: dict, totals: dict) -> dict:
    """RegionDay sums plus the registry's figures: the same keys as _AGG gives."""
    out = {k: v or 0 for k, v in sums.items()}
    out["enterprises"] = totals.get("enterprises") or 0
    # the registry's total staff stands for the enterprises that had not reported by then
    out["staff_total"] = (
        (totals.get("registry_staff") or 0)
        - out.get("registry_staff_reported", 0)
        + out.get("staff_total_reported", 0)
    )
    return out


def _for_list(user: User, query: StatsQuery, name: str) -> dict:
    sub = replace(
        query,
        filter=EnterpriseFilter(
            industry=query.filter.industry, scale=query.filter.scale, list=name
        ),
    )
    return figures(with_status(sub, sub.enterprises(user)).aggregate(**_AGG))


def _to_children(parent: Region, groups: dict) -> tuple[dict, dict]:
    """Sum per-leaf-region groups into the parent's direct children (codes as keys)."""
    leaves = Region.objects.in_bulk(set(groups))
    children = {c.path: c for c in parent.children.all()}
    labels = {c.code: c.name for c in children.values()}
    labels.setdefault(parent.code, _("%(r)s（本级）") % {"r": parent.name})

    def child_of(region_id: int) -> str:
        region = leaves[region_id]
        for path, child in children.items():
            if region.path.startswith(path):
                return child.code
        return parent.code  # enterprises registered on the parent itself

    out = {}
    for region_id, values in groups.items():
        bucket = out.setdefault(child_of(region_id), {})
        for k, v in values.items():
            bucket[k] = (bucket.get(k) or 0) + (v or 0)
    return out, labels


_CELL_SUMS = {
    k: Sum(k)
    for k in (
        "resumed_full",
        "resumed_partial",
        "reported",
        "reported_today",
        "staff_on_duty",
        "staff_total_reported",
        "registry_staff_reported",
        "output",
        "capacity_sum",
        "capacity_n",
    )
}


def region_days_path(user: User, query: StatsQuery) -> str | None:
    """The region path whose RegionDay rows give exactly the query's enterprises, or None when
    they cannot (filters, or a scope that is not a region subtree)."""
    if query.filter.industry or query.filter.scale or query.filter.list:
        return None
    if query.campaign.report_scale or query.campaign.report_list or query.confirmed:
        return None
    paths = [query.region.path, query.campaign.region.path]
    if not user.is_admin:
        scope = user.scope_region
        if scope is None:
            return None
        paths.append(scope.path)
    longest = max(paths, key=len)
    return longest if all(longest.startswith(p) for p in paths) else "//none"


def _status_series(query: StatsQuery, ents: QuerySet, start: date, end: date) -> dict:
    rows = DayStatus.objects.filter(
        active_q(F("day"), prefix="enterprise__"),
        campaign=query.campaign,
        day__gte=start,
        day__lte=end,
        enterprise__in=ents.values("pk"),
    )
    if query.confirmed:
        rows = rows.filter(confirmed=True)
    return _grouped(
        rows,
        "day",
        {
            "resumed_full": Count("id", filter=Q(status=Status.FULL)),
            "resumed_partial": Count("id", filter=Q(status=Status.PARTIAL)),
            "reported": Count("id"),
            "reported_today": Count("id", filter=Q(reported_today=True)),
            "staff_on_duty": Sum("staff_on_duty"),
            "staff_total_reported": Sum("staff_total"),
            "registry_staff_reported": Sum("enterprise__total_staff"),
            "output": Sum("output"),
            "capacity_sum": Sum("capacity_utilisation"),
            "capacity_n": Count("capacity_utilisation"),
        },
    )


def series(
    user: User, query: StatsQuery, start: date, end: date, use_status_rows: bool = False
) -> list[dict]:
    """Figures per day over [start, end] (bounded by the campaign and the query's day). Read
    from RegionDay when the query is a plain region subtree, else from the status rows."""
    start = max(start, query.campaign.starts_on)
    end = min(end, query.day)
    if start > end:
        return []
    roll_forward(query.campaign, end)
    if query.filter.list or query.campaign.report_list:  # membership changes day by day
        return [
            _one_day(user, query, start + timedelta(days=i)) for i in range((end - start).days + 1)
        ]
    ents = query.enterprises(user, active=False)
    totals = _daily_totals(ents, start, end)
    path = region_days_path(user, query)
    if path is not None and not use_status_rows:
        by_day = _grouped(
            RegionDay.objects.filter(
                campaign=query.campaign, day__gte=start, day__lte=end, region__path__startswith=path
            ),
            "day",
            _CELL_SUMS,
        )
    else:
        by_day = _status_series(query, ents, start, end)
    out = []
    d = start
    while d <= end:
        day = _with_totals(by_day.get(d, {}), totals[d])
        out.append({"date": d.isoformat(), **figures(day)})
        d += timedelta(days=1)
    return out


def _one_day(user: User, query: StatsQuery, day: date) -> dict:
    sub = replace(query, day=day)
    agg = with_status(sub, sub.enterprises(user)).aggregate(**_AGG)
    return {"date": day.isoformat(), **figures(agg)}


def _daily_totals(ents: QuerySet[Enterprise], start: date, end: date) -> dict:
    """{day: the registry's figures of the enterprises active that day} over [start, end], from
    one query grouping the enterprises by their active-from and active-to dates."""
    groups = list(
        ents.values("active_from", "active_to")
        .annotate(enterprises=Count("id"), registry_staff=Sum("total_staff"))
        .order_by()
    )
    out = {}
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        active = [
            g
            for g in groups
            if (g["active_from"] is None or g["active_from"] <= day)
            and (g["active_to"] is None or g["active_to"] > day)
        ]
        out[day] = {
            "enterprises": sum(g["enterprises"] for g in active),
            "registry_staff": sum(g["registry_staff"] or 0 for g in active),
        }
    return out


def drill_down(user: User, query: StatsQuery, figure: str) -> QuerySet:
    """The enterprises a figure counts, as an Enterprise queryset."""
    if figure not in FIGURES:
        raise ValidationError({"figure": _("未知指标：%(f)s") % {"f": figure}})
    ents = query.enterprises(user)
    rows = query.rows(user)
    ids = {
        "resumed": rows.filter(status__in=[Status.FULL, Status.PARTIAL]),
        "resumed_full": rows.filter(status=Status.FULL),
        "resumed_partial": rows.filter(status=Status.PARTIAL),
        "reported_today": rows.filter(reported_today=True),
    }
    if figure in ids:
        return ents.filter(pk__in=ids[figure].values("enterprise_id"))
    if figure == "not_resumed":
        return ents.exclude(
            pk__in=rows.filter(status__in=[Status.FULL, Status.PARTIAL]).values("enterprise_id")
        )
    if figure == "never_reported":
        return ents.exclude(pk__in=rows.values("enterprise_id"))
    if figure == "missing_today":
        return ents.exclude(pk__in=rows.filter(reported_today=True).values("enterprise_id"))
    return ents


def status_map(query: StatsQuery, enterprise_ids: Iterable[int]) -> dict:
    """{enterprise id: DayStatus} on the query's day, for showing a drill-down list."""
    return {
        s.enterprise_id: s
        for s in DayStatus.objects.filter(
            campaign=query.campaign, day=query.day, enterprise_id__in=list(enterprise_ids)
        )
    }

"""Resumption statistics, read from the DayStatus rollup (never a scan of the reports).

Semantics (../shared/DESIGN.md): status as of day D is the latest report dated on or before D;
an enterprise with none counts as not resumed and is listed as never reported; `resumed` counts
复工 and 部分复工; rate = resumed / enterprises in scope, one decimal; completeness = reported
dated D / expected; staff rate = Σ on duty / Σ total staff over the enterprises in scope (the
registry's total staff for an enterprise that has not reported)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import stamps
from fugong.core.models import Campaign, Region, User, path_q
from fugong.core.permissions import SYSTEM
from fugong.registry import industry as industries
from fugong.registry import models as registry
from fugong.registry.models import Enterprise, EnterpriseList, RegistryStamp, active_q
from fugong.registry.services import EnterpriseFilter, enterprises_for

from .campaigns import campaign_running, campaign_scope, current_campaign, default_region  # noqa: F401
from .daysums import figures, percent, status_sums  # noqa: F401 (re-exported)
from .models import DayStatus, ListDay, RegionDay, ScaleDay, SegmentDay, Status
from .rollups import (
    SUM_COLUMNS,
    horizon_through,
    latest_report_day,
    lists_pending,
    reported_on,
    status_rows_on,
)

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


@dataclass
class StatsQuery:
    campaign: Campaign
    region: Region
    day: date
    filter: EnterpriseFilter = field(default_factory=EnterpriseFilter)
    # restricted to confirmed figures (逐级审核): a status counts only when the report giving
    # it was confirmed; an enterprise without one counts as not resumed
    confirmed: bool = False
    _through: date | None = field(default=None, init=False, repr=False, compare=False)
    _sums: dict | None = field(default=None, init=False, repr=False, compare=False)

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
        scope (region, scale, lists as of the day), and active on the day (registered by then,
        not closed before). `active=False` leaves the last condition to the caller (series)."""
        day = day or self.day
        flt = EnterpriseFilter(
            region=self.region.code,
            industry=self.filter.industry,
            scale=self.filter.scale,
            list=self.filter.list,
        )
        flt._region_obj = self.region  # known: no second look-up
        # a region-scoped user's figures count who was in their region on the day
        scoped = user.is_region_scoped
        qs = enterprises_for(SYSTEM if scoped else user, flt, as_of=day)
        if scoped and not self.region.path.startswith(user.scope_region.path):
            qs = qs.filter(registry.as_of_q(day, user.scope_region))
        if not self.region.path.startswith(self.campaign.region.path):
            qs = qs.filter(registry.as_of_q(day, self.campaign.region))
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

    def horizon(self) -> date:
        """The last day whose status rows exist for every enterprise (read once per query):
        reads of a later day carry the statuses forward in the query (reads never write)."""
        if self._through is None:
            self._through = horizon_through(self.campaign)
        return self._through

    def rows(self, user: User, day: date | None = None) -> QuerySet:
        """Each enterprise's status row as of the day (`reported_on`: reported dated it)."""
        rows = status_rows_on(self.campaign, day or self.day, self.horizon()).filter(
            enterprise__in=self.enterprises(user).values("pk")
        )
        return rows.filter(confirmed=True) if self.confirmed else rows


def with_status(query: StatsQuery, qs: QuerySet, day: date | None = None) -> QuerySet:
    """Enterprises LEFT JOINed to their status on the day: one row per enterprise (only
    confirmed statuses when the query asks for confirmed figures)."""
    condition = status_condition(query, day or query.day)
    if query.confirmed:
        condition &= Q(day_statuses__confirmed=True)
    return qs.annotate(s=FilteredRelation("day_statuses", condition=condition))


def status_condition(query: StatsQuery, day: date, relation: str = "day_statuses") -> Q:
    """The FilteredRelation condition picking an enterprise's status row as of the day."""
    if day <= query.horizon():
        return Q(**{f"{relation}__campaign": query.campaign, f"{relation}__day": day})
    rows = status_rows_on(query.campaign, day, query.horizon()).values("pk")
    return Q(**{f"{relation}__in": Subquery(rows)})


def aggregates(query: StatsQuery, day: date | None = None) -> dict:
    """_AGG for the query's day: beyond the horizon a carried row was not reported that day."""
    day = day or query.day
    if day <= query.horizon():
        return _AGG
    return {**_AGG, "reported_today": Count("id", filter=reported_on(day, "s__"))}


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


def _day_sums(
    user: User, query: StatsQuery, ents: QuerySet, use_status_rows: bool
) -> tuple[dict, QuerySet | None]:
    """The sums of the query's day (the keys `_AGG` gives) of its enterprises `ents`, and the
    rollup rows of the day they were read from (None: from the status rows)."""
    beyond = query.day > query.horizon()  # no rollup sums yet: the status rows, carried
    cells = None if use_status_rows or beyond else rollup_cells(user, query)
    if cells is not None:
        cells = cells.filter(day=query.day)
        sums = rollup_sums(user, query, cells)
        return _with_totals(sums, sums), cells
    if beyond:  # the carried status rows, counted in the query
        return with_status(query, ents).aggregate(**aggregates(query)), None
    return status_sums(query.campaign, query.day, ents, query.confirmed), None


def _grouped(qs: QuerySet, key: str, agg: dict) -> dict:
    return {row.pop(key): row for row in qs.values(key).annotate(**agg).order_by()}


def resumption(
    user: User, query: StatsQuery, by: str | None = None, use_status_rows: bool = False
) -> dict:
    """The figures for the query, and a breakdown `by` region, industry, scale or list.

    A region subtree reads the rollup's sums (`rollup_cells`); other queries (confirmed
    figures, a list and an industry) aggregate the enterprises in scope LEFT JOINed to their
    status on the day."""
    if by and by not in BY:
        raise ValidationError({"by": _("by 应为 region、industry、scale 或 list")})
    ents = query.enterprises(user)
    overall, cells = _day_sums(user, query, ents, use_status_rows)
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
            {
                "key": str(lst.pk),
                "label": lst.name,
                **_for_list(user, query, lst.name, use_status_rows),
            }
            for lst in EnterpriseList.objects.all()
        ]
    elif by:
        ents = registry.with_as_of(ents, query.day)  # grouped by region and scale then
        key = {"region": "region_as_of", "scale": "scale_as_of"}.get(by, "industry_division")
        if cells is not None and by == "region":
            sums = _grouped(cells, "region_id", _CELL_SUMS)
            groups = {
                k: _with_totals(sums.get(k, {}), t)
                for k, t in _grouped(ents, key, _REGISTRY).items()
            }
        else:
            groups = _grouped(with_status(query, ents), key, aggregates(query))
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
# the registry's sums the output-weighted shares need too (shares.py)
_REGISTRY_SHARES = {"annual_known": Count("annual_output"), "annual": Sum("annual_output")}


_INTEGERS = {"enterprises", "registry_staff", "annual_known"} | {
    f.name for f in SegmentDay._meta.fields if isinstance(f, IntegerField)
}


def rollup_sums(user: User, query: StatsQuery, cells: QuerySet) -> dict:
    """The query's day: the registry's sums of its enterprises (`registry_sums`) and the sums
    of its rollup rows (`cells`, of that day; models.DaySums' columns), kept on the query (the
    API's figures and weighted shares read them both): one statement, the rollup's only when
    the registry's sums are kept."""
    if query._sums is None:
        one = Value(1)  # grouped by a constant: one row of sums, even over no rows
        registry_sums = query.enterprises(user).order_by().annotate(g=one).values("g")
        registry_sums = registry_sums.annotate(**_REGISTRY, **_REGISTRY_SHARES)
        cell_sums = cells.order_by().annotate(g=one).values("g").annotate(**_CELL_SUMS)
        (r_sql, r_params), (c_sql, c_params) = (
            registry_sums.query.sql_with_params(),
            cell_sums.query.sql_with_params(),
        )
        alias = cells.db  # where the ORM would read them
        key = ("sums", r_sql, tuple(r_params))
        kept, stamp = REGISTRY_KEPT.get(alias, key)
        with connections[alias].cursor() as cursor:
            if kept is None:
                both = f"SELECT * FROM ({r_sql}) r CROSS JOIN ({c_sql}) c"
                cursor.execute(both, [*r_params, *c_params])
            else:
                cursor.execute(c_sql, c_params)
            names = [col[0] for col in cursor.description]
            row = dict(zip(names, cursor.fetchone(), strict=True))
        row.pop("g", None)
        if kept is None:
            kept = {k: row.pop(k) for k in (*_REGISTRY, *_REGISTRY_SHARES)}
            REGISTRY_KEPT.put(alias, stamp, key, kept)
        # PostgreSQL sums integers as numeric: integers, as the ORM's aggregates give them
        query._sums = {
            k: int(v) if k in _INTEGERS and v is not None else v for k, v in {**row, **kept}.items()
        }
    return query._sums


# per process and database, while the registry stamp (`registry.models.RegistryStamp`:
# triggers renew it on every write to the tables the denominators read) is unchanged: the
# registry's sums each statement gave. The denominators of the statistics read the registry
# only (~40 ms at 100,000 enterprises), which changes far less often than dashboards are read.
REGISTRY_KEPT = stamps.Keep(RegistryStamp._meta.db_table)


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


def _for_list(user: User, query: StatsQuery, name: str, use_status_rows: bool) -> dict:
    sub = replace(
        query,
        filter=EnterpriseFilter(
            industry=query.filter.industry, scale=query.filter.scale, list=name
        ),
    )
    return figures(_day_sums(user, sub, sub.enterprises(user), use_status_rows)[0])


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


_CELL_SUMS = {k: Sum(k) for k in SUM_COLUMNS}  # of RegionDay or SegmentDay rows


def rollup_cells(user: User, query: StatsQuery) -> QuerySet | None:
    """The rollup rows, of every day, whose sums give exactly the statuses of the query's
    enterprises (membership, region and scale as of the day) in the region subtree:
    RegionDay's; SegmentDay's under an industry filter; ScaleDay's under a scale filter alone;
    ListDay's under one list (the query's or the campaign's), with or without a scale. None
    when none do (a list and an industry, two lists, confirmed figures, a scope that is not a
    region subtree)."""
    path = region_days_path(user, query)
    if path is None:
        return None
    flt, campaign = query.filter, query.campaign
    where = {"campaign": campaign}
    lists = {flt.list, campaign.report_list} - {""}
    if lists:
        if flt.industry or len(lists) > 1 or lists_pending():
            return None
        (name,) = lists
        named = EnterpriseList.objects.filter(registry.list_named(name))
        ids = list(named.values_list("pk", flat=True)[:2])
        if len(ids) != 1:
            return None
        model, where["list_id"] = ListDay, ids[0]
    elif flt.industry:
        model = SegmentDay
        where.update(flt.industry_lookup())
    else:
        model = ScaleDay if flt.scale or campaign.report_scale else RegionDay
    cells = model.objects.filter(path_q(path, "region__path"), **where)
    for value in {flt.scale, campaign.report_scale} - {""}:
        cells = cells.filter(scale=value)
    return cells


def region_days_path(user: User, query: StatsQuery) -> str | None:
    """The region path whose rollup rows (with the filters) give exactly the query's
    enterprises, or None when they cannot (confirmed figures, or a scope that is not a region
    subtree)."""
    if query.confirmed:
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
    from the rollup's sums when they give the query's enterprises (`rollup_cells`), else from
    the status rows."""
    start = max(start, query.campaign.starts_on)
    end = min(end, query.day)
    if start > end:
        return []
    if end > query.horizon():  # the days not rolled forward yet, carried in the query
        first = max(start, query.horizon() + timedelta(days=1))
        days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
        done = series(user, query, start, first - timedelta(days=1), use_status_rows)
        return done + [_one_day(user, query, d) for d in days]
    lists = {query.filter.list, query.campaign.report_list} - {""}
    if registry.changed_between(start, end) or registry.lists_changed_between(lists, start, end):
        return [
            _one_day(user, query, start + timedelta(days=i)) for i in range((end - start).days + 1)
        ]
    ents = query.enterprises(user, day=end, active=False)
    totals = _daily_totals(ents, start, end)
    cells = None if use_status_rows else rollup_cells(user, query)
    if cells is not None:
        by_day = _grouped(cells.filter(day__gte=start, day__lte=end), "day", _CELL_SUMS)
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
    agg = with_status(sub, sub.enterprises(user)).aggregate(**aggregates(sub))
    return {"date": day.isoformat(), **figures(agg)}


def _daily_totals(ents: QuerySet[Enterprise], start: date, end: date) -> dict:
    """{day: the registry's figures of the enterprises active that day} over [start, end], from
    one query grouping the enterprises by their active-from and active-to dates (kept while
    the registry is unchanged: `REGISTRY_KEPT`)."""
    grouped = (
        ents.values("active_from", "active_to")
        .annotate(enterprises=Count("id"), registry_staff=Sum("total_staff"))
        .order_by()
    )
    alias = grouped.db
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:  # an empty scope: no enterprise
        sql, params = "", ()
    key = ("daily", sql, tuple(params))
    groups, stamp = REGISTRY_KEPT.get(alias, key) if sql else ([], None)
    if groups is None:
        groups = list(grouped)
        REGISTRY_KEPT.put(alias, stamp, key, groups)
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
    ents = query.enterprises(user).visible_to(user)  # listed: those in the user's scope now
    rows = query.rows(user)
    ids = {
        "resumed": rows.filter(status__in=[Status.FULL, Status.PARTIAL]),
        "resumed_full": rows.filter(status=Status.FULL),
        "resumed_partial": rows.filter(status=Status.PARTIAL),
        "reported_today": rows.filter(reported_on(query.day)),
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
        return ents.exclude(pk__in=rows.filter(reported_on(query.day)).values("enterprise_id"))
    return ents


def status_map(query: StatsQuery, enterprise_ids: Iterable[int]) -> dict:
    """{enterprise id: DayStatus} as of the query's day, for showing a drill-down list."""
    rows = status_rows_on(query.campaign, query.day, query.horizon())
    out = {}
    for s in rows.filter(enterprise_id__in=list(enterprise_ids)):
        s.reported_today = s.reported_today and s.day == query.day  # a carried row was not
        out[s.enterprise_id] = s
    return out

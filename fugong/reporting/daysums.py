"""The sums of one day's statuses over a set of enterprises, in one SQL statement: the
enterprises' queryset (compiled once, no ordering) LEFT JOINed to their DayStatus row of the
day (only confirmed rows for confirmed figures), with the same keys as `stats._AGG` gives."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.db.models import F, QuerySet

from fugong.core.models import Campaign

_SQL = """
SELECT COUNT(*),
       SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END),
       COUNT(s.id), SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
       SUM(s.staff_on_duty), SUM(COALESCE(s.staff_total, x.ts)), SUM(s.output),
       SUM(s.capacity_utilisation), COUNT(s.capacity_utilisation)
FROM ({enterprises}) x
LEFT JOIN reporting_daystatus s ON s.enterprise_id = x.eid AND s.campaign_id = %s
       AND s.day = %s {confirmed}
"""

KEYS = (
    "enterprises",
    "resumed_full",
    "resumed_partial",
    "reported",
    "reported_today",
    "staff_on_duty",
    "staff_total",
    "output",
    "capacity_sum",
    "capacity_n",
)


def status_sums(campaign: Campaign, day: date, enterprises: QuerySet, confirmed: bool) -> dict:
    """{key: sum} of the enterprises' statuses on `day` (see stats.figures)."""
    if enterprises.query.is_empty():
        return dict.fromkeys(KEYS, 0)
    ents = enterprises.order_by().values(eid=F("pk"), ts=F("total_staff"))
    sql, params = ents.query.sql_with_params()
    text = _SQL.format(enterprises=sql, confirmed="AND s.confirmed" if confirmed else "")
    with connections[enterprises.db].cursor() as cursor:  # where the ORM would read them
        cursor.execute(text, [*params, campaign.pk, day])
        return dict(zip(KEYS, cursor.fetchone(), strict=True))


def percent(numerator: Decimal | float, denominator: Decimal | float | None) -> float | None:
    if not denominator:
        return None
    return float(
        (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    )


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

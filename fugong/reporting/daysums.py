"""The sums of one day's statuses over a set of enterprises, in one SQL statement: the
enterprises' queryset (compiled once, no ordering) LEFT JOINed to their DayStatus row of the
day (only confirmed rows for confirmed figures), with the same keys as `stats._AGG` gives."""

from __future__ import annotations

from datetime import date

from django.db import connection
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
    with connection.cursor() as cursor:
        cursor.execute(text, [*params, campaign.pk, day])
        return dict(zip(KEYS, cursor.fetchone(), strict=True))

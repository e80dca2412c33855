"""The electricity cross-check (`dashboard.crosscheck.cross_check`) for 10,000 enterprises with
180 days of readings each (1.8 million readings; December 2019 is the baseline month), against
one hand-written SQL query computing the same counts, in the same run.

    python bench/bench_power.py [--enterprises 10000] [--days 180] [--n 30]
"""

import argparse
import os
import random
from datetime import date, timedelta

from common import p50_alternating, setup

SQL = """
SELECT COUNT(*),
  SUM(CASE WHEN s.status IN ('full', 'partial') THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.kwh >= b.kwh_per_day * %s / 100 THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.status IN ('full', 'partial') AND r.kwh >= b.kwh_per_day * %s / 100
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.kwh IS NULL THEN 1 ELSE 0 END)
FROM registry_enterprise e JOIN core_region g ON g.id = e.region_id
JOIN power_baseline b ON b.enterprise_id = e.id AND b.campaign_id = %s
LEFT JOIN power_reading r ON r.enterprise_id = e.id AND r.day = %s
LEFT JOIN reporting_daystatus s ON s.enterprise_id = e.id AND s.campaign_id = %s AND s.day = %s
WHERE g.path LIKE %s
"""

D = date(2020, 2, 14)


def build(n, days):
    from django.db import connection
    from django.utils import timezone

    from fugong.core.models import Campaign, Region
    from fugong.power.models import Reading
    from fugong.power.services import recompute_baselines
    from fugong.registry.models import Enterprise
    from fugong.reporting.models import DailyReport
    from fugong.reporting.rollups import rebuild_status

    city = Region.objects.create(code="222400", name="延边州", level="city")
    counties = [
        Region.objects.create(code=f"2224{i:02d}", name=f"县{i}", level="county", parent=city)
        for i in range(1, 9)
    ]
    campaign = Campaign.objects.create(
        name="bench", region=city, starts_on=date(2020, 1, 28), ends_on=D
    )
    rng = random.Random(1)
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                uscc=f"9122240{i:011d}",
                name=f"企业{i}",
                region=counties[i % 8],
                industry="27",
                industry_section="C",
                scale="above",
                total_staff=50,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    statuses = ["full", "partial", "not_resumed"]
    now = timezone.now()
    DailyReport.objects.bulk_create(
        [
            DailyReport(
                campaign=campaign,
                enterprise_id=e,
                date=D,
                status=rng.choice(statuses),
                channel="import",
                submitted_at=now,
            )
            for e in ids
        ],
        batch_size=2000,
    )
    rebuild_status(campaign)
    start = date(2019, 12, 1)
    rows = []
    for e in ids:
        base = rng.uniform(100, 5000)
        for d in range(days):
            if rng.random() < 0.03:
                continue  # a missing day
            rows.append((e, start + timedelta(days=d), round(base * rng.uniform(0, 1.2), 2)))
    _insert(connection, Reading._meta.db_table, rows)
    recompute_baselines(campaign)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would: the visibility map set
    return campaign, city


def _insert(connection, table, rows):
    """The readings written fast: COPY on PostgreSQL, batched inserts on SQLite."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} (enterprise_id, day, kwh) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 50000):
            cursor.executemany(
                f"INSERT INTO {table} (enterprise_id, day, kwh) VALUES (%s, %s, %s)",
                rows[i : i + 50000],
            )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    vendor = setup()

    from django.db import connection

    from fugong.core.models import Campaign
    from fugong.core.permissions import SYSTEM
    from fugong.dashboard import crosscheck
    from fugong.power.models import Reading
    from fugong.reporting.stats import StatsQuery

    built = Campaign.objects.filter(name="bench").select_related("region").first()
    if built is not None and os.environ.get("BENCH_REUSE") == "1":  # measured again, not rebuilt
        campaign, city = built, built.region
    else:
        campaign, city = build(args.enterprises, args.days)
    query = StatsQuery.parse(SYSTEM, {"region": city.code, "date": D.isoformat()}, campaign)

    def orm():
        return crosscheck.cross_check(SYSTEM, query)

    def sql():
        with connection.cursor() as cursor:
            cursor.execute(SQL, [30, 30, campaign.pk, D, campaign.pk, D, city.path + "%"])
            return cursor.fetchone()

    result, row = orm(), sql()
    assert (result["enterprises_with_baseline"], result["resumed_by_report"]) == row[:2], row
    assert (result["resumed_by_power"], result["both"], result["no_reading"]) == row[2:], row
    t_orm, t_sql = p50_alternating(orm, sql, args.n)
    print(
        f"{vendor}: {args.enterprises} enterprises × {args.days} days "
        f"({Reading.objects.count()} readings): cross_check p50 {t_orm * 1000:.1f} ms, "
        f"hand-written SQL {t_sql * 1000:.1f} ms, ratio {t_orm / t_sql:.2f}×"
    )


if __name__ == "__main__":
    main()

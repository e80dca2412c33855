"""Policy matching: one policy with five rules (industry section or division, scale, member of
a list as of today, staff between bounds, resumed as of today through the status provider)
over 100,000 enterprises, against one hand-written SQL query returning the same rows in the
same run. Data built with bulk inserts.

    python bench/bench_policies.py [--enterprises 100000]
"""

import argparse
import random
import statistics

from common import p50, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true", help="print both queries' plans")
    args = parser.parse_args()
    vendor = setup()

    import datetime

    from django.db import connection
    from django.utils import timezone

    from fugong.core.models import Campaign, Region
    from fugong.core.permissions import SYSTEM
    from fugong.policies import rules, services
    from fugong.policies.models import Policy
    from fugong.registry import industry
    from fugong.registry.demo import make_uscc
    from fugong.registry.models import Enterprise, EnterpriseList, ListMembership
    from fugong.reporting.models import DailyReport, DayStatus

    today = timezone.localdate()
    rng = random.Random(17)
    province = Region.objects.create(code="220000", name="吉林省", level="province")
    city = Region.objects.create(code="222400", name="延边州", level="city", parent=province)
    counties = [
        Region.objects.create(code=f"2224{i:02d}", name=f"县{i}", level="county", parent=city)
        for i in range(1, 9)
    ]
    towns = [
        Region.objects.create(
            code=f"{c.code}{j:03d}", name=f"{c.name}镇{j}", level="township", parent=c
        )
        for c in counties
        for j in range(1, 6)
    ]
    divisions = list(industry.DIVISIONS)
    enterprises = []
    for i in range(args.enterprises):
        town = towns[i % len(towns)]
        division = rng.choice(divisions)
        enterprises.append(
            Enterprise(
                uscc=make_uscc(rng, town.code[:6]),
                name=f"企业{i:06d}有限公司",
                region=town,
                industry=division,
                industry_section=industry.section_of(division),
                scale="above" if rng.random() < 0.3 else "below",
                total_staff=int(rng.lognormvariate(4.3, 0.9)) + 8,
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=5000, ignore_conflicts=True)
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    key = EnterpriseList.objects.create(name="重点企业", kind="key")
    ListMembership.objects.bulk_create(
        [
            ListMembership(
                list=key,
                enterprise_id=pk,
                added_on=today - datetime.timedelta(days=30),
                removed_on=today - datetime.timedelta(days=1) if n % 10 == 0 else None,
            )
            for n, pk in enumerate(rng.sample(ids, len(ids) // 4))
        ],
        batch_size=5000,
    )
    campaign = Campaign.objects.create(
        name="bench", region=city, starts_on=today - datetime.timedelta(days=5)
    )
    now = timezone.now()
    statuses = [rng.choice(["full", "partial", "not_resumed"]) for _ in ids]
    reports = DailyReport.objects.bulk_create(
        [
            DailyReport(
                campaign=campaign,
                enterprise_id=pk,
                date=today,
                status=s,
                channel="h5",
                submitted_at=now,
            )
            for pk, s in zip(ids, statuses, strict=True)
        ],
        batch_size=5000,
    )
    DayStatus.objects.bulk_create(
        [
            DayStatus(
                campaign=campaign,
                day=today,
                enterprise_id=r.enterprise_id,
                report_id=r.pk,
                status=r.status,
                staff_on_duty=0,
                staff_total=0,
                reported_today=True,
            )
            for r in reports
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # the status provider as the integrator wires it (from reporting's day statuses)
    rules.connect(
        "resumed",
        lambda day: DayStatus.objects.filter(day=day, status__in=["full", "partial"]),
    )
    policy = Policy(title="bench", region=city, support="subsidy")
    services.save_policy(
        SYSTEM,
        policy,
        [
            ("industry", {"sections": ["C"], "divisions": ["61"]}),
            ("scale", {"scale": "above"}),
            ("lists", {"ids": [key.pk], "as_of": None}),
            ("staff", {"min": 50, "max": 1000}),
            ("resumed", {"by": None}),
        ],
    )
    policy = Policy.objects.select_related("region").prefetch_related("rules").get(pk=policy.pk)

    def orm():
        return list(services.qualifying(policy, SYSTEM, today).values_list("pk", "uscc", "name"))

    sql = """
        SELECT e.id, e.uscc, e.name FROM registry_enterprise e
        JOIN core_region r ON r.id = e.region_id
        WHERE r.path LIKE %s
          AND (e.industry_section IN ('C') OR e.industry IN ('61'))
          AND e.scale = 'above'
          AND e.total_staff >= 50 AND e.total_staff <= 1000
          AND EXISTS (SELECT 1 FROM registry_listmembership m
                      WHERE m.enterprise_id = e.id AND m.list_id = %s AND m.added_on <= %s
                        AND (m.removed_on IS NULL OR m.removed_on > %s))
          AND EXISTS (SELECT 1 FROM reporting_daystatus d
                      WHERE d.enterprise_id = e.id AND d.day = %s
                        AND d.status IN ('full', 'partial'))
        ORDER BY e.name, e.id
    """

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(sql, [city.path + "%", key.pk, today, today, today])
            return cursor.fetchall()

    assert sorted(orm()) == sorted(hand()), "the two queries disagree"
    if args.explain:
        ours_sql, params = (
            services.qualifying(policy, SYSTEM, today).values_list("pk", "uscc", "name").query
        ).sql_with_params()
        print(ours_sql)
        with connection.cursor() as cursor:
            for text, values in (
                (ours_sql, params),
                (sql, [city.path + "%", key.pk, today, today, today]),
            ):
                explain = "EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN "
                cursor.execute(explain + text, values)
                print(*cursor.fetchall(), sep="\n")
    orm(), hand()  # warm
    # interleaved, so that load from other processes falls on both alike
    floors, ourses = [], []
    for _ in range(25):
        floors.append(p50(hand, 1))
        ourses.append(p50(orm, 1))
    floor, ours, matched = statistics.median(floors), statistics.median(ourses), len(hand())
    build = p50(
        lambda: (
            services.qualifying(policy, SYSTEM, today).values_list("pk").query.sql_with_params()
        ),
        25,
    )
    page = p50(lambda: services.matches(policy, SYSTEM, today, limit=50), 15)
    print(f"database: {vendor}; {len(ids)} enterprises, {matched} qualify for five rules")
    print(f"hand-written SQL (baseline) p50: {floor * 1e3:8.1f} ms")
    print(f"qualifying() p50:                {ours * 1e3:8.1f} ms  ratio {ours / floor:.2f}")
    print(f"  of which building the query:   {build * 1e3:8.1f} ms")
    print(f"matches() first 50 with why p50: {page * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()

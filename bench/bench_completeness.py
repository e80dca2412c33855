"""Completeness and confirmed statistics for 10,000 enterprises x 180 days: the service calls
and the API, p50, against hand-written SQL computing the same figures in the same run:

  (a) completeness of one day (expected as of the day, on time, late, confirmed) in one query
      over the enterprises (region and scale as of the day: their history period covering the
      day, else their current values) LEFT JOINed to the day's reports;
  (b) confirmed-only resumption of one day in one query over the DayStatus rollup;

each for the whole region (延边州) and for one township. The data: `fugong demo --enterprises N`
for the registry, then the reports, the DayStatus rows, the RegionDay sums and some history
(1 % of the enterprises moved to another township and 1 % changed scale mid-campaign) written
by set-based SQL on PostgreSQL (`fugong demo --report-days` on SQLite): a fifth of the day's
reports late and a third confirmed.

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/fg_bench \
        python bench/bench_completeness.py [--enterprises 10000] [--days 180] [--n 50]
"""

import argparse
import time

from common import p50_alternating, setup

# region and scale as of the day: the history period covering it, else the current values
AS_OF = """
FROM registry_enterprise e
LEFT JOIN registry_enterprisehistory h ON h.enterprise_id = e.id AND h.valid_to > %s
     AND (h.valid_from IS NULL OR h.valid_from <= %s)
JOIN core_region g ON g.id = COALESCE(h.region_id, e.region_id)
"""
# the same as hashed subqueries: current region in the subtree and no period covering the
# day, or a period covering the day in the subtree (what the service's queryset compiles to)
AS_OF_IN = """
FROM registry_enterprise e
WHERE ((e.region_id IN (SELECT id FROM core_region WHERE path LIKE %s)
        AND e.id NOT IN (SELECT enterprise_id FROM registry_enterprisehistory
                         WHERE valid_to > %s AND (valid_from IS NULL OR valid_from <= %s)))
       OR e.id IN (SELECT h.enterprise_id FROM registry_enterprisehistory h
                   JOIN core_region g ON g.id = h.region_id
                   WHERE g.path LIKE %s AND h.valid_to > %s
                         AND (h.valid_from IS NULL OR h.valid_from <= %s)))
      AND (e.active_from IS NULL OR e.active_from <= %s)
      AND (e.active_to IS NULL OR e.active_to > %s)
"""
ACTIVE = """g.path LIKE %s AND (e.active_from IS NULL OR e.active_from <= %s)
      AND (e.active_to IS NULL OR e.active_to > %s)"""

COMPLETENESS_SQL = f"""
SELECT COUNT(e.id),
       SUM(CASE WHEN r.enterprise_id IS NOT NULL AND r.on_time IS NOT FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.on_time = FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.confirmed_at IS NOT NULL THEN 1 ELSE 0 END)
{AS_OF}
LEFT JOIN reporting_dailyreport r
       ON r.enterprise_id = e.id AND r.campaign_id = %s AND r.date = %s
WHERE {ACTIVE}
"""

CONFIRMED_SQL = f"""
SELECT COUNT(e.id),
       SUM(CASE WHEN s.status IN ('full', 'partial') THEN 1 ELSE 0 END),
       COUNT(s.id), SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
       SUM(s.staff_on_duty), SUM(COALESCE(s.staff_total, e.total_staff)), SUM(s.output),
       SUM(s.capacity_utilisation), COUNT(s.capacity_utilisation)
{AS_OF}
LEFT JOIN reporting_daystatus s ON s.enterprise_id = e.id AND s.campaign_id = %s
       AND s.day = %s AND s.confirmed
WHERE {ACTIVE}
"""

COMPLETENESS_IN_SQL = f"""
SELECT COUNT(*),
       SUM(CASE WHEN r.enterprise_id IS NOT NULL AND r.on_time IS NOT FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.on_time = FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.confirmed_at IS NOT NULL THEN 1 ELSE 0 END)
FROM (SELECT e.id {AS_OF_IN}) x
LEFT JOIN reporting_dailyreport r
       ON r.enterprise_id = x.id AND r.campaign_id = %s AND r.date = %s
"""

CONFIRMED_IN_SQL = f"""
SELECT COUNT(x.id),
       SUM(CASE WHEN s.status IN ('full', 'partial') THEN 1 ELSE 0 END),
       COUNT(s.id), SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
       SUM(s.staff_on_duty), SUM(COALESCE(s.staff_total, x.total_staff)), SUM(s.output),
       SUM(s.capacity_utilisation), COUNT(s.capacity_utilisation)
FROM (SELECT e.id, e.total_staff {AS_OF_IN}) x
LEFT JOIN reporting_daystatus s ON s.enterprise_id = x.id AND s.campaign_id = %s
       AND s.day = %s AND s.confirmed
"""

REPORTS_SQL = """
INSERT INTO reporting_dailyreport (campaign_id, enterprise_id, date, status, mode,
    staff_on_duty, staff_total, output, output_unit, capacity_utilisation, material_days,
    masks_needed, disinfectant_needed, thermometers_needed, workers_short, funding_needed,
    difficulties, extra, channel, submitted_at, version, arrived_at, on_time, flags, flagged)
SELECT %(campaign)s, e.id, d.day, st.status, 'normal',
    CASE st.status WHEN 'not_resumed' THEN 0 WHEN 'partial' THEN e.total_staff / 2
         ELSE e.total_staff * 9 / 10 END,
    e.total_staff, CASE WHEN st.status = 'not_resumed' THEN 0 ELSE 1 + e.id %% 80 END, '万元',
    CASE WHEN st.status = 'not_resumed' THEN NULL ELSE 40 + e.id %% 60 END, 10, 0, 0, 0, 0, 0,
    '', '{}', 'h5', d.day + TIME '09:30', 1, d.day + TIME '09:30', TRUE, '[]', FALSE
FROM registry_enterprise e
JOIN core_region g ON g.id = e.region_id AND g.path LIKE %(path)s
CROSS JOIN (SELECT %(first)s::date + n AS day, n FROM generate_series(0, %(last)s) n) d
CROSS JOIN LATERAL (SELECT CASE
    WHEN e.id %% 5 = 0 OR d.n < e.id %% 60 THEN 'not_resumed'
    WHEN d.n < e.id %% 60 + 3 THEN 'partial' ELSE 'full' END AS status) st
WHERE (e.id * 31 + d.n * 17) %% 100 >= 12
"""

STATUS_SQL = """
INSERT INTO reporting_daystatus (campaign_id, day, enterprise_id, report_id, status, mode,
    confirmed, staff_on_duty, staff_total, output, capacity_utilisation, reported_today)
SELECT r.campaign_id, g.day::date, r.enterprise_id, r.id, r.status, r.mode,
    r.confirmed_at IS NOT NULL, r.staff_on_duty, r.staff_total, r.output,
    r.capacity_utilisation, g.day::date = r.date
FROM (SELECT r.*, LEAD(r.date) OVER (PARTITION BY r.enterprise_id ORDER BY r.date) AS nxt
      FROM reporting_dailyreport r WHERE r.campaign_id = %s) r
CROSS JOIN LATERAL generate_series(r.date, COALESCE(r.nxt - 1, %s::date), INTERVAL '1 day') g(day)
"""


def build(enterprises, days, vendor):
    """The registry (the demo's), then reports, statuses, history and RegionDay sums."""
    from datetime import timedelta

    from django.db import connection, transaction

    from fugong.core.models import Campaign
    from fugong.registry import demo
    from fugong.registry.models import Enterprise, record_history
    from fugong.reporting.demo import FIRST_DAY, build_reports
    from fugong.reporting.models import DailyReport, DayStatus, Horizon, RegionDay
    from fugong.reporting.rollups import horizon_day, recompute_region_days

    demo.build(enterprises)
    campaign = Campaign.objects.select_related("region").get(name="2020年新冠肺炎疫情复工复产")
    last = min(FIRST_DAY + timedelta(days=days - 1), horizon_day(campaign))
    with transaction.atomic():
        if vendor != "postgresql":
            build_reports(days)
        else:
            for model in (DayStatus, RegionDay, Horizon, DailyReport):
                model.objects.filter(campaign=campaign).delete()
            params = {
                "campaign": campaign.pk,
                "path": campaign.region.path + "%",
                "first": FIRST_DAY,
                "last": (last - FIRST_DAY).days,
            }
            with connection.cursor() as cursor:
                cursor.execute(REPORTS_SQL, params)
                cursor.execute(STATUS_SQL, [campaign.pk, horizon_day(campaign)])
            Horizon.objects.create(campaign=campaign, through=horizon_day(campaign))
        # 1 % move to the most populous township, 1 % change scale, from the middle on
        changed_on = FIRST_DAY + timedelta(days=days // 2)
        township = township_of(campaign)
        ents = list(
            Enterprise.objects.filter(region__path__startswith=campaign.region.path).order_by("pk")
        )
        movers = [e for e in ents if e.pk % 100 == 7 and e.region_id != township.pk]
        scalers = [e for e in ents if e.pk % 100 == 3]
        record_history([(e.pk, e.region_id, e.scale) for e in movers + scalers], day=changed_on)
        Enterprise.objects.filter(pk__in=[e.pk for e in movers]).update(region=township)
        for scale in ("above", "below"):
            other = "below" if scale == "above" else "above"
            Enterprise.objects.filter(pk__in=[e.pk for e in scalers], scale=scale).update(
                scale=other
            )
        recompute_region_days(campaign.pk)
    return campaign


def built_campaign(enterprises, days, vendor):
    """The demo campaign and the seconds its data took to build: built unless the database
    (kept with BENCH_REUSE=1) already holds its reports."""
    from fugong.core.models import Campaign
    from fugong.reporting.models import DailyReport

    campaign = Campaign.objects.filter(name="2020年新冠肺炎疫情复工复产").first()
    if campaign is not None and DailyReport.objects.filter(campaign=campaign).exists():
        return campaign, 0.0
    t = time.perf_counter()
    return build(enterprises, days, vendor), time.perf_counter() - t


def township_of(campaign):
    """The township (or park) of the campaign's region with the most enterprises."""
    from django.db.models import Count

    from fugong.core.models import Region

    return (
        Region.objects.filter(path__startswith=campaign.region.path, level__in=("township", "park"))
        .annotate(n=Count("enterprises"))
        .order_by("-n", "code")
        .first()
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    vendor = setup()

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fugong.core.models import User
    from fugong.core.permissions import SYSTEM
    from fugong.core.services import issue_token
    from fugong.registry.models import EnterpriseHistory
    from fugong.reporting import stats
    from fugong.reporting.completeness import completeness
    from fugong.reporting.models import DailyReport, DayStatus
    from fugong.reporting.services import latest_report_day

    campaign, built = built_campaign(args.enterprises, args.days, vendor)
    day = latest_report_day(campaign)
    of_day = DailyReport.objects.filter(campaign=campaign, date=day)
    of_day.update(on_time=True, confirmed_at=None)
    late = [pk for pk in of_day.values_list("pk", flat=True) if pk % 5 == 0]
    confirmed = [pk for pk in of_day.values_list("pk", flat=True) if pk % 3 == 0]
    DailyReport.objects.filter(pk__in=late).update(on_time=False)
    DailyReport.objects.filter(pk__in=confirmed).update(confirmed_at=timezone.now())
    DayStatus.objects.filter(campaign=campaign, day=day).update(confirmed=False)
    DayStatus.objects.filter(campaign=campaign, day=day, report_id__in=confirmed).update(
        confirmed=True
    )
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            # fresh statistics and visibility map (index-only scans), as autovacuum would leave
            cursor.execute(
                "VACUUM ANALYZE reporting_dailyreport, reporting_daystatus, registry_enterprise, "
                "registry_enterprisehistory"
            )
    _t, raw = issue_token(User.objects.get(username="zhuanban"), "bench")
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    print(
        f"database: {vendor}; enterprises: {args.enterprises}; reports: "
        f"{DailyReport.objects.count()}; status rows: {DayStatus.objects.count()}; history rows: "
        f"{EnterpriseHistory.objects.count()}; built in {built:.0f} s; day {day}"
    )
    for label, code in (("whole region", "222400"), ("one township", township_of(campaign).code)):
        params = {"region": code, "date": day.isoformat()}
        query = stats.StatsQuery.parse(SYSTEM, params, campaign)
        confirmed_query = stats.StatsQuery.parse(SYSTEM, {**params, "confirmed": "1"}, campaign)
        args_sql = [day, day, campaign.pk, day, query.region.path + "%", day, day]

        path = query.region.path + "%"
        args_in = [path, day, day, path, day, day, day, day, campaign.pk, day]

        def sql(text, args_sql=args_sql, args_in=args_in):
            with connection.cursor() as cursor:
                cursor.execute(
                    text, args_in if text in (COMPLETENESS_IN_SQL, CONFIRMED_IN_SQL) else args_sql
                )
                return cursor.fetchone()

        figures = completeness(SYSTEM, query)
        hand = sql(COMPLETENESS_SQL)
        assert sql(COMPLETENESS_IN_SQL) == hand
        assert [round(float(v or 0), 2) for v in sql(CONFIRMED_IN_SQL)] == [
            round(float(v or 0), 2) for v in sql(CONFIRMED_SQL)
        ]
        assert tuple(int(v or 0) for v in hand) == (
            figures["expected"],
            figures["on_time"],
            figures["late"],
            figures["confirmed"],
        ), (hand, figures)
        resumed = stats.resumption(SYSTEM, confirmed_query)
        hand_confirmed = sql(CONFIRMED_SQL)
        assert (int(hand_confirmed[0]), int(hand_confirmed[1] or 0)) == (
            resumed["enterprises"],
            resumed["resumed"],
        ), (hand_confirmed, resumed["enterprises"], resumed["resumed"])
        url = f"/api/v1/stats/completeness?region={code}&date={day}"
        assert client.get(url, **auth).json()["expected"] == figures["expected"]

        n = args.n
        # the floor: the faster of the two hand-written forms, each sampled next to the service
        service_day, hand_join = p50_alternating(
            lambda query=query: completeness(SYSTEM, query), lambda: sql(COMPLETENESS_SQL), n
        )
        api_day, hand_in = p50_alternating(
            lambda url=url: client.get(url, **auth), lambda: sql(COMPLETENESS_IN_SQL), n
        )
        service_day2, hand_in2 = p50_alternating(
            lambda query=query: completeness(SYSTEM, query), lambda: sql(COMPLETENESS_IN_SQL), n
        )
        service_day, hand_day = min(service_day, service_day2), min(hand_join, hand_in, hand_in2)
        hand_day2 = hand_day
        service_conf, hand_conf_join = p50_alternating(
            lambda q=confirmed_query: stats.resumption(SYSTEM, q), lambda: sql(CONFIRMED_SQL), n
        )
        service_conf2, hand_conf_in = p50_alternating(
            lambda q=confirmed_query: stats.resumption(SYSTEM, q), lambda: sql(CONFIRMED_IN_SQL), n
        )
        service_conf = min(service_conf, service_conf2)
        hand_conf = min(hand_conf_join, hand_conf_in)
        print(
            f"hand forms (join / subqueries): completeness {hand_join * 1e3:.2f} / "
            f"{min(hand_in, hand_in2) * 1e3:.2f} ms, confirmed {hand_conf_join * 1e3:.2f} / "
            f"{hand_conf_in * 1e3:.2f} ms"
        )
        print(f"--- {label} ({query.region.name} {code})")
        print(
            f"completeness: expected {figures['expected']}, on time {figures['on_time']}, late "
            f"{figures['late']}, confirmed {figures['confirmed']} ({figures['confirmed_rate']}%)"
        )
        print(f"confirmed only: {resumed['resumed']}/{resumed['enterprises']} resumed")
        print(f"hand SQL, completeness (a):      {hand_day * 1e3:8.2f} ms")
        print(
            f"completeness(), the service:     {service_day * 1e3:8.2f} ms = "
            f"{service_day / hand_day:5.2f}x (a)"
        )
        print(
            f"GET /api/v1/stats/completeness:  {api_day * 1e3:8.2f} ms = "
            f"{api_day / hand_day2:5.2f}x (a)"
        )
        print(f"hand SQL, confirmed only (b):    {hand_conf * 1e3:8.2f} ms")
        print(
            f"resumption(confirmed=1):         {service_conf * 1e3:8.2f} ms = "
            f"{service_conf / hand_conf:5.2f}x (b)"
        )


if __name__ == "__main__":
    main()

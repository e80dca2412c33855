"""Completeness and confirmed statistics on `fugong demo --enterprises 10000 --report-days 180`
(a third of the day's reports confirmed, a fifth late): the service calls and the API, p50,
against hand-written SQL computing the same figures in the same run:

  (a) completeness of one day (expected as of the day, on time, late, confirmed) in one query
      over the enterprises LEFT JOINed to the day's reports;
  (b) confirmed-only resumption of one day in one query over the DayStatus rollup.

    python bench/bench_completeness.py [--enterprises 10000] [--days 180] [--n 50]
"""

import argparse
import time

from common import p50, setup

COMPLETENESS_SQL = """
SELECT COUNT(e.id),
       SUM(CASE WHEN r.id IS NOT NULL AND r.on_time IS NOT FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.on_time = FALSE THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.confirmed_at IS NOT NULL THEN 1 ELSE 0 END)
FROM registry_enterprise e JOIN core_region g ON g.id = e.region_id
LEFT JOIN reporting_dailyreport r
       ON r.enterprise_id = e.id AND r.campaign_id = %s AND r.date = %s
WHERE g.path LIKE %s AND (e.active_from IS NULL OR e.active_from <= %s)
      AND (e.active_to IS NULL OR e.active_to > %s)
"""

CONFIRMED_SQL = """
SELECT COUNT(e.id),
       SUM(CASE WHEN s.status IN ('full', 'partial') THEN 1 ELSE 0 END)
FROM registry_enterprise e JOIN core_region g ON g.id = e.region_id
LEFT JOIN reporting_daystatus s ON s.enterprise_id = e.id AND s.campaign_id = %s
       AND s.day = %s AND s.confirmed
WHERE g.path LIKE %s AND (e.active_from IS NULL OR e.active_from <= %s)
      AND (e.active_to IS NULL OR e.active_to > %s)
"""


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

    from fugong.core.models import Campaign, User
    from fugong.core.permissions import SYSTEM
    from fugong.core.services import issue_token
    from fugong.registry import demo
    from fugong.reporting import stats
    from fugong.reporting.completeness import completeness
    from fugong.reporting.demo import build_reports
    from fugong.reporting.models import DailyReport, DayStatus
    from fugong.reporting.services import latest_report_day

    if not DailyReport.objects.exists():
        t = time.perf_counter()
        demo.build(args.enterprises)
        build_reports(args.days)
        print(f"built in {time.perf_counter() - t:.0f} s")
    campaign = Campaign.objects.get(name="2020年新冠肺炎疫情复工复产")
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
            cursor.execute("ANALYZE reporting_dailyreport, reporting_daystatus")

    params = {"region": "222400", "date": day.isoformat()}
    query = stats.StatsQuery.parse(SYSTEM, params, campaign)
    confirmed_query = stats.StatsQuery.parse(SYSTEM, {**params, "confirmed": "1"}, campaign)
    path = query.region.path + "%"

    def sql(text):
        with connection.cursor() as cursor:
            cursor.execute(text, [campaign.pk, day, path, day, day])
            return cursor.fetchone()

    figures = completeness(SYSTEM, query)
    hand = sql(COMPLETENESS_SQL)
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

    _t, raw = issue_token(User.objects.get(username="zhuanban"), "bench")
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/v1/stats/completeness?region=222400&date={day}"
    assert client.get(url, **auth).json()["expected"] == figures["expected"]

    n = args.n
    hand_day = p50(lambda: sql(COMPLETENESS_SQL), n)
    service_day = p50(lambda: completeness(SYSTEM, query), n)
    api_day = p50(lambda: client.get(url, **auth), n)
    hand_conf = p50(lambda: sql(CONFIRMED_SQL), n)
    service_conf = p50(lambda: stats.resumption(SYSTEM, confirmed_query), n)
    print(
        f"database: {vendor}; enterprises: {args.enterprises}; reports: "
        f"{DailyReport.objects.count()}; status rows: {DayStatus.objects.count()}; day {day}"
    )
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
        f"GET /api/v1/stats/completeness:  {api_day * 1e3:8.2f} ms = {api_day / hand_day:5.2f}x (a)"
    )
    print(f"hand SQL, confirmed only (b):    {hand_conf * 1e3:8.2f} ms")
    print(
        f"resumption(confirmed=1):         {service_conf * 1e3:8.2f} ms = "
        f"{service_conf / hand_conf:5.2f}x (b)"
    )


if __name__ == "__main__":
    main()

"""Resumption statistics on `fugong demo --enterprises 10000 --report-days 180`: the stats API
for one day and for a 30-day series, p50 through the full Django stack, against hand-written
SQL measured in the same run:

  (a) one query computing the same day's counts from the raw reports (latest report on or
      before the day per enterprise) — what the figures cost without the rollup;
  (b) one query computing the same counts from the DayStatus rollup — the floor for any code
      reading the rollup.

    python bench/bench_stats.py [--enterprises 10000] [--days 180] [--n 50]
"""

import argparse
import time

from common import p50, setup

RAW_SQL = """
WITH latest AS (
  SELECT r.enterprise_id, r.status, r.staff_on_duty, r.staff_total, r.date,
         ROW_NUMBER() OVER (PARTITION BY r.enterprise_id ORDER BY r.date DESC) AS rn
  FROM reporting_dailyreport r WHERE r.campaign_id = %s AND r.date <= %s)
SELECT COUNT(*),
       SUM(CASE WHEN l.status = 'full' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.status = 'partial' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.enterprise_id IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.date = %s THEN 1 ELSE 0 END),
       SUM(COALESCE(l.staff_on_duty, 0)), SUM(COALESCE(l.staff_total, e.total_staff))
FROM registry_enterprise e JOIN core_region g ON g.id = e.region_id
LEFT JOIN latest l ON l.enterprise_id = e.id AND l.rn = 1
WHERE g.path LIKE %s
"""

ROLLUP_SQL = """
SELECT COUNT(e.id),
       SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.id IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END),
       SUM(COALESCE(s.staff_on_duty, 0)), SUM(COALESCE(s.staff_total, e.total_staff))
FROM registry_enterprise e JOIN core_region g ON g.id = e.region_id
LEFT JOIN reporting_daystatus s ON s.enterprise_id = e.id AND s.campaign_id = %s AND s.day = %s
WHERE g.path LIKE %s
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    vendor = setup()

    from datetime import timedelta

    from django.db import connection
    from django.test import Client

    from fugong.core.models import Campaign, User
    from fugong.core.services import issue_token
    from fugong.registry import demo
    from fugong.reporting.demo import build_reports
    from fugong.reporting.models import DailyReport, DayStatus
    from fugong.reporting.services import latest_report_day

    t = time.perf_counter()
    demo.build(args.enterprises)
    build_reports(args.days)
    built = time.perf_counter() - t
    campaign = Campaign.objects.get(name="2020年新冠肺炎疫情复工复产")
    day = latest_report_day(campaign)
    _t, raw = issue_token(User.objects.get(username="zhuanban"), "bench")
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    one = f"/api/v1/stats/resumption?region=222400&date={day}"
    start = day - timedelta(days=29)
    series = f"/api/v1/stats/resumption/series?region=222400&date={day}&start={start}"
    body = client.get(one, **auth).json()
    assert len(client.get(series, **auth).json()) == 30

    def sql(query, params):
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchone()

    raw_row = sql(RAW_SQL, [campaign.pk, day, day, "/220000/222400/%"])
    rollup_row = sql(ROLLUP_SQL, [campaign.pk, day, "/220000/222400/%"])
    expected = (
        body["enterprises"],
        body["resumed_full"],
        body["resumed_partial"],
        body["never_reported"],
        body["reported_today"],
        body["staff_on_duty"],
        body["staff_total"],
    )
    assert tuple(int(v) for v in raw_row) == expected, (raw_row, expected)
    assert tuple(int(v) for v in rollup_row) == expected, (rollup_row, expected)

    n = args.n
    api_one = p50(lambda: client.get(one, **auth), n)
    api_series = p50(lambda: client.get(series, **auth), n)
    ping = p50(lambda: client.get("/api/v1/ping", **auth), n)
    raw_sql = p50(lambda: sql(RAW_SQL, [campaign.pk, day, day, "/220000/222400/%"]), max(5, n // 5))
    rollup_sql = p50(lambda: sql(ROLLUP_SQL, [campaign.pk, day, "/220000/222400/%"]), n)
    print(
        f"database: {vendor}; enterprises: {args.enterprises}; reports: "
        f"{DailyReport.objects.count()}; status rows: {DayStatus.objects.count()}; "
        f"built in {built:.0f} s; day {day}"
    )
    print(f"figures: {body['resumed']}/{body['enterprises']} resumed = {body['rate']}%")
    print(f"hand SQL over raw reports (a): {raw_sql * 1e3:8.2f} ms")
    print(f"hand SQL over the rollup  (b): {rollup_sql * 1e3:8.2f} ms")
    print(f"API ping:                      {ping * 1e3:8.2f} ms")
    print(
        f"API one day:     {api_one * 1e3:8.2f} ms  = {api_one / raw_sql:5.2f}x (a), "
        f"{api_one / rollup_sql:5.2f}x (b)"
    )
    print(
        f"API 30-day series: {api_series * 1e3:6.2f} ms  = {api_series / raw_sql:5.2f}x (a), "
        f"{api_series / rollup_sql:5.2f}x (b)"
    )


if __name__ == "__main__":
    main()

"""Resumption statistics for one day and a 30-day series, for the whole region (延边州) and for
one township, with no filter, an industry filter (the most common division), a scale filter
(规上) and a list filter (a named enterprise list): the service (`stats.resumption`,
`stats.series`) and the API (p50 through the full Django stack), each sampled in turn with
hand-written SQL computing the same figures over the same rollups (interleaved rounds):

  (d) the DayStatus rows: the enterprises in scope (region, scale and list as of each day)
      LEFT JOINed to their status of the day; for a series, over each day of the window;
  (r) the rollup the service reads: the per-region sums (RegionDay, no filter), the
      per-region, industry and scale sums (SegmentDay, industry filter), the per-region and
      scale sums (ScaleDay, scale filter) or the per-list, region and scale sums (ListDay, list
      filter), plus one aggregate of the registry for the denominators.

The floor is the faster of the hand forms that apply; the benchmark asserts that every form
and the API give the same counts. The service and the API keep the registry's denominators
while the registry is unchanged (`stats.REGISTRY_KEPT`), as a dashboard's repeated reads do;
`cold` is the service with that keep emptied before each call. The data is
bench_completeness's (`fugong demo` for the registry, then reports, statuses, history and sums
by set-based SQL on PostgreSQL); `--reuse` keeps a database built by an earlier run (or a copy
of the province database).

    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/fg_bench \
        python bench/bench_stats.py [--enterprises 10000] [--days 180] [--n 20] [--reuse]
"""

import argparse
import os
import statistics
import sys
from dataclasses import replace

from common import p50_alternating, setup

# the enterprises in scope on day %(day)s: region (subtree), scale from the history period
# covering the day, else the current values; list membership as of the day; active that day
SCOPE = """
SELECT e.id, e.total_staff, e.active_from, e.active_to
FROM registry_enterprise e
LEFT JOIN registry_enterprisehistory h ON h.enterprise_id = e.id AND h.valid_to > {day}
     AND (h.valid_from IS NULL OR h.valid_from <= {day})
JOIN core_region g ON g.id = COALESCE(h.region_id, e.region_id)
WHERE g.path >= %(path)s AND g.path < %(path_end)s {active} {filters}
"""
ACTIVE = """AND (e.active_from IS NULL OR e.active_from <= {day})
  AND (e.active_to IS NULL OR e.active_to > {day})"""
FILTERS = {
    "industry": "AND e.industry_division = %(industry)s",
    "scale": "AND COALESCE(h.scale, e.scale) = %(scale)s",
    "list": """AND e.id IN (SELECT m.enterprise_id FROM registry_listmembership m
        JOIN registry_enterpriselist l ON l.id = m.list_id WHERE l.name = %(list)s
        AND m.added_on <= {day} AND (m.removed_on IS NULL OR m.removed_on > {day}))""",
}
FIGURES = """COUNT(x.id), SUM(CASE WHEN s.status = 'full' THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.status = 'partial' THEN 1 ELSE 0 END), COUNT(s.id),
       SUM(CASE WHEN s.reported_today THEN 1 ELSE 0 END), SUM(s.staff_on_duty),
       SUM(COALESCE(s.staff_total, x.total_staff))"""

DAY_ROWS = """
SELECT {figures}
FROM ({scope}) x
LEFT JOIN reporting_daystatus s ON s.enterprise_id = x.id AND s.campaign_id = %(campaign)s
     AND s.day = %(day)s
"""
SERIES_ROWS = """
SELECT d.day, {figures}
FROM generate_series(%(start)s::date, %(day)s::date, INTERVAL '1 day') d(day)
CROSS JOIN LATERAL ({scope}) x
LEFT JOIN reporting_daystatus s ON s.enterprise_id = x.id AND s.campaign_id = %(campaign)s
     AND s.day = d.day
GROUP BY d.day ORDER BY d.day
"""
# the sums of a rollup table (RegionDay or SegmentDay) and the registry's denominators; over
# a series, those of the enterprises in scope on its last day grouped by the days they are
# active (no region or scale changed within the window: the benchmark's data)
SUMS = """SUM(c.resumed_full) f, SUM(c.resumed_partial) p, SUM(c.reported) r,
    SUM(c.reported_today) t, SUM(c.staff_on_duty) o, SUM(c.staff_total_reported) str,
    SUM(c.registry_staff_reported) rsr"""
DAY_SUMS = """
WITH reg AS (SELECT COUNT(*) n, SUM(x.total_staff) ts FROM ({scope}) x),
     c AS (SELECT {sums} FROM {table} c JOIN core_region g ON g.id = c.region_id
           WHERE c.campaign_id = %(campaign)s AND c.day = %(day)s
             AND g.path >= %(path)s AND g.path < %(path_end)s
           {cell_filters})
SELECT reg.n, COALESCE(c.f, 0), COALESCE(c.p, 0), COALESCE(c.r, 0), COALESCE(c.t, 0),
       COALESCE(c.o, 0), reg.ts - COALESCE(c.rsr, 0) + COALESCE(c.str, 0)
FROM reg, c
"""
SERIES_SUMS = """
WITH a AS (SELECT x.active_from af, x.active_to at, COUNT(*) n, SUM(x.total_staff) ts
           FROM ({scope_end}) x GROUP BY 1, 2),
     reg AS (SELECT d.day, SUM(a.n) n, SUM(a.ts) ts
             FROM generate_series(%(start)s::date, %(day)s::date, INTERVAL '1 day') d(day)
             JOIN a ON (a.af IS NULL OR a.af <= d.day) AND (a.at IS NULL OR a.at > d.day)
             GROUP BY d.day),
     c AS (SELECT c.day, {sums} FROM {table} c JOIN core_region g ON g.id = c.region_id
           WHERE c.campaign_id = %(campaign)s AND c.day >= %(start)s AND c.day <= %(day)s
             AND g.path >= %(path)s AND g.path < %(path_end)s {cell_filters} GROUP BY c.day)
SELECT reg.day, reg.n, COALESCE(c.f, 0), COALESCE(c.p, 0), COALESCE(c.r, 0), COALESCE(c.t, 0),
       COALESCE(c.o, 0), reg.ts - COALESCE(c.rsr, 0) + COALESCE(c.str, 0)
FROM reg LEFT JOIN c ON c.day = reg.day ORDER BY reg.day
"""
CELL_FILTERS = {
    "industry": "AND c.industry_division = %(industry)s",
    "scale": "AND c.scale = %(scale)s",
    "list": "AND c.list_id = (SELECT id FROM registry_enterpriselist WHERE name = %(list)s)",
}
# the rollup table each filter reads, best first (an older database has only the first ones)
TABLES = {
    "none": ("reporting_regionday",),
    "industry": ("reporting_segmentday",),
    "scale": ("reporting_scaleday", "reporting_segmentday"),
    "list": ("reporting_listday",),
}


def hand_queries(kind, flt, series, tables):
    """{form: SQL} of the hand-written queries computing the case's figures (`tables`: the
    rollup tables the database has)."""
    day = "d.day" if series else "%(day)s"
    filters = FILTERS.get(flt, "").format(day=day)
    scope = SCOPE.format(day=day, filters=filters, active=ACTIVE.format(day=day))
    scope_end = SCOPE.format(
        day="%(day)s", filters=FILTERS.get(flt, "").format(day="%(day)s"), active=""
    )
    out = {"d": (SERIES_ROWS if series else DAY_ROWS).format(figures=FIGURES, scope=scope)}
    table = next((t for t in TABLES[flt] if t in tables), None)
    if table:
        out["r"] = (SERIES_SUMS if series else DAY_SUMS).format(
            scope=scope,
            scope_end=scope_end,
            sums=SUMS,
            table=table,
            cell_filters=CELL_FILTERS.get(flt, ""),
        )
    return out


def figures_of(rows, series):
    """The hand query's rows as [(figures...)], one per day."""
    if not series:
        rows = [(None, *rows[0])]
    return [tuple(int(v or 0) for v in row[1:]) for row in rows]


def service_figures(result, series):
    items = result if series else [result]
    return [
        (
            r["enterprises"],
            r["resumed_full"],
            r["resumed_partial"],
            r["enterprises"] - r["never_reported"],
            r["reported_today"],
            r["staff_on_duty"],
            r["staff_total"],
        )
        for r in items
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database's data")
    parser.add_argument("--only", default="", help="a comma-separated subset of the filters")
    parser.add_argument(
        "--forms",
        default="d,r",
        help="the hand forms to sample (at 100,000 enterprises `r`: form d's series takes seconds)",
    )
    args = parser.parse_args()
    if args.reuse:
        os.environ["BENCH_REUSE"] = "1"
    vendor = setup()
    if vendor != "postgresql":
        sys.exit("bench_stats needs PostgreSQL (BENCH_DATABASE_URL): its hand SQL is PG's")

    from datetime import timedelta

    from bench_completeness import built_campaign, township_of
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from fugong.core.models import User, path_end
    from fugong.core.services import issue_token
    from fugong.registry.models import Enterprise, EnterpriseList
    from fugong.reporting import stats
    from fugong.reporting.models import DailyReport, DayStatus
    from fugong.reporting.services import latest_report_day

    campaign, built = built_campaign(args.enterprises, args.days, vendor)
    if built:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # fresh planner statistics after the bulk load
    day = latest_report_day(campaign)
    start = day - timedelta(days=29)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'reporting%%day'")
        tables = {row[0] for row in cursor.fetchall()}
    ents = Enterprise.objects.filter(region__path__startswith=campaign.region.path)
    division = (
        ents.values("industry_division")
        .annotate(n=Count("id"))
        .order_by("-n", "industry_division")[0]["industry_division"]
    )
    lst = (
        EnterpriseList.objects.annotate(n=Count("memberships"))
        .filter(n__gt=0)
        .order_by("-n")
        .first()
    )
    filters = {"none": {}, "industry": {"industry": division}, "scale": {"scale": "above"}}
    if lst is not None:
        filters["list"] = {"list": lst.name}
    if args.only:
        filters = {k: v for k, v in filters.items() if k in args.only.split(",")}
    user = User.objects.get(username="zhuanban")  # the API's caller, and the service's
    _t, raw = issue_token(user, "bench")
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    with os.popen("uptime") as up:
        load = up.read().strip()
    print(
        f"database: {vendor} {connection.settings_dict['NAME']}; enterprises: {ents.count()}; "
        f"reports: {DailyReport.objects.count()}; status rows: {DayStatus.objects.count()}; "
        f"built in {built:.0f} s; day {day}, series {start}…{day}; rollups: {sorted(tables)}; "
        f"industry {division}, list {lst.name if lst else '-'}; {load}"
    )
    township = township_of(campaign)
    print(
        f"{'case':<34} {'floor':>8} {'service':>8} {'÷floor':>6} {'API':>8} {'÷floor':>6} "
        f"{'cold':>8}  hand forms (ms)"
    )
    worst = []
    for scope_label, region in (("region", campaign.region), ("township", township)):
        for flt, extra in filters.items():
            for series in (False, True):
                params = {
                    "campaign": campaign.pk,
                    "day": day,
                    "start": start,
                    "path": region.path,  # the subtree as a range, as path_q
                    "path_end": path_end(region.path),
                    **extra,
                }
                query = stats.StatsQuery.parse(
                    user, {"region": region.code, "date": day.isoformat(), **extra}, campaign
                )
                qs = "&".join(f"{k}={v}" for k, v in extra.items())
                base = "/api/v1/stats/resumption" + ("/series" if series else "")
                url = f"{base}?region={region.code}&date={day}&start={start}&{qs}"

                def service(query=query, series=series):
                    query = replace(query)  # a fresh query, as each request parses its own
                    if series:
                        return stats.series(user, query, start, day)
                    return stats.resumption(user, query)

                def cold(service=service):
                    stats.REGISTRY_KEPT.clear()  # the denominators counted afresh
                    return service()

                def run(text, params=params):
                    with connection.cursor() as cursor:
                        cursor.execute(text, params)
                        return cursor.fetchall()

                hands = hand_queries(scope_label, flt, series, tables)
                hands = {f: t for f, t in hands.items() if f in args.forms} or hands
                expected = service_figures(service(), series)
                body = client.get(url, **auth)
                assert body.status_code == 200, (url, body.content[:300])
                assert service_figures(body.json(), series) == expected, url
                for form, text in hands.items():
                    got = figures_of(run(text), series)
                    assert got == expected, (scope_label, flt, series, form, got[:2], expected[:2])
                n = args.n
                times = {}
                for form, text in hands.items():  # each hand form sampled next to the service
                    s, h = p50_alternating(service, lambda text=text: run(text), n)
                    a, h2 = p50_alternating(
                        lambda url=url: client.get(url, **auth), lambda text=text: run(text), n
                    )
                    c, h3 = p50_alternating(cold, lambda text=text: run(text), n)
                    times.setdefault("service", []).append(s)
                    times.setdefault("api", []).append(a)
                    times.setdefault("cold", []).append(c)
                    times[form] = min(h, h2, h3)
                floor = min(times[f] for f in hands)
                svc, api, cold_p50 = min(times["service"]), min(times["api"]), min(times["cold"])
                label = f"{scope_label} {flt} {'30-day series' if series else 'one day'}"
                forms = ", ".join(f"{f} {times[f] * 1e3:.1f}" for f in hands)
                print(
                    f"{label:<34} {floor * 1e3:8.2f} {svc * 1e3:8.2f} {svc / floor:6.2f} "
                    f"{api * 1e3:8.2f} {api / floor:6.2f} {cold_p50 * 1e3:8.2f}  {forms}",
                    flush=True,
                )
                worst.append((api, label))
    print(
        f"slowest API p50: {max(worst)[0] * 1e3:.1f} ms ({max(worst)[1]}); "
        f"median {statistics.median(w for w, _ in worst) * 1e3:.1f} ms"
    )
    with os.popen("uptime") as up:
        print(up.read().strip())


if __name__ == "__main__":
    main()

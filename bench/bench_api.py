"""The enterprise list API over 10,000 enterprises filtered by region: p50 latency against the
same server's bare authenticated endpoint (/api/v1/ping), both through the full Django stack
(middleware, token auth, routing) in one process; and, for the city officer, a page of the
list at every level (the whole city, a county, a township) against the hand-written SQL of
the same page and count (the floor).

    python bench/bench_api.py [--enterprises 10000] [--n 200]
"""

import argparse

from common import p50, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=10000)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    vendor = setup()

    from django.test import Client

    from fugong.core.models import User
    from fugong.core.services import issue_token
    from fugong.registry import demo

    demo.build(args.enterprises)
    client = Client()
    results = {}
    for username in ("zhuanban", "yanji", "jinxue"):
        _t, raw = issue_token(User.objects.get(username=username), "bench")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        def get(url, headers=headers):
            r = client.get(url, **headers)
            assert r.status_code == 200, r.content[:200]
            return r

        count = get("/api/v1/enterprises?region=222401").json()["count"]
        for _ in range(20):  # warm up
            get("/api/v1/ping")
            get("/api/v1/enterprises?region=222401")
        base = p50(lambda get=get: get("/api/v1/ping"), args.n)
        listed = p50(lambda get=get: get("/api/v1/enterprises?region=222401&limit=50"), args.n)
        text = p50(lambda get=get: get("/api/v1/enterprises?region=222401&q=药业&limit=50"), args.n)
        results[username] = (count, base, listed, text)
    levels = _levels(client, args.n)
    print(f"database: {vendor}; enterprises: {args.enterprises}; samples per endpoint: {args.n}")
    print("user       in scope  ping p50   list p50 (ratio)    list+text p50 (ratio)")
    for user, (count, base, listed, text) in results.items():
        print(
            f"{user:<10} {count:>8}  {base * 1e3:6.2f} ms  {listed * 1e3:6.2f} ms "
            f"({listed / base:4.1f}x)   {text * 1e3:6.2f} ms ({text / base:4.1f}x)"
        )
    print("city officer, a page of 50 by level: API p50 against hand SQL (page + count) p50")
    for code, (count, api, floor) in levels.items():
        print(
            f"  region {code:<10} {count:>7} in scope  API {api * 1e3:6.2f} ms  "
            f"SQL {floor * 1e3:6.2f} ms  ({api / floor:4.1f}x)"
        )


FLOOR = """SELECT e.id, e.uscc, e.name, e.industry, e.scale, e.total_staff, e.contact_name,
       e.contact_phone, r.code, r.name FROM registry_enterprise e
JOIN core_region r ON r.id = e.region_id
WHERE r.path >= %s AND r.path < %s ORDER BY e.name, e.id LIMIT 50"""
COUNT = """SELECT count(*) FROM registry_enterprise e JOIN core_region r ON r.id = e.region_id
WHERE r.path >= %s AND r.path < %s"""


def _levels(client, n):
    from django.db import connection

    from fugong.core.models import Region, User, path_end
    from fugong.core.services import issue_token

    _t, raw = issue_token(User.objects.get(username="zhuanban"), "bench")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    out = {}
    for code in ("222400", "222401", "222401001"):
        path = Region.objects.get(code=code).path
        bounds = {"lo": path, "hi": path_end(path)}

        def hand(bounds=bounds):
            with connection.cursor() as cursor:
                cursor.execute(
                    FLOOR,
                    [bounds["lo"], bounds["hi"]],
                )
                cursor.fetchall()
                cursor.execute(
                    COUNT,
                    [bounds["lo"], bounds["hi"]],
                )
                return cursor.fetchone()[0]

        url = f"/api/v1/enterprises?region={code}&limit=50"
        count = client.get(url, **headers).json()["count"]
        assert count == hand(), code
        api = p50(lambda url=url: client.get(url, **headers), n)
        out[code] = (count, api, p50(hand, n))
    return out


if __name__ == "__main__":
    main()

"""The input guard on every request: `nul_in_request` (NUL in path, query, headers, cookies,
JSON body) and the strict JSON parser (NaN/Infinity/64-bit integers), for a gate device's batch
of 1,000 checks (~150 kB), against the floor of what the API does with that body anyway:
`json.loads`. Prints both and the ratio. Aim: the guard and the strict parse together at most
2.5× the plain parse.

    python bench/bench_guard.py [--rows 1000] [--repeat 200]
"""

import argparse
import json
import time

from common import setup


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    setup()
    from django.test import RequestFactory

    from fugong.core.errors import StrictParser, nul_in_request

    checks = [
        {
            "direction": "in",
            "at": "2026-12-01T08:00:00",
            "temperature": 36.5,
            "mask": True,
            "id_number": f"2224011990010112{i % 100:02d}",
            "device": "gate-1",
        }
        for i in range(args.rows)
    ]
    body = json.dumps({"checks": checks}).encode()
    request = RequestFactory().post(
        "/api/v1/health/gate-checks?x=1",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer fg_x",
        HTTP_COOKIE="sessionid=abcdefghijkl; csrftoken=x",
    )
    parser_ = StrictParser()
    floor = best(lambda: json.loads(body), args.repeat)
    guarded = best(lambda: (nul_in_request(request), parser_.parse_body(request)), args.repeat)
    print(f"{len(body) / 1024:.0f} kB body, {args.rows} rows")
    print(f"json.loads (floor)          {floor * 1000:.2f} ms")
    print(f"guard + strict parse        {guarded * 1000:.2f} ms ({guarded / floor:.2f}x)")


if __name__ == "__main__":
    main()

"""The sliding-window rate limiter (`security.limited`, on every login, verification,
declaration and public API request) against its floor: one counter increment in the same
cache, which is what the fixed-window limiter it replaced cost. Prints microseconds per call
and the ratio. Run with `FUGONG_CACHE_URL=redis://127.0.0.1:6379/<db>` to measure on Redis
(the production cache); without it, the in-process cache.

    python bench/bench_ratelimit.py [--calls 20000] [--clients 200]
"""

import argparse
import os
import sys

from common import p50, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    setup()

    from django.core.cache import cache
    from django.test import RequestFactory

    from fugong.core.security import limited

    backend = "redis" if os.environ.get("FUGONG_CACHE_URL") else "locmem"
    cache.clear()
    factory = RequestFactory()
    requests = [
        factory.get("/", REMOTE_ADDR=f"10.0.{i // 250}.{i % 250}") for i in range(args.clients)
    ]
    state = {"i": 0}

    def one_limited():
        state["i"] += 1
        limited(requests[state["i"] % args.clients], "bench", 10**9)

    def one_incr():
        state["i"] += 1
        key = f"floor:{state['i'] % args.clients}"
        if not cache.add(key, 1, 65):
            cache.incr(key)

    for fn in (one_incr, one_limited):  # warm up: every client's slices exist
        for _ in range(args.clients * 2):
            fn()
    floor = p50(one_incr, args.calls)
    sliding = p50(one_limited, args.calls)
    print(f"cache: {backend}, {args.clients} clients, {args.calls} calls each")
    print(f"floor, one counter increment:     {floor * 1e6:8.1f} µs")
    print(f"sliding window (30 slices):       {sliding * 1e6:8.1f} µs")
    print(f"ratio sliding / floor: {sliding / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

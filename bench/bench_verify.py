"""Pass verification under concurrent load: a real server (gunicorn, 2 worker processes on this
2-core machine) answers GET /api/v1/passes/verify/{code} for random issued passes, from many
concurrent clients, against the same server's bare endpoint (GET /api/v1/ping with a token)
under the same load. Prints throughput, p50 and p95, and the ratio. Aim: at least half of the
bare endpoint's throughput.

    python bench/bench_verify.py [--passes 5000] [--seconds 10] [--concurrency 16]
"""

import argparse
import random
import sys

from common import Server, get, issue_passes, load, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    vendor = setup()

    from fugong.core.models import Campaign, User
    from fugong.core.services import issue_token
    from fugong.registry import demo

    demo.build(300)
    campaign = Campaign.objects.order_by("-starts_on").first()
    codes = issue_passes(campaign, args.passes)
    _t, token = issue_token(User.objects.get(username="zhuanban"), "bench")

    auth = {"Authorization": f"Bearer {token}"}
    ping = get("/api/v1/ping", auth)
    verify = get(lambda: f"/api/v1/passes/verify/{random.choice(codes)}")
    with Server(args.workers) as port:
        load(port, ping, 2, args.concurrency)  # warm up both
        load(port, verify, 2, args.concurrency)
        bare = load(port, ping, args.seconds, args.concurrency)
        verify = load(port, verify, args.seconds, args.concurrency)
    print(
        f"database: {vendor}; passes: {len(codes)}; gunicorn workers: {args.workers}; "
        f"clients: {args.concurrency}; {args.seconds:.0f} s each"
    )
    print("endpoint                     req/s     p50       p95     errors")
    for name, r in (("ping (bare, token auth)", bare), ("passes/verify/{code}", verify)):
        print(
            f"{name:<26} {r['rps']:7.0f}  {r['p50'] * 1e3:6.1f} ms  {r['p95'] * 1e3:6.1f} ms"
            f"  {r['errors']}"
        )
    print(f"verification throughput / bare throughput: {verify['rps'] / bare['rps']:.2f}")


if __name__ == "__main__":
    sys.exit(main())

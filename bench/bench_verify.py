"""Pass verification under concurrent load: a real server (gunicorn, 2 worker processes on this
2-core machine) answers GET /api/v1/passes/verify/{code} for random issued passes, from many
concurrent clients, against the same server's bare endpoint (GET /api/v1/ping with a token)
under the same load. Prints throughput, p50 and p95, and the ratio. Aim: at least half of the
bare endpoint's throughput.

    python bench/bench_verify.py [--passes 5000] [--seconds 10] [--concurrency 16]
"""

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

from common import ROOT, setup


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port, paths, headers, seconds, concurrency):
    """Requests per second and latencies over `seconds`, `concurrency` clients each on its own
    connection (reopened when the server closes it)."""
    latencies, errors = [], []
    stop = time.perf_counter() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.perf_counter() < stop:
            path = random.choice(paths)
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - t)
        latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else 0,
        "p95": latencies[int(len(latencies) * 0.95)] if latencies else 0,
        "errors": len(errors),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    vendor = setup()

    from django.utils import timezone

    from fugong.core.codes import new_code
    from fugong.core.models import Campaign, Unit, User
    from fugong.core.services import issue_token
    from fugong.passes.models import Pass
    from fugong.registry import demo
    from fugong.registry.models import Enterprise

    demo.build(300)
    campaign = Campaign.objects.order_by("-starts_on").first()
    unit = Unit.objects.filter(sector="transport").first()
    enterprises = list(Enterprise.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    Pass.objects.bulk_create(
        [
            Pass(
                campaign=campaign,
                enterprise_id=random.choice(enterprises),
                plate=f"吉H{i:05d}",
                vehicle_type="heavy_truck",
                driver_name="张小三",
                driver_phone="13904331234",
                origin="延吉",
                destination="长春",
                cargo="materials",
                valid_from=today,
                valid_until=today + timezone.timedelta(days=7),
                state="approved",
                issuing_unit=unit,
                code=new_code("pass"),
            )
            for i in range(args.passes)
        ],
        batch_size=1000,
    )
    codes = list(Pass.objects.values_list("code", flat=True))
    _t, token = issue_token(User.objects.get(username="zhuanban"), "bench")

    port = free_port()
    env = dict(os.environ, DEBUG="0")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "fugong.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {token}"}
        verify_paths = [f"/api/v1/passes/verify/{c}" for c in codes]
        load(port, ["/api/v1/ping"], auth, 2, args.concurrency)  # warm up both
        load(port, verify_paths, {}, 2, args.concurrency)
        bare = load(port, ["/api/v1/ping"], auth, args.seconds, args.concurrency)
        verify = load(port, verify_paths, {}, args.seconds, args.concurrency)
    finally:
        server.terminate()
        server.wait(10)
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

"""Report submission throughput under concurrent load: N client threads POST daily reports to a
real HTTP server (Django's threaded development server, one process) for a fixed time, against
the same threads calling the same server's bare endpoint /api/v1/ping.

    python bench/bench_submit.py [--threads 8] [--seconds 10]
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

from common import ROOT, free_port, get, load, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    vendor = setup()
    from fugong.core.models import User
    from fugong.core.services import issue_token
    from fugong.registry import demo
    from fugong.registry.models import Enterprise
    from fugong.reporting.demo import build_reports

    demo.build(2000)
    build_reports(20)
    _t, token = issue_token(User.objects.get(username="zhuanban"), "bench")
    usccs = list(Enterprise.objects.values_list("uscc", flat=True))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "fugong.cli", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        # a thread per request: persistent connections would pile up, one per finished thread
        env={**os.environ, "CONN_MAX_AGE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w"),  # noqa: SIM115
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        counter = iter(range(10**9))

        ping = get("/api/v1/ping", auth)

        def submit(conn):
            n = next(counter)
            body = {
                "uscc": usccs[(n * 100003) % len(usccs)],
                "date": "2020-02-21",
                "status": "full",
                "staff_on_duty": 1,
                "staff_total": 10 + n % 5,
            }
            conn.request("POST", "/api/v1/reports", body=json.dumps(body), headers=auth)
            response = conn.getresponse()
            response.read()
            return response.status == 201 or response.status

        bare = load(port, ping, args.seconds, args.threads)
        reports = load(port, submit, args.seconds, args.threads)
    finally:
        server.terminate()
        server.wait()
    print(
        f"database: {vendor}; server: Django threaded dev server, 1 process; "
        f"{args.threads} client threads x {args.seconds:.0f} s"
    )
    print(f"ping:    {bare['rps']:8.1f} req/s ({bare['errors']} errors)")
    print(
        f"reports: {reports['rps']:8.1f} req/s ({reports['errors']} errors)  "
        f"ratio {reports['rps'] / bare['rps']:.2f} of ping"
    )


if __name__ == "__main__":
    main()

"""Report submission throughput under concurrent load: N client threads POST daily reports to a
real HTTP server (Django's threaded development server, one process) for a fixed time, against
the same threads calling the same server's bare endpoint /api/v1/ping.

    python bench/bench_submit.py [--threads 8] [--seconds 10]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from common import ROOT, setup


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(url, token, seconds, threads, body_for):
    done, errors = [0] * threads, [0] * threads
    stop = time.perf_counter() + seconds

    def worker(i):
        n = 0
        while time.perf_counter() < stop:
            body = body_for(i, n)
            request = urllib.request.Request(
                url,
                data=json.dumps(body).encode() if body else None,
                method="POST" if body else "GET",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                done[i] += 1
            except OSError as exc:
                errors[i] += 1
                if sum(errors) == 1:
                    print("first error:", exc)
            n += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / seconds, sum(errors)


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
        ping, ping_err = load(f"{base}/ping", token, args.seconds, args.threads, lambda i, n: None)

        def report(i, n):
            k = (i * 100003 + n) % len(usccs)
            return {
                "uscc": usccs[k],
                "date": "2020-02-21",
                "status": "full",
                "staff_on_duty": 1,
                "staff_total": 10 + n % 5,
            }

        submit, submit_err = load(f"{base}/reports", token, args.seconds, args.threads, report)
    finally:
        server.terminate()
        server.wait()
    print(
        f"database: {vendor}; server: Django threaded dev server, 1 process; "
        f"{args.threads} client threads x {args.seconds:.0f} s"
    )
    print(f"ping:    {ping:8.1f} req/s ({ping_err} errors)")
    print(f"reports: {submit:8.1f} req/s ({submit_err} errors)  ratio {submit / ping:.2f} of ping")


if __name__ == "__main__":
    main()

"""Load test of the morning peak with locust (headless, bounded in time, loopback only) against a
real server (gunicorn, 2 workers): first the bare endpoint alone, then the mix of
bench/locustfile.py. Prints throughput and p50/p95/p99 per request kind, and the ratio of the
mix's throughput to the bare endpoint's.

    python bench/bench_load.py [--users 32] [--seconds 20]
"""

import argparse
import csv
import json
import os
import subprocess
import tempfile
from pathlib import Path

from common import ROOT, Server, build_roster, issue_passes, personal_links, setup


def run_locust(port, user_class, users, seconds, data_file, out):
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            user_class,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(out),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        env=dict(os.environ, FUGONG_LOAD_DATA=str(data_file)),
        check=True,
        capture_output=True,
    )
    with open(f"{out}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    vendor = setup()

    from fugong.core.models import Campaign, User
    from fugong.core.services import issue_token
    from fugong.registry import demo

    demo.build(300)
    officer = User.objects.get(username="fangyi1")
    enterprise = officer.enterprise_account.enterprise
    people = build_roster(enterprise, 3000)
    campaign = Campaign.objects.filter(ends_on__isnull=True).first()
    passes = issue_passes(campaign, 2000, days=0)
    data = {
        "token": issue_token(User.objects.get(username="zhuanban"), "load")[1],
        "device": issue_token(officer, "gate")[1],
        "people": list(personal_links(people).values()),  # the personal declaration links
        "ids": [p.id_number for p in people],
        "passes": passes,
    }
    tmp = Path(tempfile.mkdtemp(prefix="fugong-load-"))
    data_file = tmp / "data.json"
    data_file.write_text(json.dumps(data))
    with Server(2) as port:
        bare = run_locust(port, "Bare", args.users, args.seconds, data_file, tmp / "bare")
        mix = run_locust(port, "MorningPeak", args.users, args.seconds, data_file, tmp / "mix")
    print(
        f"database: {vendor}; gunicorn workers: 2; locust users: {args.users}; "
        f"{args.seconds} s each; loopback"
    )
    print(f"{'request':<28} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'failures':>9}")
    for row in bare + mix:
        print(
            f"{row['Name']:<28} {float(row['Requests/s']):8.1f} {row['50%']:>5}ms "
            f"{row['95%']:>5}ms {row['99%']:>5}ms {row['Failure Count']:>9}"
        )
    bare_rps = float(next(r for r in bare if r["Name"] == "Aggregated")["Requests/s"])
    mix_rps = float(next(r for r in mix if r["Name"] == "Aggregated")["Requests/s"])
    print(f"morning-peak mix / bare endpoint throughput: {mix_rps / bare_rps:.2f}")


if __name__ == "__main__":
    main()

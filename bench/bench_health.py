"""Health ingestion at the morning peak, on a real server (gunicorn, 2 worker processes):

1. gate checks (one per request through `POST /api/v1/health/gate-checks`, judged against the
   roster and today's declarations) and declarations (the employee's personal link: the page
   load, and the one POST that identifies and declares) under concurrent load, against the same
   server's bare endpoint (`/api/v1/ping`) and against raw SQL inserts of the same gate-check
   row from as many connections;
2. a batch of 100,000 gate checks through the API against a plain COPY (PostgreSQL) or
   executemany (SQLite) of the same rows.

    python bench/bench_health.py [--roster 3000] [--seconds 8] [--concurrency 16] [--batch 100000]
"""

import argparse
import http.client
import json
import random
import threading
import time
from urllib.parse import urlencode

from common import Server, build_roster, get, load, personal_links, setup


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=100_000)
    args = parser.parse_args()
    vendor = setup()

    from django.db import connection
    from django.utils import timezone

    from fugong.core.models import User
    from fugong.core.services import campaign_for, issue_token
    from fugong.health.models import Declaration
    from fugong.registry import demo

    demo.build(300)
    officer = User.objects.get(username="fangyi1")
    enterprise = officer.enterprise_account.enterprise
    people = build_roster(enterprise, args.roster)
    numbers = [p.id_number for p in people]
    campaign = campaign_for(enterprise, timezone.localdate())
    today = timezone.localdate()
    Declaration.objects.bulk_create(
        [
            Declaration(
                campaign=campaign,
                enterprise=enterprise,
                employee=p,
                day=today,
                temperature="36.5",
            )
            for p in people[: len(people) // 2]
        ]
    )
    links = personal_links(people)
    _t, token = issue_token(officer, "bench")
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def gate_check(conn):
        body = json.dumps({"checks": [{"id_number": random.choice(numbers), "temperature": 36.6}]})
        conn.request("POST", "/api/v1/health/gate-checks", body=body, headers=auth)
        response = conn.getresponse()
        response.read()
        return response.status == 201 or response.status

    local = threading.local()
    undeclared = iter(range(len(people) // 2, len(people)))
    lock = threading.Lock()

    def person_path():
        """An employee without today's declaration first, then the rest (who update theirs)."""
        with lock:
            k = next(undeclared, None)
        if k is None:
            k = random.randrange(len(people))
        return links[people[k].pk]

    def page_load(conn):
        """The employee opens their personal link: the form (and the CSRF cookie)."""
        conn.request("GET", person_path())
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            if name == "csrftoken":
                local.csrf = value
        return response.status == 200 or response.status

    def declaration(conn):
        """The one POST that identifies (the link) and declares; the phone loaded the page
        before (its CSRF cookie)."""
        if not getattr(local, "csrf", ""):
            page_load(conn)
        headers = {
            "Cookie": f"csrftoken={local.csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": local.csrf,
        }
        body = urlencode({"temperature": "36.5", "test_result": "none"})
        conn.request("POST", person_path(), body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status == 302 or response.status

    ping = get("/api/v1/ping", auth)
    with Server(2) as port:
        for work in (ping, gate_check, page_load):
            load(port, work, 2, args.concurrency)  # warm up
        bare = load(port, ping, args.seconds, args.concurrency)
        gates = load(port, gate_check, args.seconds, args.concurrency)
        loads = load(port, page_load, args.seconds, args.concurrency)
        declared = load(port, declaration, args.seconds, args.concurrency)
        batch = [
            {"id_number": random.choice(numbers), "temperature": 36.5} for _ in range(args.batch)
        ]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        body = json.dumps({"checks": batch})
        t = time.perf_counter()
        conn.request("POST", "/api/v1/health/gate-checks", body=body, headers=auth)
        response = conn.getresponse()
        answer = response.read()
        batch_seconds = time.perf_counter() - t
        assert response.status == 201, answer[:300]

    raw = raw_inserts(connection, campaign, enterprise, people, args.seconds, args.concurrency)
    copy_seconds = copy_rows(connection, campaign, enterprise, people, args.batch)

    print(
        f"database: {vendor}; roster: {len(people)}; gunicorn workers: 2; "
        f"clients: {args.concurrency}; {args.seconds:.0f} s each"
    )
    print("what                                   per s      p50       p95    errors")
    for name, r in (
        ("ping (bare endpoint)", bare),
        ("gate check (API, 1 per request)", gates),
        ("declaration page load (personal link)", loads),
        ("declaration (one POST: identify+declare)", declared),
    ):
        print(
            f"{name:<40} {r['rps']:7.0f}  {r['p50'] * 1e3:6.1f} ms  "
            f"{r['p95'] * 1e3:6.1f} ms  {r['errors']}"
        )
    print(f"{'raw SQL insert of a gate-check row':<40} {raw:7.0f}")
    print(
        f"gate checks / ping: {gates['rps'] / bare['rps']:.2f}; "
        f"gate checks / raw insert: {gates['rps'] / raw:.2f}; "
        f"declaration page loads / ping: {loads['rps'] / bare['rps']:.2f}; "
        f"declarations (one POST) / ping: {declared['rps'] / bare['rps']:.2f}; "
        f"declarations / raw insert: {declared['rps'] / raw:.2f}"
    )
    print(
        f"batch of {args.batch:,} gate checks through the API: {batch_seconds:.1f} s "
        f"({args.batch / batch_seconds:,.0f} rows/s); plain "
        f"{'COPY' if vendor == 'postgresql' else 'executemany'} of the same rows: "
        f"{copy_seconds:.2f} s; ratio {batch_seconds / copy_seconds:.1f}×"
    )


COLUMNS = (
    "campaign_id, enterprise_id, day, at, direction, employee_id, name, phone_enc, phone_hash, "
    "came_from, host, reason, temperature, mask, admitted, refusal, device"
)


def row(campaign, enterprise, employee):
    from django.utils import timezone

    now = timezone.now()
    return (
        campaign.pk,
        enterprise.pk,
        now.date(),
        now,
        "in",
        employee.pk,
        "",
        "",
        "",
        "",
        "",
        "",
        36.5,
        True,
        True,
        "",
        "",
    )


def raw_inserts(connection, campaign, enterprise, people, seconds, concurrency):
    """Rows per second: one INSERT per statement, autocommit, from `concurrency` connections."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    counts = []
    stop = time.perf_counter() + seconds

    def worker():
        if connection.vendor == "postgresql":
            import psycopg

            conn = psycopg.connect(
                host=db["HOST"],
                port=db["PORT"] or 5432,
                user=db["USER"],
                dbname=db["NAME"],
                autocommit=True,
            )
            sql = f"INSERT INTO health_gatecheck ({COLUMNS}) VALUES ({', '.join(['%s'] * 17)})"
        else:
            import sqlite3

            conn = sqlite3.connect(db["NAME"], timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            sql = f"INSERT INTO health_gatecheck ({COLUMNS}) VALUES ({', '.join(['?'] * 17)})"
        n = 0
        while time.perf_counter() < stop:
            values = row(campaign, enterprise, random.choice(people))
            if connection.vendor != "postgresql":
                values = tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in values)
            conn.execute(sql, values)
            n += 1
        conn.close()
        counts.append(n)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def copy_rows(connection, campaign, enterprise, people, n):
    rows = [row(campaign, enterprise, random.choice(people)) for _ in range(n)]
    t = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY health_gatecheck ({COLUMNS}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cursor.executemany(
                f"INSERT INTO health_gatecheck ({COLUMNS}) VALUES ({', '.join(['%s'] * 17)})",
                rows,
            )
    return time.perf_counter() - t


if __name__ == "__main__":
    main()

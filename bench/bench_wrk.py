"""The hot paths against their floors, measured with a C load generator (Debian's `wrk`, one
thread, so the generator is not what is measured), on gunicorn with the Procfile's flags
(2 sync workers on this machine) over PostgreSQL and Redis:

- the floor: a bare WSGI callable (bench/bare_wsgi.py) under the same gunicorn;
- Django's `/api/v1/ping`;
- a declaration by personal link (the page load GET and the one POST that identifies and
  declares), a gate check one per request, a pass verification, a dashboard read (the
  running campaign's reports up to today, carried into today as the worker does);
- the morning-peak mix of those four (wrk with a Lua script choosing by weight);
- the gate check and the declaration again with one audit chain (the old global head lock)
  and with auditing switched off (bench/noaudit_wsgi.py), against the default 16 chains.

Rounds are interleaved and each figure is its best round. `--before DIR` serves an earlier
commit too (`git worktree add DIR REV`, the same database schema), from the same virtualenv,
and measures the declaration, the gate check, the dashboard and the mix on it in the same
rounds: a before/after that the machine's drift between runs does not blur.

    python bench/bench_wrk.py [--seconds 8] [--connections 16] [--rounds 2] [--before DIR]
"""

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Server, build_roster, issue_passes, personal_links, setup

DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "us": %d, "bad_status": %d, "socket": %d, "p50": %d, "p99": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

TASKS = r"""
local pending = {}
local function declaration()
  local link = links[math.random(#links)]
  table.insert(pending, wrk.format("GET", link))
  table.insert(pending, wrk.format("POST", link, post_headers, "temperature=36.5&test_result=none"))
end
local function gate()
  local id = ids[math.random(#ids)]
  local body = '{"checks": [{"id_number": "' .. id .. '", "temperature": 36.6}]}'
  table.insert(pending, wrk.format("POST", "/api/v1/health/gate-checks", device_headers, body))
end
local function verify()
  table.insert(pending, wrk.format("GET", "/api/v1/passes/verify/" .. passes[math.random(#passes)]))
end
local function dashboard()
  table.insert(pending, wrk.format("GET", "/api/v1/stats/resumption?region=222400", reader_headers))
  table.insert(pending, wrk.format("GET", "/api/v1/health/summary", reader_headers))
end
local function ping()
  table.insert(pending, wrk.format("GET", "/api/v1/ping", reader_headers))
end
local kinds = {declaration = declaration, gate = gate, verify = verify, dashboard = dashboard,
               ping = ping}
local chosen = {}
for name, weight in pairs(weights) do
  for _ = 1, weight do table.insert(chosen, kinds[name]) end
end
request = function()
  if #pending == 0 then chosen[math.random(#chosen)]() end
  return table.remove(pending, 1)
end
"""

# the morning peak's proportions (as bench/locustfile.py): tasks, not requests
MIX = {"declaration": 4, "gate": 6, "verify": 8, "dashboard": 1}
# the paths --before measures on the earlier commit too
BEFORE_AFTER = {
    "declaration (GET + one POST)",
    "gate check, one per request",
    "dashboard read (2 requests)",
    "morning-peak mix",
}
REQUESTS_PER_TASK = {"declaration": 2, "gate": 1, "verify": 1, "dashboard": 2, "ping": 1}


def swap_twins(runs):
    """The runs with each (after, before) twin in the other order."""
    out = list(runs)
    for i in range(len(out) - 1):
        if out[i + 1][0] == f"{out[i][0]} (before)":
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def lua_list(values):
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def lua_headers(headers):
    return "{" + ",".join(f"[{json.dumps(k)}]={json.dumps(v)}" for k, v in headers.items()) + "}"


def script(tmp, name, weights, data):
    path = tmp / f"{name}.lua"
    path.write_text(
        f"math.randomseed({abs(hash(name)) % 100000})\n"
        + "".join(f"{k} = {v}\n" for k, v in data.items())
        + f"weights = {lua_headers(weights)}\n"
        + TASKS
        + DONE
    )
    return path


def wrk(port, lua, seconds, connections):
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    r = json.loads(out.split("RESULT ", 1)[1])
    r["rps"] = r["requests"] / (r["us"] / 1e6)
    return r


def ready(port, path):
    """Wait until every worker answers (they boot slowly on a loaded machine)."""
    for _ in range(20):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status < 500:
            return


def csrf_cookie(port, link):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", link)
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        if name == "csrftoken":
            return value
    raise SystemExit(f"no CSRF cookie from {link}: {response.status}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", type=Path, help="a worktree of an earlier commit")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench_wrk needs wrk: apt-get install -y wrk")
    vendor = setup()

    from django.utils import timezone

    from fugong.core.models import Campaign, User
    from fugong.core.services import campaign_for, issue_token
    from fugong.health.models import Declaration, GateCheck
    from fugong.registry import demo
    from fugong.reporting.demo import build_live_reports

    demo.build(300)
    # the dashboard reads a city's morning: the running campaign's reports up to today, their
    # statuses carried into today (the rebuild rolls forward, as the worker does; without them
    # every read took the slow path of a day beyond the horizon)
    build_live_reports()
    officer = User.objects.get(username="fangyi1")
    enterprise = officer.enterprise_account.enterprise
    people = build_roster(enterprise, 3000)
    today = timezone.localdate()
    Declaration.objects.bulk_create(
        [
            Declaration(
                campaign=campaign_for(enterprise, today),
                enterprise=enterprise,
                employee=p,
                day=today,
                temperature="36.5",
            )
            for p in people[: len(people) // 2]
        ]
    )
    campaign = Campaign.objects.filter(ends_on__isnull=True).first()
    links = list(personal_links(people).values())
    data = {
        "links": lua_list(links),
        "ids": lua_list([p.id_number for p in people]),
        "passes": lua_list(issue_passes(campaign, 2000, days=0)),
        "reader_headers": lua_headers(
            {
                "Authorization": "Bearer "
                + issue_token(User.objects.get(username="zhuanban"), "wrk")[1]
            }
        ),
        "device_headers": lua_headers(
            {
                "Authorization": "Bearer " + issue_token(officer, "gate")[1],
                "Content-Type": "application/json",
            }
        ),
    }
    tmp = Path(tempfile.mkdtemp(prefix="fugong-wrk-"))
    servers = {
        "bare": Server(2, app="bench.bare_wsgi:application", production=True),
        "django": Server(2, production=True),
        "one chain": Server(2, production=True, env={"FUGONG_AUDIT_CHAINS": "1"}),
        "no audit": Server(2, app="bench.noaudit_wsgi:application", production=True),
    }
    if args.before:
        servers["before"] = Server(2, production=True, cwd=args.before.resolve())
    ports = {name: server.__enter__() for name, server in servers.items()}
    try:
        for port in ports.values():
            ready(port, "/api/v1/ping")
        token = csrf_cookie(ports["django"], links[0])
        data["post_headers"] = lua_headers(
            {
                "Cookie": f"csrftoken={token}",
                "X-CSRFToken": token,
                "Content-Type": "application/x-www-form-urlencoded",
            }
        )
        runs = [
            ("floor: bare WSGI callable", "bare", {"ping": 1}),
            ("Django /api/v1/ping", "django", {"ping": 1}),
            ("declaration (GET + one POST)", "django", {"declaration": 1}),
            ("gate check, one per request", "django", {"gate": 1}),
            ("pass verification", "django", {"verify": 1}),
            ("dashboard read (2 requests)", "django", {"dashboard": 1}),
            ("morning-peak mix", "django", MIX),
            ("declaration, one audit chain", "one chain", {"declaration": 1}),
            ("gate check, one audit chain", "one chain", {"gate": 1}),
            ("declaration, no audit", "no audit", {"declaration": 1}),
            ("gate check, no audit", "no audit", {"gate": 1}),
        ]
        if args.before:  # each right after its counterpart: the machine's drift hits both
            twinned = []
            for name, server, weights in runs:
                twinned.append((name, server, weights))
                if name in BEFORE_AFTER:
                    twinned.append((f"{name} (before)", "before", weights))
            runs = twinned
        scripts = {name: script(tmp, f"s{i}", w, data) for i, (name, _s, w) in enumerate(runs)}
        for name, server, _w in runs:  # warm up every worker and path
            wrk(ports[server], scripts[name], 2, args.connections)
        declared_before = Declaration.objects.count() + GateCheck.objects.count()
        best = {}
        for n in range(args.rounds):
            order = runs if n % 2 == 0 else swap_twins(runs)  # which twin goes first, in turn
            for name, server, _w in order:
                r = wrk(ports[server], scripts[name], args.seconds, args.connections)
                if name not in best or r["rps"] > best[name]["rps"]:
                    best[name] = r
    finally:
        for server in servers.values():
            server.__exit__()
    written = Declaration.objects.count() + GateCheck.objects.count() - declared_before
    floor, ping = best["floor: bare WSGI callable"]["rps"], best["Django /api/v1/ping"]["rps"]
    print(
        f"database: {vendor}; gunicorn: 2 sync workers, the Procfile's flags; wrk: 1 thread, "
        f"{args.connections} connections, {args.seconds} s, best of {args.rounds} rounds"
    )
    print(f"{'what':<34} {'req/s':>8} {'/floor':>7} {'/ping':>7} {'p50':>9} {'p99':>9} errors")
    for name, _server, weights in runs:
        r = best[name]
        print(
            f"{name:<34} {r['rps']:8.0f} {r['rps'] / floor:7.2f} {r['rps'] / ping:7.2f} "
            f"{r['p50'] / 1e3:6.1f} ms {r['p99'] / 1e3:6.1f} ms "
            f"{r['bad_status'] + r['socket']}"
        )
        if len(weights) == 1 and next(iter(weights)) in ("declaration", "dashboard"):
            per = REQUESTS_PER_TASK[next(iter(weights))]
            print(
                f"{'  … as whole tasks (÷' + str(per) + ')':<34} {r['rps'] / per:8.0f} "
                f"{r['rps'] / per / floor:7.2f} {r['rps'] / per / ping:7.2f}"
            )
    print(f"rows written by the declarations and gate checks measured: {written:,}")


if __name__ == "__main__":
    main()

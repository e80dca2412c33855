"""The scorecard per unit (考核) over 100,000 orders held by 200 units, against a hand-written
SQL aggregate of the same figures (one GROUP BY over the stints with the same joins, filters
and medians) measured in the same run.

    python bench/bench_scorecard.py [--orders 100000] [--units 200]

PostgreSQL: BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/fg_orders_bench
"""

import argparse
import datetime
import random

from common import setup, timed

HAND_SQL = """
SELECT h.unit_id, u.code, u.name,
  count(*) AS received,
  count(*) FILTER (WHERE h.signed_at IS NOT NULL) AS signed,
  count(*) FILTER (WHERE h.signed_at <= h.sign_deadline) AS signed_on_time,
  count(*) FILTER (WHERE h.resolved_at IS NOT NULL AND h.resolved_at <= h.deadline)
    AS replied_on_time,
  count(*) FILTER (WHERE h.resolved_at IS NOT NULL) AS resolved,
  count(*) FILTER (WHERE h.resolved_at IS NOT NULL OR h.redos > 0) AS resolved_once,
  count(*) FILTER (WHERE h.rated) AS rated,
  count(*) FILTER (WHERE h.satisfied) AS satisfied,
  count(*) FILTER (WHERE h.overdue OR (h.current AND h.resolved_at IS NULL
    AND h.deadline < %(now)s AND o.state <> 'waiting'
    AND o.state IN ('new', 'triaged', 'dispatched', 'returned', 'accepted', 'in_progress',
                    'waiting', 'reopened'))) AS overdue,
  count(*) FILTER (WHERE h.escalated) AS escalations,
  count(*) FILTER (WHERE h.refusal_upheld) AS refusals_upheld,
  count(*) FILTER (WHERE h.redos > 0) AS redone,
  sum(h.refusals) AS refusals, sum(h.extensions) AS extensions, sum(h.redos) AS redos,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY h.signed_at - h.dispatched_at)
    FILTER (WHERE h.signed_at IS NOT NULL) AS to_sign,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY h.resolved_at - h.dispatched_at)
    FILTER (WHERE h.resolved_at IS NOT NULL) AS to_resolve
FROM workorders_handling h
JOIN workorders_workorder o ON o.id = h.order_id
JOIN registry_enterprise e ON e.id = o.enterprise_id
JOIN core_region r ON r.id = e.region_id
JOIN core_unit u ON u.id = h.unit_id
WHERE h.dispatched_at >= %(start)s AND h.dispatched_at < %(end)s AND r.path LIKE %(path)s
GROUP BY h.unit_id, u.code, u.name
"""


def build(n_orders, n_units):
    """`n_units` departments and `n_orders` orders, each with one stint of random outcome."""
    from django.utils import timezone

    from fugong.core.models import Campaign, Region, Unit
    from fugong.registry import demo
    from fugong.registry.models import Enterprise
    from fugong.workorders.models import Handling, State, WorkOrder

    demo.build(300)
    city = Region.objects.get(code="222400")
    units = Unit.objects.bulk_create(
        Unit(code=f"bench-{i:03d}", name=f"单位{i:03d}", kind="department", region=city)
        for i in range(n_units)
    )
    enterprises = list(Enterprise.objects.values_list("pk", flat=True))
    campaign = Campaign.objects.first()
    rng = random.Random(16)
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 8))
    states = [State.CLOSED] * 6 + [State.IN_PROGRESS, State.WAITING, State.DISPATCHED]
    orders = WorkOrder.objects.bulk_create(
        (
            WorkOrder(
                campaign=campaign,
                enterprise_id=rng.choice(enterprises),
                text="问题",
                channel="api",
                state=rng.choice(states),
            )
            for _ in range(n_orders)
        ),
        batch_size=5000,
    )
    stints = []
    for order in orders:
        dispatched = start + datetime.timedelta(minutes=rng.randrange(0, 60 * 24 * 29))
        signed = dispatched + datetime.timedelta(minutes=rng.randrange(5, 3000))
        resolved = signed + datetime.timedelta(hours=rng.randrange(1, 120))
        done = order.state == State.CLOSED
        stints.append(
            Handling(
                order=order,
                unit=rng.choice(units),
                dispatched_at=dispatched,
                sign_deadline=dispatched + datetime.timedelta(hours=24),
                signed_at=signed if order.state != State.DISPATCHED else None,
                deadline=signed + datetime.timedelta(hours=72),
                resolved_at=resolved if done else None,
                escalated=rng.random() < 0.05,
                overdue=rng.random() < 0.1,
                refusals=int(rng.random() < 0.05),
                refusal_upheld=rng.random() < 0.02,
                extensions=int(rng.random() < 0.08),
                redos=int(rng.random() < 0.04),
                rated=done and rng.random() < 0.7,
                satisfied=(rng.random() < 0.8) if done else None,
            )
        )
    Handling.objects.bulk_create(stints, batch_size=5000)
    return city


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    vendor = setup()
    if vendor != "postgresql":
        raise SystemExit("the hand-written aggregate is PostgreSQL's: set BENCH_DATABASE_URL")

    from django.db import connection
    from django.utils import timezone

    from fugong.workorders.services.scorecard import Period, scorecard

    city = build(args.orders, args.units)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    period = Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
    now = timezone.make_aware(datetime.datetime(2026, 12, 31, 12))
    start, end = period.bounds()

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(
                HAND_SQL, {"now": now, "start": start, "end": end, "path": city.path + "%"}
            )
            return cursor.fetchall()

    def ours():
        return scorecard(city, period, now=now)

    hand()
    ours()  # warm up
    floor, raw = timed(hand, args.repeat)
    took, rows = timed(ours, args.repeat)
    by_unit = {row[1]: row for row in raw}
    for row in rows:  # the same figures
        assert row["received"] == by_unit[row["unit"]][3], row["unit"]
        assert row["overdue"] == by_unit[row["unit"]][11], row["unit"]
    print(f"database: {vendor}; orders: {args.orders}; units: {len(rows)}; best of {args.repeat}")
    print(f"hand-written SQL aggregate (floor): {floor * 1e3:8.1f} ms")
    print(f"scorecard():                        {took * 1e3:8.1f} ms ({took / floor:.2f}x)")


if __name__ == "__main__":
    main()

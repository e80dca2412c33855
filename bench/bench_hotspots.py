"""Hot spots: `hotspots.rising` for a city over 35 days of work orders (categories and
phrases, the city and each county), against the plain query that fetches the same rows in the
same run (the floor of any computation over them).

    python bench/bench_hotspots.py [--orders 2000 20000]
"""

import argparse
import datetime
import random

from common import setup, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    vendor = setup()

    from django.utils import timezone

    from fugong.core.models import Campaign, Role, User
    from fugong.registry import demo
    from fugong.registry.models import Enterprise
    from fugong.workorders import corpus, hotspots
    from fugong.workorders.models import WorkOrder

    demo.build(300)
    campaign = Campaign.objects.order_by("starts_on").first()
    admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create(
        username="bench-admin", role=Role.ADMIN, is_superuser=True
    )
    enterprises = list(Enterprise.objects.values_list("pk", flat=True))
    now = timezone.now()
    rng = random.Random(1)
    print(f"database: {vendor}")
    print("orders   fetch rows (floor)   rising()   ratio   hot spots")
    made = 0
    for size in args.orders:
        pool = corpus.generate(per_category=size // 11 + 1, seed=size)
        rows = [
            WorkOrder(
                campaign=campaign,
                enterprise_id=rng.choice(enterprises),
                text=text,
                channel="h5",
                proposed_label=code,
            )
            for text, code in pool[: size - made]
        ]
        created = WorkOrder.objects.bulk_create(rows, batch_size=2000)
        for order in created:  # spread over 35 days
            order.created_at = now - datetime.timedelta(minutes=rng.randrange(35 * 24 * 60))
        WorkOrder.objects.bulk_update(created, ["created_at"], batch_size=2000)
        made = size
        region = campaign.region

        def floor(region=region):
            return list(
                WorkOrder.objects.filter(
                    campaign=campaign,
                    created_at__gte=now - datetime.timedelta(days=35),
                    enterprise__region__path__startswith=region.path,
                ).values_list("id", "created_at", "category__code", "proposed_label", "text")
            )

        base, _rows = timed(floor, 3)
        spent, spots = timed(
            lambda region=region: hotspots.rising(admin, campaign, region, now=now), 3
        )
        print(
            f"{size:>6} {base * 1e3:>15.0f} ms {spent * 1e3:>8.0f} ms"
            f" {spent / base:>7.1f}× {len(spots):>8}"
        )


if __name__ == "__main__":
    main()

"""The demo city's oversight data: 延边's eight counties as simplified polygons the project
drew itself (a few vertices each, sharing edges; not copied map data), imported through the
boundaries importer, and electricity readings for the demo enterprises — December 2019 (the
2020 campaign's baseline month) and the report days — that follow each enterprise's reported
status except for a few deliberate disagreements."""

import json
import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.power import services as power
from fugong.power.models import Reading
from fugong.reporting.models import DayStatus, Status
from fugong.reporting.rollups import roll_forward

from .boundaries import import_boundaries

# (code, name, [(longitude, latitude), …]) — drawn by hand, edges shared between neighbours
COUNTIES = [
    ("222403", "敦化市", [(127.5, 43.0), (128.2, 42.9), (128.9, 42.9), (128.9, 43.3),
                         (128.9, 44.0), (128.0, 44.1), (127.5, 43.6)]),
    ("222424", "汪清县", [(128.9, 43.3), (129.3, 43.2), (129.8, 43.2), (130.1, 43.1),
                         (130.4, 43.5), (130.2, 44.1), (128.9, 44.0)]),
    ("222426", "安图县", [(128.2, 42.9), (127.9, 42.5), (128.1, 42.0), (128.6, 41.95),
                         (128.6, 42.5), (128.9, 42.9)]),
    ("222406", "和龙市", [(128.6, 41.95), (129.1, 42.0), (129.4, 42.4), (129.3, 42.6),
                         (129.0, 42.7), (128.9, 42.9), (128.6, 42.5)]),
    ("222405", "龙井市", [(129.0, 42.7), (129.3, 42.6), (129.4, 42.4), (129.9, 42.5),
                         (129.8, 42.8), (129.3, 42.8), (128.9, 42.9)]),
    ("222401", "延吉市", [(128.9, 42.9), (129.3, 42.8), (129.8, 42.8), (129.8, 43.2),
                         (129.3, 43.2), (128.9, 43.3)]),
    ("222402", "图们市", [(129.8, 42.8), (130.05, 42.75), (130.1, 43.1), (129.8, 43.2)]),
    ("222404", "珲春市", [(129.9, 42.5), (130.3, 42.3), (130.7, 42.3), (131.3, 42.9),
                         (130.9, 43.3), (130.4, 43.5), (130.1, 43.1), (130.05, 42.75),
                         (129.8, 42.8)]),
]  # fmt: skip


def boundaries_geojson() -> str:
    features = [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [[*map(list, ring), list(ring[0])]]},
        }
        for code, name, ring in COUNTIES
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def build_boundaries() -> int:
    """Import the counties' polygons (a re-run replaces them); returns how many matched."""
    report = import_boundaries(SYSTEM, boundaries_geojson(), skip_bad=True)
    return report.created + report.updated


# the index each reported status stands for (share of the baseline), and the disagreements
SHARE = {Status.FULL: (0.6, 1.1), Status.PARTIAL: (0.35, 0.7), Status.NOT_RESUMED: (0.03, 0.2)}
DISAGREE_EVERY = 37  # every 37th enterprise: its power says the opposite of its report


@transaction.atomic
def build_readings(limit: int = 300) -> int:
    """Readings for the first `limit` demo enterprises of the 2020 campaign (idempotent):
    every December day but a few, and each report day's reading following that day's status
    (a day in fifty missing); returns how many readings were written."""
    campaign = Campaign.objects.filter(name="2020年新冠肺炎疫情复工复产").first()
    if campaign is None:
        return 0
    first = power.baseline_month(campaign)
    days = sorted(
        DayStatus.objects.filter(campaign=campaign).values_list("day", flat=True).distinct()
    )
    if not days:
        return 0
    roll_forward(campaign, days[-1])
    statuses = {}
    for s in DayStatus.objects.filter(campaign=campaign).values("enterprise_id", "day", "status"):
        statuses[(s["enterprise_id"], s["day"])] = s["status"]
    ids = sorted({e for e, _d in statuses})[:limit]
    if Reading.objects.filter(enterprise_id__in=ids).exists():  # built already
        return 0
    readings = []
    for n, enterprise_id in enumerate(ids):
        rng = random.Random(enterprise_id)
        base = rng.uniform(200, 8000)
        for d in range(power.month_end(first).day):
            if rng.random() < 0.05:  # a missing December day: no data, not zero
                continue
            readings.append(
                (enterprise_id, first + timedelta(days=d), base * rng.uniform(0.85, 1.15))
            )
        for day in days:
            status = statuses.get((enterprise_id, day), Status.NOT_RESUMED)
            if n % DISAGREE_EVERY == 3:  # deliberately the opposite of the report
                status = Status.NOT_RESUMED if status != Status.NOT_RESUMED else Status.FULL
            if rng.random() < 0.02:
                continue
            readings.append((enterprise_id, day, base * rng.uniform(*SHARE[status])))
    Reading.objects.bulk_create(
        [
            Reading(enterprise_id=e, day=d, kwh=Decimal(kwh).quantize(Decimal("0.01")))
            for e, d, kwh in readings
        ],
        batch_size=2000,
    )
    power.recompute_baselines(campaign, ids)
    return len(readings)


@transaction.atomic
def settle_project_orders(share: float = 0.7) -> int:
    """Most of the key projects' problems solved the way they are in life: their work order
    dispatched to 州工信局, signed for and resolved there (the projects app follows through the
    work_order_settled signal). Idempotent: only orders still new. Returns how many."""
    from fugong.core.models import Unit, User
    from fugong.workorders import services as orders
    from fugong.workorders.models import WorkOrder

    county, handler = User.objects.get(username="yanji"), User.objects.get(username="gongxin")
    unit = Unit.objects.get(code="222400-gxj")
    rng, done = random.Random(18), 0
    for order in WorkOrder.objects.filter(source__startswith="project-problem:", state="new"):
        if rng.random() >= share:
            continue
        order = orders.transition(county, order, "dispatch", order.version, unit=unit)
        order = orders.transition(handler, order, "sign", order.version)
        orders.transition(handler, order, "resolve", order.version, comment="已协调解决")
        done += 1
    return done

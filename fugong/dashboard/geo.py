"""What the map draws: the stored boundaries of a region's children (or of the region itself
when its children have none), their figures, and the enterprises in scope as points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fugong.reporting import stats
from fugong.reporting.models import Status

from .models import Boundary

if TYPE_CHECKING:
    from fugong.core.permissions import Actor


MAX_POINTS = 5000  # beyond this the points are left off (the count still says how many)


def map_data(user: Actor, query: stats.StatsQuery, figures: dict, drill_url: str) -> dict:
    """The JSON the map page gives ECharts: `geo` (a FeatureCollection named by region),
    `regions` (name → code, rate, resumed, enterprises, drill-down URL), `points` and
    `unplaced` (enterprises in scope without coordinates, with their addresses)."""
    by_code = {b["key"]: b for b in figures.get("breakdown", [])}
    children = list(query.region.children.all())
    shapes = {
        b.region_id: b
        for b in Boundary.objects.filter(region__in=children).select_related("region")
    }
    if not shapes:  # a region without mapped children is drawn by its own boundary
        own = Boundary.objects.filter(region=query.region).select_related("region").first()
        shapes = {own.region_id: own} if own else {}
        by_code = {query.region.code: figures}
    features, regions = [], {}
    day = query.day.isoformat()
    # the statistics' filters carry over to the drill-down
    flt = query.filter
    filters = {
        k: v for k, v in (("industry", flt.industry), ("scale", flt.scale), ("list", flt.list)) if v
    }
    for b in shapes.values():
        f = by_code.get(b.region.code, {})
        features.append(
            {"type": "Feature", "properties": {"name": b.region.name}, "geometry": b.geometry}
        )
        regions[b.region.name] = {
            "code": b.region.code,
            "rate": f.get("rate"),
            "resumed": f.get("resumed", 0),
            "enterprises": f.get("enterprises", 0),
            "url": drill_url
            + "?"
            + urlencode({"region": b.region.code, "date": day, "figure": "enterprises"} | filters),
        }
    ents = query.enterprises(user).only(
        "id", "name", "address", "longitude", "latitude", "region_id"
    )
    placed = ents.filter(longitude__isnull=False, latitude__isnull=False)
    unplaced = ents.exclude(pk__in=placed.values("pk"))
    shown = list(placed.order_by("pk")[:MAX_POINTS])
    status = stats.status_map(query, [e.pk for e in shown])
    labels = dict(Status.choices)
    points = []
    for e in shown:
        s = status.get(e.pk)
        key = s.status if s else "never_reported"
        points.append(
            {
                "name": e.name,
                "value": [float(e.longitude), float(e.latitude)],
                "status": key,
                "label": str(labels.get(key, _("从未填报"))),
                "url": reverse("registry:enterprise_detail", args=[e.pk]),
            }
        )
    return {
        "geo": {"type": "FeatureCollection", "features": features},
        "regions": regions,
        "points": points,
        "placed": placed.count(),
        "points_left_off": max(0, placed.count() - len(shown)),
        "unplaced_count": unplaced.count(),
        "unplaced": [
            {
                "name": e.name,
                "address": e.address,
                "url": reverse("registry:enterprise_detail", args=[e.pk]),
            }
            for e in unplaced.order_by("name")[:50]
        ],
        "statuses": {k: str(v) for k, v in labels.items()} | {"never_reported": _("从未填报")},
    }

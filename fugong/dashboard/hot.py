"""The hot spots (热点问题) the dashboard and the brief show: `workorders.hotspots.rising`,
cached for a few minutes per campaign, region and data scope (the figure is costly and a
leader's dashboard is reloaded often), each with the link that drills down to its orders."""

from django.core.cache import cache
from django.urls import reverse
from django.utils.http import urlencode

from fugong.core.models import Campaign, Region, User
from fugong.workorders.hotspots import rising

CACHE_SECONDS = 300
SHOWN = 5
MAX_IDS = 200  # a drill-down link carries at most this many order ids


def _scope_key(user: User) -> str:
    """Users who see the same orders share an entry: a region-scoped unit, else the person."""
    return f"unit{user.unit_id}" if user.is_region_scoped else f"user{user.pk}"


def drill_url(order_ids: list[int]) -> str:
    ids = ",".join(str(i) for i in sorted(order_ids)[:MAX_IDS])
    return reverse("workorders:queue") + "?" + urlencode({"view": "all", "ids": ids})


def hot_spots(user: User, campaign: Campaign | None, region: Region | None) -> list[dict]:
    """The first few hot spots of `campaign` in `region` as dicts with a `url` to their
    orders; [] without a campaign."""
    if campaign is None or region is None:
        return []
    key = f"hotspots:{campaign.pk}:{region.code}:{_scope_key(user)}"
    spots = cache.get(key)
    if spots is None:
        spots = [s.as_dict() for s in rising(user, campaign, region)[:SHOWN]]
        cache.set(key, spots, CACHE_SECONDS)
    return [dict(s, url=drill_url(s["order_ids"])) for s in spots]

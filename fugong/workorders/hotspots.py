"""Hot spots (热点问题): what is rising — categories and phrases whose count of work orders in
the last `days` days in a region is well above their usual level there.

The statistic. For one region (the region asked for and each of its direct sub-regions) and one
key (a category, or a phrase — a word or two adjacent words of the orders' texts, segmented by
rjieba), let `c` be the number of orders in the window (the last `days` days up to `now`) and
`b` the number in the history before it (up to `history` days, from the campaign's start at
the earliest), `h` that history's length in days. The usual level is a Poisson rate with half
an order of prior (so a key never seen before has a small, non-zero usual level):

    expected = (b + 0.5) / max(h, 1) × days

The key is rising when all three hold:
- `c ≥ MIN_COUNT` for a category, `c ≥ MIN_PHRASE_COUNT` for a phrase (a few orders, not
  one loud one),
- `c / expected ≥ MIN_RATIO` (well above, not merely above),
- P(X ≥ c | Poisson(expected)) ≤ ALPHA / m, where m is the number of keys of that kind
  (categories, or phrases) the region's window has: a Bonferroni correction, so that among
  thousands of phrases the rare ones bunched by chance are not taken for a rise.

A category counts an order by its confirmed category, else by the triage's proposal. A phrase
counts an order once however often the text repeats it; a phrase whose rising orders are all
among those of a phrase listed before it is not listed again (of equal counts the longer is
kept: "天然气限供" rather than "天然气").
Each hot spot carries its orders' ids (`order_ids`, `orders()`) to drill down to.
Only orders `user` may see are counted (`WorkOrder.objects.visible_to`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from fugong.core.models import Campaign, Region

from .models import Category, WorkOrder

if TYPE_CHECKING:
    from fugong.core.models import User

WINDOW_DAYS = 7
HISTORY_DAYS = 28
MIN_COUNT = 3
MIN_PHRASE_COUNT = 5
MIN_RATIO = 2.0
ALPHA = 0.01
PRIOR_ORDERS = 0.5
MAX_PHRASES = 10  # per region

# Words that say nothing about the problem (greetings, fillers, the asking itself).
STOPWORDS = frozenset(
    "我们 你们 他们 公司 企业 我司 本企业 我们厂 工厂 厂里 问题 情况 一下 请问 您好 你好 领导 "
    "麻烦 谢谢 帮忙 协调 希望 政府 需要 现在 目前 已经 没有 不能 可以 怎么 什么 这个 那个 "
    "还是 因为 所以 但是 如果 以及 就是 一个 反映 急需 尽快 解决 影响 生产 复工".split()
)
_MEANINGLESS = re.compile(r"^[\W\d_a-zA-Z]+$")


@dataclass
class HotSpot:
    kind: str  # "category" or "phrase"
    key: str  # the category's code, or the phrase
    label: str  # what to show: the category's name, or the phrase
    region: Region
    count: int  # orders in the window
    expected: float  # the usual level for a window of that length
    p_value: float
    order_ids: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.count / self.expected

    def orders(self) -> QuerySet:
        """The orders behind the hot spot (newest first)."""
        return WorkOrder.objects.filter(pk__in=self.order_ids)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "region": self.region.name,
            "region_code": self.region.code,
            "count": self.count,
            "expected": round(self.expected, 2),
            "ratio": round(self.ratio, 2),
            "p_value": self.p_value,
            "order_ids": self.order_ids,
        }


def poisson_tail(count: int, mean: float) -> float:
    """P(X ≥ count) for X ~ Poisson(mean), computed in log space (no underflow)."""
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    logs = [-mean + k * math.log(mean) - math.lgamma(k + 1) for k in range(count)]
    top = max(logs)
    below = math.exp(top) * sum(math.exp(v - top) for v in logs)
    return max(0.0, 1.0 - below)


def is_rising(
    count: int, expected: float, tests: int = 1, least: int = MIN_COUNT
) -> tuple[bool, float]:
    """(rising, p-value) of `count` orders against `expected`, among `tests` keys tested."""
    p = poisson_tail(count, expected)
    return count >= least and count / expected >= MIN_RATIO and p <= ALPHA / max(tests, 1), p


@lru_cache(maxsize=65536)
def _meaningful(word: str) -> bool:
    return not _MEANINGLESS.match(word)


def phrases_of(text: str) -> set[str]:
    """The words and adjacent word pairs of a text that may name a problem."""
    import rjieba  # deferred: segmentation is only needed here and by the triage candidates

    tokens = [w if _meaningful(w) else "" for w in rjieba.cut(text)]  # "": punctuation, digits
    out = {w for w in tokens if len(w) >= 2 and w not in STOPWORDS}
    for w, nxt in zip(tokens, tokens[1:], strict=False):
        if w and nxt and len(w) + len(nxt) >= 3 and w not in STOPWORDS and nxt not in STOPWORDS:
            out.add(w + nxt)
    return out


def _areas(user: User, campaign: Campaign, region: Region | None) -> list[Region]:
    if region is None:
        unit = getattr(user, "unit", None)
        region = unit.region if unit is not None and unit.region_id else campaign.region
    return [region, *Region.objects.filter(parent=region).order_by("path")]


def rising(
    user: User,
    campaign: Campaign,
    region: Region | None = None,
    *,
    days: int = WINDOW_DAYS,
    history: int = HISTORY_DAYS,
    now: datetime | None = None,
    phrases: bool = True,
) -> list[HotSpot]:
    """The hot spots of `campaign` in `region` (default: the user's unit's region, else the
    campaign's) and in each of its direct sub-regions, most significant first."""
    now = now or timezone.now()
    window_start = now - timedelta(days=days)
    campaign_start = timezone.make_aware(datetime.combine(campaign.starts_on, datetime.min.time()))
    history_start = max(window_start - timedelta(days=history), campaign_start)
    history_days = max((window_start - history_start).total_seconds() / 86400, 1.0)
    areas = _areas(user, campaign, region)
    rows = list(
        WorkOrder.objects.visible_to(user)
        .filter(
            areas[0].subtree_q("enterprise__"),
            campaign=campaign,
            created_at__gte=min(history_start, window_start),
            created_at__lt=now,
        )
        .values_list(
            "id",
            "created_at",
            "category__code",
            "proposed_label",
            "text",
            "enterprise__region__path",
        )
    )
    names = dict(Category.objects.values_list("code", "name"))
    keyed = []  # (region path, created_at, order id, keys): each text segmented once
    for order_id, created_at, category, proposed, text, path in rows:
        keys = [("category", category or proposed or "other")]
        if phrases:
            keys += [("phrase", p) for p in phrases_of(text)]
        keyed.append((path, created_at, order_id, keys))
    inside = {area.path: [] for area in areas}  # each row goes to the region and its child
    lengths = {len(area.path) for area in areas[1:]}
    for row in keyed:
        inside[areas[0].path].append(row)
        for n in lengths:
            if row[0][:n] in inside and n != len(areas[0].path):
                inside[row[0][:n]].append(row)
    found = []
    for area in areas:
        found += _rising_in(area, inside[area.path], window_start, days / history_days, names)
    found.sort(key=lambda h: (h.p_value, -h.count, -len(h.key)))
    return found


def _rising_in(
    area: Region,
    rows: list[tuple[str, datetime, int, list[tuple[str, str]]]],
    window_start: datetime,
    scale: float,
    names: dict[str, str],
) -> list[HotSpot]:
    window = {}  # (kind, key) → [order ids]
    before = {}  # (kind, key) → count
    for _path, created_at, order_id, keys in rows:
        for key in keys:
            if created_at >= window_start:
                window.setdefault(key, []).append(order_id)
            else:
                before[key] = before.get(key, 0) + 1
    tests = {"category": 0, "phrase": 0}
    for kind, _key in window:
        tests[kind] += 1
    spots = []
    for (kind, key), ids in window.items():
        expected = (before.get((kind, key), 0) + PRIOR_ORDERS) * scale
        least = MIN_COUNT if kind == "category" else MIN_PHRASE_COUNT
        rising_, p = is_rising(len(ids), expected, tests[kind], least)
        if rising_:
            label = names.get(key, key) if kind == "category" else key
            spots.append(HotSpot(kind, key, label, area, len(ids), expected, p, sorted(ids)))
    spots.sort(key=lambda h: (h.p_value, -h.count, -len(h.key)))
    kept, covered, n_phrases = [], [], 0
    for spot in spots:
        if spot.kind == "phrase":
            ids = set(spot.order_ids)
            if n_phrases >= MAX_PHRASES or any(ids <= seen for seen in covered):
                continue
            covered.append(ids)
            n_phrases += 1
        kept.append(spot)
    return kept

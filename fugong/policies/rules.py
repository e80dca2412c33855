"""Eligibility rules: each kind turns its stored parameters into a `Q` over `Enterprise`, so a
policy's rules together are one SQL query, and says in words why an enterprise meets it.

Rules over data this app may not read itself (report statuses, closed-loop qualifications)
ask a *status provider*: a function connected by the layer above the domain apps (the
dashboard app, or a project's AppConfig), never imported from a sibling app:

    from fugong.policies import rules
    rules.connect("resumed", lambda day: <rows of enterprises resumed as of day>)
    rules.connect("closed_loop", lambda day: <rows of enterprises in closed loop on day>)
    rules.connect("losses", lambda since, until: <rows of enterprises that reported losses>)

Each returns a queryset of rows of a model with an `enterprise` key (report statuses,
applications), used as a correlated EXISTS subquery, so a policy stays one SQL query.
A rule whose provider is not connected is met by no enterprise, and says so ("未接入").

The annual-output rule reads the registry's 上年工业总产值 (`Enterprise.annual_output`, 万元):
an enterprise whose output is not filled in fails it, and its near-miss says "产值未填报".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.services import as_date
from fugong.registry import industry
from fugong.registry.models import Enterprise, EnterpriseList, ListMembership

from .models import Rule


class Kind(TextChoices):
    INDUSTRY = "industry", gettext_lazy("行业")
    SCALE = "scale", gettext_lazy("规模")
    LISTS = "lists", gettext_lazy("名单")
    STAFF = "staff", gettext_lazy("职工人数")
    OUTPUT = "output", gettext_lazy("上年工业总产值")
    RESUMED = "resumed", gettext_lazy("已复工")
    CLOSED_LOOP = "closed_loop", gettext_lazy("闭环生产资格")
    LOSSES = "losses", gettext_lazy("报告亏损")


PROVIDERS: dict[str, Callable] = {}
PROVIDER_KINDS = {Kind.RESUMED: "resumed", Kind.CLOSED_LOOP: "closed_loop", Kind.LOSSES: "losses"}
NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)


def connect(name: str, fn: Callable | None) -> None:
    """Connect (or with None, disconnect) the status provider `name`."""
    if name not in PROVIDER_KINDS.values():
        raise ValueError(f"unknown status provider {name!r}")
    if fn is None:
        PROVIDERS.pop(name, None)
    else:
        PROVIDERS[name] = fn


# --- parsing ------------------------------------------------------------------------------


def split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[；;，,、\s]+", text or "") if p.strip()]


def parse_industries(text: str) -> dict:
    """'C；H61；27' → {"sections": ["C"], "divisions": ["27", "61"]}; ValueError naming the
    first token that is neither a GB/T 4754 section letter nor a division."""
    sections, divisions = set(), set()
    for token in split(text):
        if token.upper() in industry.SECTIONS:
            sections.add(token.upper())
            continue
        try:
            divisions.add(industry.parse_industry(token))
        except ValueError as exc:
            raise ValueError(token) from exc
    return {"sections": sorted(sections), "divisions": sorted(divisions)}


def day_of(params: dict, key: str, today: date) -> date:
    return as_date(params.get(key)) or today


# --- the query ----------------------------------------------------------------------------


def rule_q(rule: Rule, today: date) -> Q:
    """The enterprises meeting `rule` on `today` (dates left open in the rule mean today)."""
    return _rule_q(rule, today) or EVERYTHING


def _rule_q(rule: Rule, today: date) -> Q:
    p, kind = rule.params, rule.kind
    if kind == Kind.INDUSTRY:
        q = NOTHING
        if p.get("sections"):
            q |= Q(industry_section__in=p["sections"])
        if p.get("divisions"):
            q |= Q(industry__in=p["divisions"])
        return q
    if kind == Kind.SCALE:
        return Q(scale=p.get("scale"))
    if kind == Kind.LISTS:
        day = day_of(p, "as_of", today)
        members = ListMembership.objects.filter(
            list_id__in=p.get("ids") or [], added_on__lte=day
        ).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
        return _exists(members)
    if kind == Kind.STAFF:
        return _bounds_q("total_staff", p)
    if kind == Kind.OUTPUT:  # an output not filled in (NULL) meets no bound, nor the rule
        return Q(annual_output__isnull=False) & _bounds_q("annual_output", p)
    provider = PROVIDERS.get(PROVIDER_KINDS.get(kind, ""))
    if provider is None:
        return NOTHING
    if kind == Kind.LOSSES:
        return _exists(provider(as_date(p.get("since")), day_of(p, "until", today)))
    return _exists(provider(day_of(p, "by" if kind == Kind.RESUMED else "as_of", today)))


def _bounds_q(field: str, p: dict) -> Q:
    q = Q()
    if p.get("min") is not None:
        q &= Q(**{f"{field}__gte": p["min"]})
    if p.get("max") is not None:
        q &= Q(**{f"{field}__lte": p["max"]})
    return q


def _exists(rows: QuerySet) -> Q:
    """The enterprise has a row among `rows` (a queryset of a model with an `enterprise`
    key): a correlated EXISTS, which planners run per candidate enterprise instead of
    materialising the whole subquery."""
    return Q(Exists(rows.filter(enterprise_id=OuterRef("pk"))))


def policy_q(rules: Iterable[Rule], today: date) -> Q:
    """All of `rules` (a policy without rules fits every enterprise of its region)."""
    q = EVERYTHING
    for rule in rules:
        q &= rule_q(rule, today)
    return q


# --- words --------------------------------------------------------------------------------


def _wan(value: Decimal | float | str | None) -> str:
    """An amount in 万元 as written (1000, 12.5), or "" when unset."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def _industries_text(p: dict) -> str:
    parts = [f"{s} {industry.SECTIONS[s]}" for s in p.get("sections", [])]
    parts += [industry.label(d) for d in p.get("divisions", [])]
    return "、".join(parts)


def list_names(ids: Iterable[int] | None) -> str:
    names = EnterpriseList.objects.filter(pk__in=ids or []).values_list("name", flat=True)
    return "、".join(names) or _("（名单已删除）")


def _when(p: dict, key: str) -> str:
    day = as_date(p.get(key))
    return day.isoformat() if day else _("当日")


def describe(rule: Rule) -> str:
    """The rule in words, as the policy page shows it."""
    p, kind = rule.params, rule.kind
    if kind == Kind.INDUSTRY:
        return _("行业属于：%(i)s") % {"i": _industries_text(p)}
    if kind == Kind.SCALE:
        return _("规上企业") if p.get("scale") == "above" else _("规下企业")
    if kind == Kind.LISTS:
        return _("截至%(d)s在名单之一中：%(n)s") % {
            "d": _when(p, "as_of"),
            "n": list_names(p.get("ids")),
        }
    if kind == Kind.STAFF:
        if p.get("min") is not None and p.get("max") is not None:
            return _("职工 %(a)d–%(b)d 人") % {"a": p["min"], "b": p["max"]}
        if p.get("min") is not None:
            return _("职工不少于 %(a)d 人") % {"a": p["min"]}
        return _("职工不超过 %(b)d 人") % {"b": p.get("max") or 0}
    if kind == Kind.OUTPUT:
        low, high = _wan(p.get("min")), _wan(p.get("max"))
        if low and high:
            return _("上年工业总产值 %(a)s–%(b)s 万元") % {"a": low, "b": high}
        if low:
            return _("上年工业总产值不低于 %(a)s 万元") % {"a": low}
        return _("上年工业总产值不超过 %(b)s 万元") % {"b": high or 0}
    if kind == Kind.RESUMED:
        return _("截至%(d)s已复工（含部分复工）") % {"d": _when(p, "by")}
    if kind == Kind.CLOSED_LOOP:
        return _("截至%(d)s具有闭环生产资格") % {"d": _when(p, "as_of")}
    if kind == Kind.LOSSES:
        since = as_date(p.get("since"))
        return _("%(s)s至%(u)s期间报告亏损") % {
            "s": since.isoformat() if since else _("应急事件开始"),
            "u": _when(p, "until"),
        }
    return kind


def connected(rule: Rule) -> bool:
    name = PROVIDER_KINDS.get(rule.kind)
    return name is None or name in PROVIDERS


def explain(rule: Rule, enterprise: Enterprise, met: bool, lists: dict | None = None) -> str:
    """Why `enterprise` meets the rule (with its own values), or what is missing."""
    kind = rule.kind
    if not connected(rule):
        return _("%(r)s：数据未接入，无法判断") % {"r": describe(rule)}
    if kind == Kind.INDUSTRY:
        own = industry.label(enterprise.industry)
        text = _("行业 %(o)s") % {"o": own}
        return text + (_("，属于 %(i)s") if met else _("，不属于 %(i)s")) % {
            "i": _industries_text(rule.params)
        }
    if kind == Kind.SCALE:
        return _("%(s)s企业（要求：%(r)s）") % {
            "s": enterprise.get_scale_display(),
            "r": describe(rule),
        }
    if kind == Kind.STAFF:
        return _("职工 %(n)d 人（要求：%(r)s）") % {
            "n": enterprise.total_staff,
            "r": describe(rule),
        }
    if kind == Kind.OUTPUT:
        if enterprise.annual_output is None:
            return _("产值未填报（要求：%(r)s）") % {"r": describe(rule)}
        return _("上年工业总产值 %(n)s 万元（要求：%(r)s）") % {
            "n": _wan(enterprise.annual_output),
            "r": describe(rule),
        }
    if kind == Kind.LISTS:
        if met and lists is not None:
            return _("截至%(d)s在名单中：%(n)s") % {
                "d": _when(rule.params, "as_of"),
                "n": "、".join(lists.get(enterprise.pk, [])),
            }
        if not met:
            return _("不在名单中（要求：%(r)s）") % {"r": describe(rule)}
    return describe(rule) if met else _("未满足：%(r)s") % {"r": describe(rule)}


def lists_on(rules: Iterable[Rule], enterprise_ids: Iterable[int], today: date) -> dict:
    """{enterprise id: [list names]} for the lists rule among `rules`, as of its day."""
    rule = next((r for r in rules if r.kind == Kind.LISTS), None)
    if rule is None or not enterprise_ids:
        return {}
    day = day_of(rule.params, "as_of", today)
    rows = (
        ListMembership.objects.filter(
            list_id__in=rule.params.get("ids") or [],
            enterprise_id__in=list(enterprise_ids),
            added_on__lte=day,
        )
        .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
        .values_list("enterprise_id", "list__name")
    )
    found = {}
    for enterprise_id, name in rows:
        found.setdefault(enterprise_id, []).append(name)
    return found

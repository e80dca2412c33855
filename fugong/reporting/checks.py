"""Plausibility of a daily report (README "Validation and outliers").

Each campaign sets its rules' levels (`Campaign.rules()`: hard → a field error, soft → a flag
for the township to confirm or correct, off): the day's output against the enterprise's
capacity (its annual output's daily share × a factor, and no output at 0 % utilisation),
utilisation within 0–100, "resumed" with nobody on duty, and a jump of staff on duty against
the enterprise's previous report. Statistical outliers are flagged too: a report whose staff
on-duty rate, utilisation or output lies far from those of the same industry and region that
day (modified z-score of Iglewicz and Hoaglin, |z| above the campaign's threshold, groups of
at least MIN_GROUP reports)."""

from __future__ import annotations

from decimal import Decimal
from statistics import median
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.models import Campaign, User
from fugong.registry.models import Enterprise

from .models import DailyReport, Status

if TYPE_CHECKING:
    from datetime import date

MIN_GROUP = 5
OUTLIER_METRICS = {
    "staff_on_duty": gettext_lazy("到岗率"),
    "capacity_utilisation": gettext_lazy("产能利用率"),
    "output": gettext_lazy("当日产值"),
}


def _capacity(enterprise: Enterprise, clean: dict, rules: dict) -> list[tuple]:
    found = []
    output = clean.get("output")
    if output is not None and enterprise.annual_output:
        ceiling = enterprise.annual_output / 365 * Decimal(str(rules["output_capacity_factor"]))
        if output > ceiling:
            found.append(
                (
                    "output_capacity",
                    "output",
                    _("当日产值 %(o)s 万元超过产能（上年工业总产值日均的 %(f)s 倍，%(c)s 万元）")
                    % {"o": output, "f": rules["output_capacity_factor"], "c": round(ceiling, 2)},
                )
            )
    if output and clean.get("capacity_utilisation") == 0:
        found.append(
            (
                "output_capacity",
                "capacity_utilisation",
                _("产能利用率为 0，却填报了当日产值 %(o)s 万元") % {"o": output},
            )
        )
    return found


def _staff_jump(previous: DailyReport | None, clean: dict, rules: dict) -> list[tuple]:
    if previous is None or not previous.staff_on_duty:
        return []
    change = (clean["staff_on_duty"] - previous.staff_on_duty) * 100 / previous.staff_on_duty
    if abs(change) <= rules["staff_jump_percent"]:
        return []
    return [
        (
            "staff_jump",
            "staff_on_duty",
            _("在岗人数较上次日报（%(d)s，%(p)d 人）变化 %(c)+.0f%%，超过 ±%(l)s%%")
            % {
                "d": previous.date,
                "p": previous.staff_on_duty,
                "c": change,
                "l": rules["staff_jump_percent"],
            },
        )
    ]


def rule_checks(
    campaign: Campaign, enterprise: Enterprise, day: date, clean: dict
) -> tuple[dict, list[dict]]:
    """(hard failures as field errors, soft failures as flags) of a report's clean values."""
    rules = campaign.rules()
    found = _capacity(enterprise, clean, rules)
    utilisation = clean.get("capacity_utilisation")
    if utilisation is not None and not 0 <= utilisation <= 100:
        found.append(
            ("utilisation_range", "capacity_utilisation", _("产能利用率应在 0 到 100 之间"))
        )
    if clean.get("status") in (Status.FULL, Status.PARTIAL) and not clean.get("staff_on_duty"):
        found.append(
            ("resumed_without_staff", "staff_on_duty", _("复工或部分复工时在岗人数不能为 0"))
        )
    previous = (
        DailyReport.objects.filter(campaign=campaign, enterprise=enterprise, date__lt=day)
        .order_by("-date")
        .first()
    )
    found += _staff_jump(previous, clean, rules)
    errors, flags = {}, []
    for rule, field, message in found:
        if rules[rule] == "hard":
            errors.setdefault(field, message)
        elif rules[rule] == "soft":
            flags.append({"rule": rule, "field": field, "message": message})
    return errors, flags


def _value(report: DailyReport, metric: str) -> float | None:
    if metric == "staff_on_duty":
        return report.staff_on_duty / report.staff_total if report.staff_total else None
    value = getattr(report, metric)
    return None if value is None else float(value)


def modified_z_scores(values: list[float]) -> list[float | None]:
    """Iglewicz–Hoaglin modified z-scores: 0.6745 (x − median) / MAD; with a MAD of 0, the mean
    absolute deviation × 1.253314 stands in; None when the values do not vary."""
    centre = median(values)
    deviations = [abs(v - centre) for v in values]
    mad = median(deviations)
    if mad:
        return [0.6745 * (v - centre) / mad for v in values]
    mean_ad = sum(deviations) / len(deviations)
    if not mean_ad:
        return [None] * len(values)
    return [(v - centre) / (1.253314 * mean_ad) for v in values]


def reflag_outliers(report: DailyReport) -> None:
    """Recompute the outlier flags of the reports of `report`'s industry, region and day."""
    rules = report.campaign.rules()
    if rules["outlier"] == "off":
        return
    group = list(
        DailyReport.objects.filter(
            campaign_id=report.campaign_id,
            date=report.date,
            enterprise__region_id=report.enterprise.region_id,
            enterprise__industry_division=report.enterprise.industry_division,
        )
    )
    new_flags = {r.pk: [f for f in r.flags if f["rule"] != "outlier"] for r in group}
    for metric, label in OUTLIER_METRICS.items():
        measured = [(r, _value(r, metric)) for r in group]
        measured = [(r, v) for r, v in measured if v is not None]
        if len(measured) < MIN_GROUP:
            continue
        scores = modified_z_scores([v for _r, v in measured])
        for (r, _v), z in zip(measured, scores, strict=True):
            if z is not None and abs(z) > rules["outlier_threshold"]:
                new_flags[r.pk].append(
                    {
                        "rule": "outlier",
                        "field": metric,
                        "message": _("%(m)s与同行业同地区当日日报差异过大（修正 z 值 %(z).1f）")
                        % {"m": label, "z": z},
                    }
                )
    changed = [r for r in group if r.flags != new_flags[r.pk]]
    for r in changed:
        r.flags, r.flagged = new_flags[r.pk], bool(new_flags[r.pk])
    DailyReport.objects.bulk_update(changed, ["flags", "flagged"])


def flagged_reports(user: User) -> QuerySet:
    """Reports in the user's scope with something to verify and not yet confirmed."""
    return (
        DailyReport.objects.visible_to(user)
        .filter(flagged=True, confirmed_at__isnull=True)
        .select_related("enterprise")
        .order_by("-date", "enterprise__name")
    )

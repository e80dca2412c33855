"""Which campaign and region a statistics request is about: the user's region by default, the
campaign with daily reports that covers it, the statistics pages' campaign switcher."""

import os
from datetime import date

from django.utils import timezone

from fugong.core.models import Campaign, Region, User
from fugong.core.services import campaigns_on
from fugong.registry.models import Enterprise
from fugong.registry.services import EnterpriseFilter


def default_region(user: User) -> Region | None:
    """The user's region subtree; for users scoped otherwise (admins, commissioners) the top of
    the tree, their scope still deciding which enterprises count."""
    if user.scope_region is not None:
        return user.scope_region
    if not user.is_admin:  # a commissioner: the smallest region holding what they see
        paths = set(
            Enterprise.objects.visible_to(user).values_list("region__path", flat=True)[:1000]
        )
        if paths:
            common = os.path.commonpath(sorted(paths)).rstrip("/") + "/"
            region = Region.objects.filter(path=common).first()
            if region is not None:
                return region
    return Region.objects.filter(parent__isnull=True).order_by("code").first()


def campaigns_covering(region: Region | None) -> list[Campaign]:
    """Every campaign whose region contains or lies in `region`, the most recent first (the
    statistics pages' campaign switcher)."""
    if region is None:
        return []
    return [
        c
        for c in Campaign.objects.select_related("region").order_by("-starts_on", "-id")
        if region.path.startswith(c.region.path) or c.region.path.startswith(region.path)
    ]


def reports_off(campaign: Campaign) -> bool:
    """Whether `campaign` runs without the daily-report module (no modules means all on)."""
    return bool(campaign.modules) and Campaign.Module.REPORTS not in campaign.modules


def current_campaign(region: Region | None, day: date) -> Campaign | None:
    """The most recent campaign with daily reports started by `day` whose region contains or
    lies in `region`."""
    if region is None:
        return None
    for c in (
        Campaign.objects.select_related("region")
        .filter(starts_on__lte=day)
        .order_by("-starts_on", "-id")
    ):
        if c.modules and Campaign.Module.REPORTS not in c.modules:
            continue
        if region.path.startswith(c.region.path) or c.region.path.startswith(region.path):
            return c
    return None


def campaign_scope(campaign: Campaign) -> EnterpriseFilter:
    """The campaign's reporting scope (a scale, a list, or all enterprises) as a filter."""
    return EnterpriseFilter(scale=campaign.report_scale, list=campaign.report_list)


def campaign_running(region: Region | None, day: date | None = None) -> Campaign | None:
    """The campaign of a request about `region` today (or on `day`): the most recent one
    running then whose region contains or lies in `region`, whatever its modules; None."""
    day = day or timezone.localdate()
    if region is None:
        return None
    for c in campaigns_on(day):
        if region.path.startswith(c.region.path) or c.region.path.startswith(region.path):
            return c
    return None

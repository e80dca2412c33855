"""Daily reports for the demo city: enterprise i resumes on a day of its own, reports most
days, and the figures on 2020-02-14 are the 延边州 seed's: 141 of the 274 above-scale
enterprises resumed, 33 of the 50 key enterprises."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.registry.demo import ABOVE_SCALE, LIVE_CAMPAIGN
from fugong.registry.models import Enterprise, ListMembership

from .models import DailyReport
from .rollups import rebuild_status

SEED_DAY = date(2020, 2, 14)
FIRST_DAY = date(2020, 2, 3)


def resume_day(i, is_key, key_rank, other_rank, rng):
    """The day enterprise i resumes (None: not in the period)."""
    if i < ABOVE_SCALE:
        resumed_by_seed = key_rank < 33 if is_key else other_rank < 108
        if resumed_by_seed:
            return FIRST_DAY + timedelta(days=rng.randint(0, (SEED_DAY - FIRST_DAY).days))
        return None if rng.random() < 0.2 else SEED_DAY + timedelta(days=rng.randint(1, 40))
    return None if rng.random() < 0.25 else FIRST_DAY + timedelta(days=rng.randint(0, 60))


def reports_for(i, enterprise, campaign, days, key_ids, ranks, shift=timedelta(0)):
    """Enterprise i's reports over `days` days from FIRST_DAY, moved by `shift` (the running
    campaign's reports are 2020's pattern moved to end today), within the campaign."""
    rng = random.Random(f"fugong-report-{enterprise.uscc}")
    is_key = enterprise.pk in key_ids
    start = resume_day(i, is_key, ranks.get(enterprise.pk, 999), ranks.get(enterprise.pk, 999), rng)
    start = start + shift if start else None
    out = []
    for d in range(days):
        day = FIRST_DAY + shift + timedelta(days=d)
        if day > (campaign.ends_on or day) or day > timezone.localdate():
            break
        if day < campaign.starts_on:
            rng.random()  # the same draws as on a day inside the campaign
            continue
        if day != start and rng.random() < 0.12:  # skipped a day: the status carries forward
            continue
        if start is None or day < start:
            status, on_duty = "not_resumed", rng.randint(0, 3)
        elif day < start + timedelta(days=3):
            status, on_duty = "partial", int(enterprise.total_staff * rng.uniform(0.3, 0.7))
        else:
            status, on_duty = "full", int(enterprise.total_staff * rng.uniform(0.75, 1.0))
        on_duty = min(on_duty, enterprise.total_staff)
        resumed = status != "not_resumed"
        out.append(
            DailyReport(
                campaign=campaign,
                enterprise=enterprise,
                date=day,
                status=status,
                mode="closed_loop" if resumed and i % 11 == 0 else "normal",
                staff_on_duty=on_duty,
                staff_total=enterprise.total_staff,
                output=Decimal(round(rng.uniform(1, 80), 2)) if resumed else Decimal(0),
                capacity_utilisation=Decimal(round(rng.uniform(40, 100), 1)) if resumed else None,
                material_days=rng.randint(2, 30),
                masks_needed=rng.choice([0, 0, 0, 500, 1000, 5000]),
                disinfectant_needed=Decimal(rng.choice([0, 0, 0, 0.5, 1])),
                thermometers_needed=rng.choice([0, 0, 0, 0, 5, 10]),
                workers_short=rng.choice([0, 0, 0, 5, 20]),
                funding_needed=Decimal(rng.choice([0, 0, 0, 0, 50, 200])),
                difficulties=rng.choice(
                    [
                        "",
                        "",
                        "",
                        "",
                        "原材料运输受阻，货车无法进城",
                        "口罩和消毒液库存不足",
                        "外地员工返岗难，用工缺口大",
                        "流动资金紧张，需要贷款支持",
                    ]
                ),
                channel="h5",
                submitted_at=timezone.make_aware(
                    timezone.datetime.combine(day, timezone.datetime.min.time())
                    + timedelta(hours=9, minutes=rng.randint(0, 150))
                ),
            )
        )
    return out


@transaction.atomic
def build_live_reports():
    """Daily reports up to today in the running demo campaign (the 2020 pattern, moved so
    that today looks like the seed day); rebuilt when today's are missing, else untouched."""
    campaign = Campaign.objects.filter(name=LIVE_CAMPAIGN).first()
    today = timezone.localdate()
    if campaign is None or DailyReport.objects.filter(campaign=campaign, date=today).exists():
        return 0
    return _build(campaign, (SEED_DAY - FIRST_DAY).days + 1, today - SEED_DAY)


@transaction.atomic
def build_reports(days=27):
    """Reports from 2020-02-03 for `days` days (default: through 2020-02-29); idempotent."""
    campaign = Campaign.objects.get(name="2020年新冠肺炎疫情复工复产")
    if DailyReport.objects.filter(campaign=campaign).exists():
        existing = DailyReport.objects.filter(campaign=campaign).dates("date", "day")
        if len(existing) >= days:
            return 0
        DailyReport.objects.filter(campaign=campaign).delete()
    return _build(campaign, days)


def _build(campaign, days, shift=timedelta(0)):
    DailyReport.objects.filter(campaign=campaign).delete()
    enterprises = list(
        Enterprise.objects.filter(region__path__startswith=campaign.region.path).order_by("pk")
    )
    key_ids = set(
        ListMembership.objects.current()
        .filter(list__kind="key")
        .values_list("enterprise_id", flat=True)
    )
    ranks, key_rank, other_rank = {}, 0, 0
    for e in enterprises[:ABOVE_SCALE]:
        if e.pk in key_ids:
            ranks[e.pk], key_rank = key_rank, key_rank + 1
        else:
            ranks[e.pk], other_rank = other_rank, other_rank + 1
    batch, total = [], 0
    for i, e in enumerate(enterprises):
        batch.extend(reports_for(i, e, campaign, days, key_ids, ranks, shift))
        if len(batch) >= 20000:
            DailyReport.objects.bulk_create(batch, batch_size=5000)
            total, batch = total + len(batch), []
    DailyReport.objects.bulk_create(batch, batch_size=5000)
    rebuild_status(campaign)
    return total + len(batch)

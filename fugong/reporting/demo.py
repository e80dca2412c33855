"""Daily reports for the demo city: enterprise i resumes on a day of its own, reports most
days, and the figures on 2020-02-14 are the 延边州 seed's: 141 of the 274 above-scale
enterprises resumed, 33 of the 50 key enterprises."""

import logging
import random
import time
from contextlib import nullcontext
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from fugong.core.bulk import indexes_deferred
from fugong.core.models import Campaign, path_end
from fugong.registry.demo import ABOVE_SCALE, LIVE_CAMPAIGN
from fugong.registry.models import Enterprise, ListMembership

from .models import DailyReport
from .rollups import bulk_rebuild_status, rebuild_status

log = logging.getLogger("fugong.bulk")

SEED_DAY = date(2020, 2, 14)
FIRST_DAY = date(2020, 2, 3)
# on PostgreSQL a demo larger than the default one writes the reports of the enterprises
# after the first SMALL in SQL (`_insert_reports_in_sql`), the first SMALL as before
SMALL = 300


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
                difficulties=rng.choice(_DIFFICULTIES),
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
    enterprises = Enterprise.objects.filter(campaign.region.subtree_q())
    count = enterprises.count()
    in_sql = connection.vendor == "postgresql" and count > SMALL
    enterprises = list(enterprises.order_by("pk")[:SMALL] if in_sql else enterprises.order_by("pk"))
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
    rows = count * min(days, (campaign_last(campaign) - campaign.starts_on).days + 1)
    with indexes_deferred("reporting_dailyreport", rows=rows) if in_sql else nullcontext():
        for i, e in enumerate(enterprises):
            batch.extend(reports_for(i, e, campaign, days, key_ids, ranks, shift))
            if len(batch) >= 20000:
                DailyReport.objects.bulk_create(batch, batch_size=5000)
                total, batch = total + len(batch), []
        DailyReport.objects.bulk_create(batch, batch_size=5000)
        total += len(batch)
        if in_sql:
            total += _insert_reports_in_sql(campaign, days, shift)
    if in_sql:
        bulk_rebuild_status(campaign)
    else:
        rebuild_status(campaign)
    return total


def campaign_last(campaign):
    """The last day reports can be dated: the campaign's end, not after today."""
    return min(campaign.ends_on or date.max, timezone.localdate())


def _u(key, seed):
    """A uniform draw in [0, 1) from the hash of `key` (an SQL bigint) under `seed`: the SQL
    counterpart of the seeded random.Random of `reports_for`, deterministic."""
    return f"((hashint8extended(({key})::int8, {seed}) & 2147483647)::float8 / 2147483648.0)"


def _pick(values, draw, kind):
    return f"(ARRAY[{', '.join(values)}]::{kind}[])[1 + floor({draw} * {len(values)})::int]"


# a report's difficulties: four in eight reports have none (the Python and the SQL demo)
_DIFFICULTIES = [
    "",
    "",
    "",
    "",
    "原材料运输受阻，货车无法进城",
    "口罩和消毒液库存不足",
    "外地员工返岗难，用工缺口大",
    "流动资金紧张，需要贷款支持",
]


def _reports_sql():
    day = "(id::int8 * 1024 + g)"  # one key per enterprise and day
    resumed = "d.status <> 'not_resumed'"
    words = [f"'{w}'" for w in _DIFFICULTIES]
    return f"""
WITH ents AS (
    SELECT e.id, e.total_staff, row_number() OVER (ORDER BY e.id) - 1 AS i
    FROM registry_enterprise e JOIN core_region r ON r.id = e.region_id
    WHERE r.path >= %(path)s AND r.path < %(path_end)s
), starts AS (
    SELECT id, total_staff, i, CASE WHEN {_u("id", 1)} < 0.25 THEN NULL
        ELSE %(first)s::date + floor({_u("id", 2)} * 61)::int END AS start
    FROM ents WHERE i >= %(offset)s
), days AS (
    SELECT e.*, g, %(first)s::date + g AS day FROM starts e, generate_series(0, %(days)s - 1) g
    WHERE %(first)s::date + g BETWEEN %(starts_on)s AND %(last)s
        AND (%(first)s::date + g = e.start OR {_u(day, 3)} >= 0.12)
), d AS (
    SELECT days.*, CASE WHEN start IS NULL OR day < start THEN 'not_resumed'
        WHEN day < start + 3 THEN 'partial' ELSE 'full' END AS status
    FROM days
)
INSERT INTO reporting_dailyreport (campaign_id, enterprise_id, date, status, mode,
    staff_on_duty, staff_total, output, output_unit, capacity_utilisation, material_days,
    masks_needed, disinfectant_needed, thermometers_needed, workers_short, funding_needed,
    difficulties, extra, channel, submitted_at, version, flags, flagged)
SELECT %(campaign)s, d.id, d.day, d.status,
    CASE WHEN {resumed} AND d.i %% 11 = 0 THEN 'closed_loop' ELSE 'normal' END,
    LEAST(d.total_staff, CASE d.status
        WHEN 'not_resumed' THEN floor({_u(day, 4)} * 4)::int
        WHEN 'partial' THEN floor(d.total_staff * (0.3 + 0.4 * {_u(day, 4)}))::int
        ELSE floor(d.total_staff * (0.75 + 0.25 * {_u(day, 4)}))::int END),
    d.total_staff,
    CASE WHEN {resumed} THEN round((1 + 79 * {_u(day, 5)})::numeric, 2) ELSE 0 END, '万元',
    CASE WHEN {resumed} THEN round((40 + 60 * {_u(day, 6)})::numeric, 1) END,
    2 + floor({_u(day, 7)} * 29)::int,
    {_pick(["0", "0", "0", "500", "1000", "5000"], _u(day, 8), "int")},
    {_pick(["0", "0", "0", "0.5", "1"], _u(day, 9), "numeric")},
    {_pick(["0", "0", "0", "0", "5", "10"], _u(day, 10), "int")},
    {_pick(["0", "0", "0", "5", "20"], _u(day, 11), "int")},
    {_pick(["0", "0", "0", "0", "50", "200"], _u(day, 12), "numeric")},
    {_pick(words, _u(day, 13), "text")}, '{{}}'::jsonb, 'h5',
    (d.day + time '09:00' + floor({_u(day, 14)} * 151)::int * interval '1 minute')
        AT TIME ZONE %(tz)s, 1, '[]'::jsonb, false
FROM d
"""


def _insert_reports_in_sql(campaign, days, shift):
    """The reports of the enterprises after the first SMALL, written by one INSERT … SELECT:
    the distribution of `reports_for` for enterprises beyond the 274 above-scale ones (a
    quarter never resume, the others on a day within 60 days of the first; 12 % of the days
    unreported; partial for three days, then full), drawn from hashes instead of
    random.Random, so the same in every run."""
    first = FIRST_DAY + shift
    last = campaign_last(campaign)
    params = {
        "path": campaign.region.path,
        "path_end": path_end(campaign.region.path),
        "first": first,
        "offset": SMALL,
        "days": days,
        "starts_on": campaign.starts_on,
        "last": last,
        "campaign": campaign.pk,
        "tz": settings.TIME_ZONE,
    }
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(_reports_sql(), params)
        written = cursor.rowcount
    log.info("%d reports written in SQL in %.1f s", written, time.monotonic() - started)
    return written

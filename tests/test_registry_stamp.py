"""The statistics keep the registry's denominators while the registry stamp is unchanged
(issue 19: at 100,000 enterprises they were ~40 ms of every dashboard read, the rollup's sums
a few). Whatever writes the tables they read — `save`, `QuerySet.update` (no signal), raw SQL
as another server would send it, a list membership, a move in the region tree — the next read
counts afresh."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from fugong.core.permissions import SYSTEM
from fugong.registry.models import Enterprise, ListMembership, RegistryStamp
from fugong.reporting import stats
from fugong.reporting.services import roll_forward, settle_list_days, submit_report

from .conftest import queries
from .factories import EnterpriseFactory

TODAY = timezone.localdate()


@pytest.fixture
def reported(cast, campaign):
    roll_forward(campaign)  # the worker's horizon: today's figures read the rollup
    for e in (cast.a, cast.a2, cast.b):
        submit_report(SYSTEM, e, TODAY, {"status": "full", "staff_on_duty": 5, "staff_total": 9})
    return campaign


def reading(call):
    """`call()`'s result and the statements it sent that read the enterprises."""
    result, sql = queries(call)
    return result, [text for text in sql if '"registry_enterprise"' in text]


def figures(params=None):
    params = {"region": "222400", "date": TODAY.isoformat(), **(params or {})}
    q = stats.StatsQuery.parse(SYSTEM, params)
    assert stats.rollup_cells(SYSTEM, q) is not None and q.day <= q.horizon()
    return reading(lambda: stats.resumption(SYSTEM, q))


def series():
    q = stats.StatsQuery.parse(SYSTEM, {"region": "222400", "date": TODAY.isoformat()})
    start = TODAY - datetime.timedelta(days=3)
    result, touched = reading(lambda: stats.series(SYSTEM, q, start, TODAY))
    return [d["enterprises"] for d in result], touched


def test_kept_denominators_follow_every_write_to_the_registry(cast, reported):
    first, touched = figures()
    assert touched  # counted once
    again, touched = figures()
    assert again == first and not touched  # then kept: the rollup's sums only
    n = first["enterprises"]

    Enterprise.objects.filter(pk=cast.b.pk).update(active_to=TODAY)  # no signal
    assert figures()[0]["enterprises"] == n - 1
    with connection.cursor() as cursor:  # another server's raw SQL
        cursor.execute("UPDATE registry_enterprise SET active_to = NULL WHERE id = %s", [cast.b.pk])
    assert figures()[0]["enterprises"] == n

    EnterpriseFactory(region=cast.a.region)  # a new enterprise
    assert figures()[0]["enterprises"] == n + 1
    assert figures({"list": "重点企业"})[0]["enterprises"] == 0
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a, added_on=TODAY)
    settle_list_days()  # the worker's job after the commit: the list's rollup again
    assert figures({"list": "重点企业"})[0]["enterprises"] == 1
    ListMembership.objects.filter(enterprise=cast.a).update(removed_on=TODAY)
    assert figures({"list": "重点企业"})[0]["enterprises"] == 0

    tumen = cast.regions.tumen  # 图们 out of the city: its enterprises leave the figures
    tumen.parent = cast.regions.jilin
    tumen.save()
    assert (
        figures()[0]["enterprises"]
        == n + 1 - Enterprise.objects.filter(region__path__startswith=tumen.path).count()
    )


def test_a_series_keeps_its_daily_denominators_too(cast, reported):
    days, touched = series()
    assert touched
    again, touched = series()
    assert again == days and not touched
    Enterprise.objects.filter(pk=cast.b.pk).update(active_from=TODAY - datetime.timedelta(days=1))
    days_after, touched = series()
    assert touched and days_after[:2] == [d - 1 for d in days[:2]] and days_after[2:] == days[2:]


@pytest.mark.django_db(transaction=True)
def test_without_a_stamp_nothing_is_kept(cast, campaign):
    """A flush (a transactional test's teardown) removes the stamp row: every read counts
    afresh until a write to the registry makes it again."""
    roll_forward(campaign)
    RegistryStamp.objects.all().delete()
    assert figures()[1] and figures()[1]  # counted each time
    EnterpriseFactory(region=cast.a.region)
    assert RegistryStamp.objects.count() == 1  # the trigger made it
    assert figures()[1] and not figures()[1]

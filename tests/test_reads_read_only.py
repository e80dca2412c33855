"""Reads never write: every dashboard, statistics, export and brief endpoint, web page and API,
answers over a read-only database connection, and any other write raises. PostgreSQL: the
requests run as a role that may only SELECT (SET LOCAL ROLE, the role made inside the test's
transaction); SQLite: an authorizer on the connection denies every INSERT, UPDATE and DELETE.
The status horizon is left two days behind on purpose (the first read after midnight, or the
worker down), the case in which a statistics read used to roll forward.

Allowed, and only these (README "Reads never write"), each routed to the primary:
- the session touch (SESSION_SAVE_EVERY_REQUEST renews the 30 minutes in django_session after
  the view) and the API token's last-used time (at most once a minute);
- for exports, the brief and the pages listing personal data (completeness's phone numbers),
  the audit entry saying who took what: an access log is written, never deferred."""

import datetime
import os
import sqlite3
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fugong.core.permissions import SYSTEM
from fugong.core.services import issue_token
from fugong.power.models import Baseline, Reading
from fugong.reporting.models import Horizon
from fugong.reporting.services import roll_forward, save_report, validate_report

WEB = [
    "/dashboard/",
    "/dashboard/?region=222401",
    "/stats/",
    "/stats/?by=region",
    "/stats/?by=industry&industry=C",
    "/stats/?by=list",
    "/stats/?confirmed=1&by=scale",
    "/stats/enterprises/?figure=resumed",
    "/stats/power/",
    "/map/",
    "/financing/totals/",
    "/inspections/figures/",
    "/workorders/scorecard/",
]
# exports, the brief and the personal-data list: they may append their audit entry, no more
AUDITED = [
    "/stats/?format=xlsx",
    "/stats/?format=reports",
    "/stats/enterprises/?figure=missing_today&format=xlsx",
    "/completeness/",
    "/stats/brief.pdf",
    "/stats/brief.xlsx",
    "/stats/power/?format=xlsx",
]
API = [
    "/stats/completeness",
    "/stats/resumption",
    "/stats/resumption?by=region",
    "/stats/resumption?by=industry&industry=C",
    "/stats/resumption/series?start=2000-01-01",
    "/stats/resumption/enterprises?figure=resumed",
    "/stats/power",
    "/health/summary",
    "/policies/totals",
    "/projects/figures",
    "/financing/totals",
    "/workforce/shortage",
    "/workorders/scorecard",
]


def _report(campaign, e, day, status, on_duty=5):
    data = {"status": status, "staff_on_duty": on_duty, "staff_total": e.total_staff}
    clean = validate_report(campaign, e, day, data, window=False)
    return save_report(SYSTEM, campaign, e, day, clean, "web")


@pytest.fixture
def world(cast, campaign):
    today = timezone.localdate()
    start = campaign.starts_on
    for e in (cast.a, cast.a2, cast.b):
        _report(campaign, e, start, "partial")
        Baseline.objects.create(
            campaign=campaign, enterprise=e, month=start.replace(day=1), days=30, kwh_per_day=100
        )
        for d in range(6):
            Reading.objects.create(enterprise=e, day=start + datetime.timedelta(days=d), kwh=70)
    roll_forward(campaign, today - datetime.timedelta(days=2))  # the worker is two days behind
    _report(campaign, cast.a, today - datetime.timedelta(days=1), "full", on_duty=9)
    _report(campaign, cast.b, today, "not_resumed", on_duty=0)
    return cast


TOUCH = {"django_session": "INSERT, UPDATE, DELETE", "core_apitoken": "UPDATE (last_used_at)"}
AUDIT = {"core_auditlog": "INSERT", "core_audithead": "INSERT, UPDATE"}


@pytest.fixture
def read_only():
    """`read_only(allowed)`: a block in which writes to any table but `allowed` raise."""
    role = f"fugong_reader_{os.getpid()}"
    if connection.vendor == "postgresql":  # made and granted in the test's transaction: undone
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE ROLE {role} NOLOGIN")
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
            cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
            cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")

    @contextmanager
    def block(allowed=TOUCH):
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    for table, rights in allowed.items():
                        cursor.execute(f"GRANT {rights} ON {table} TO {role}")
                    cursor.execute(f"SET LOCAL ROLE {role}")  # undone with the savepoint
                else:
                    connection.connection.set_authorizer(_authorizer(set(allowed)))
            try:
                yield
            finally:
                transaction.set_rollback(True)  # the grants and the role go with it
                if connection.vendor != "postgresql":
                    connection.connection.set_authorizer(None)

    return block


def _authorizer(allowed):
    writes = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}

    def check(action, table, *_rest):
        if action in writes and table not in allowed:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    return check


def _sweep(read_only, get, urls, allowed=TOUCH):
    failures = []
    for url in urls:
        try:
            with read_only(allowed):
                response = get(url)
            if response.status_code != 200:
                failures.append((url, response.status_code))
        except Exception as exc:  # noqa: BLE001 (every endpoint is tried; all failures listed)
            failures.append((url, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
    return failures


@pytest.mark.django_db
def test_the_read_only_connection_refuses_a_write(world, read_only):
    with pytest.raises(Exception, match="permission denied|not authorized"), read_only():
        roll_forward(Horizon.objects.get().campaign)  # the write a statistics read used to do


def test_every_figure_page_and_export_reads_without_writing(world, read_only, client):
    horizon = list(Horizon.objects.values_list("through", flat=True))
    failures = []
    for user in (world.admin, world.zhuanban):
        client.force_login(user)
        failures += [(user.username, *f) for f in _sweep(read_only, client.get, WEB)]
        audited = _sweep(read_only, client.get, AUDITED, TOUCH | AUDIT)
        failures += [(user.username, *f) for f in audited]
    assert failures == [], "\n".join(map(str, failures))
    assert list(Horizon.objects.values_list("through", flat=True)) == horizon


def test_every_statistics_api_reads_without_writing(world, read_only, client):
    failures = []
    for user in (world.admin, world.zhuanban):
        _t, raw = issue_token(user, "test")

        def get(url, raw=raw):
            return client.get("/api/v1" + url, HTTP_AUTHORIZATION=f"Bearer {raw}")

        failures += [(user.username, *f) for f in _sweep(read_only, get, API)]
    assert failures == [], "\n".join(map(str, failures))

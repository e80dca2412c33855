"""The morning's hot paths stay at their statement counts (issue 19): the declaration by
personal link (the page load and the one POST that identifies and declares) and a gate
device's check one per request. A change that adds a query to them fails here; lower the
numbers when a change removes one."""

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from fugong.core.models import AuditHead
from fugong.core.services import campaign_for
from fugong.health import services
from fugong.health.demo import id_card
from fugong.health.models import Declaration, GateCheck

from .conftest import statements
from .test_health_links import FORM, health, personal_path  # noqa: F401  (the fixture)

# inside the test's transaction (savepoints, no BEGIN/COMMIT); PostgreSQL judges a gate batch
# in one statement, SQLite row by row
PAGE_LOAD = 5  # employee by link, the audit entry (head, insert, head), the day's declaration
DECLARE = {"postgresql": 8, "sqlite": 8}  # savepoint, identify, audit, campaign, upsert, release
GATE_CHECK = {"postgresql": 9, "sqlite": 10}  # token, campaign stamp, roster, judge, audit


@pytest.fixture(autouse=True)
def audit_chain_heads(db, settings):
    """The migration's audit chain heads, which a transactional test before this one may have
    flushed: the first write to a missing head takes three statements more (look, create,
    lock), and the head is picked at random."""
    chains = range(1, settings.FUGONG_AUDIT_CHAINS + 1)
    AuditHead.objects.bulk_create([AuditHead(pk=k) for k in chains], ignore_conflicts=True)


def test_a_declaration_by_personal_link_takes_few_statements(cast, health):  # noqa: F811
    path = personal_path(services.issue_link(health.officer, health.zhang))
    client = Client()
    client.get(path)  # the CSRF cookie
    campaign_for(cast.a, timezone.localdate())  # the campaign list, as a process keeps it
    page, count = statements(lambda: client.get(path))
    assert page.status_code == 200 and count <= PAGE_LOAD, count
    r, count = statements(lambda: client.post(path, FORM))
    assert r.status_code == 302 and count <= DECLARE[connection.vendor], count
    r, count = statements(lambda: client.post(path, {**FORM, "temperature": "36.8"}))
    assert r.status_code == 302 and count <= DECLARE[connection.vendor], (
        count
    )  # the day's row replaced
    assert str(Declaration.objects.get(employee=health.zhang).temperature) == "36.8"


def test_a_gate_check_takes_few_statements(cast, health, api):  # noqa: F811
    client = Client()
    path = personal_path(services.issue_link(health.officer, health.zhang))
    client.get(path)
    client.post(path, FORM)
    device = api(health.officer)
    check = {"checks": [{"id_number": id_card(271), "temperature": 36.6}]}
    assert device("post", "/health/gate-checks", check).status_code == 201  # the token's first use
    r, count = statements(lambda: device("post", "/health/gate-checks", check))
    assert r.status_code == 201 and r.json()["admitted"] == 1
    assert count <= GATE_CHECK[connection.vendor], count
    assert GateCheck.objects.filter(employee=health.zhang, admitted=True).count() == 2


@pytest.mark.parametrize("rows", [1, 60])
def test_small_and_large_batches_judge_alike(cast, health, api, rows):  # noqa: F811
    """A batch up to INLINE_ROWS is judged over an inline list, a larger one over a COPYed
    staging table: the same verdicts."""
    device = api(health.officer)
    batch = [{"id_number": id_card(271 + n % 2), "temperature": 36.6} for n in range(rows)]
    r = device("post", "/health/gate-checks", {"checks": batch})
    assert r.status_code == 201 and r.json()["saved"] == rows and r.json()["admitted"] == 0
    assert {x["refusal"] for x in r.json()["refusals"]} == {"今日未做健康申报"}

"""The audit log as independent hash chains: writers spread over the chains without a global
lock, and verification still catches edits, deletions, reordering and moves between chains."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from fugong.core.models import AuditHead, AuditLog
from fugong.core.permissions import SYSTEM
from fugong.core.services import audit, verify_audit_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(settings):
    settings.FUGONG_AUDIT_CHAINS = 4
    for i in range(24):
        audit(SYSTEM, "export", target_type="test", detail={"rows": i})
    return list(AuditLog.objects.filter(target_type="test").order_by("id"))


def chain_with_two(entries):
    by_chain = {}
    for e in entries:
        by_chain.setdefault(e.chain, []).append(e)
    return next(c for c in by_chain.values() if len(c) >= 2)


def sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_writers_spread_over_the_chains_and_each_chain_verifies(entries, capsys):
    assert len({e.chain for e in entries}) > 1
    assert {e.chain for e in entries} <= {1, 2, 3, 4}
    checked, problem = verify_audit_chain()
    assert problem is None and checked == AuditLog.objects.count()
    for head in AuditHead.objects.filter(pk__lte=4):  # each head names its chain's newest entry
        newest = AuditLog.objects.filter(chain=head.pk).order_by("id").last()
        assert head.last_hash == (newest.hash if newest else "")
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out


def test_reordering_two_entries_of_a_chain_is_caught(entries):
    first, second = chain_with_two(entries)[:2]
    sql("UPDATE core_auditlog SET id = -id WHERE id = %s", [first.pk])
    sql("UPDATE core_auditlog SET id = %s WHERE id = %s", [first.pk, second.pk])
    sql("UPDATE core_auditlog SET id = %s WHERE id = %s", [second.pk, -first.pk])
    assert "link to the previous entry is broken" in verify_audit_chain()[1]


def test_moving_an_entry_to_another_chain_is_caught(entries):
    victim = chain_with_two(entries)[0]
    other = next(c for c in (1, 2, 3, 4) if c != victim.chain)
    sql("UPDATE core_auditlog SET chain = %s WHERE id = %s", [other, victim.pk])
    assert "link to the previous entry is broken" in verify_audit_chain()[1]


def test_an_edit_and_the_removal_of_a_chains_newest_entry_are_caught(entries):
    victim = chain_with_two(entries)[0]
    sql("UPDATE core_auditlog SET target_repr = 'x' WHERE id = %s", [victim.pk])
    assert verify_audit_chain()[1] == f"entry {victim.pk}: its content was changed"
    sql("UPDATE core_auditlog SET target_repr = '' WHERE id = %s", [victim.pk])
    assert verify_audit_chain()[1] is None
    newest = AuditLog.objects.filter(chain=victim.chain).order_by("id").last()
    sql("DELETE FROM core_auditlog WHERE id = %s", [newest.pk])
    assert f"chain {victim.chain}: the newest entries" in verify_audit_chain()[1]
    AuditHead.objects.filter(pk=victim.chain).delete()
    assert verify_audit_chain()[1] == f"chain {victim.chain}: its head is missing"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_a_writer_does_not_wait_for_another_writers_open_transaction(settings):
    settings.FUGONG_AUDIT_CHAINS = 2
    AuditHead.objects.bulk_create([AuditHead(pk=1), AuditHead(pk=2)], ignore_conflicts=True)
    holding, release, held = threading.Event(), threading.Event(), []

    def slow_writer():  # audits, then keeps its transaction (and its chain's head) open
        try:
            with transaction.atomic():
                held.append(audit(SYSTEM, "export", target_type="slow").chain)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert holding.wait(10)
        t = time.perf_counter()
        entry = audit(SYSTEM, "export", target_type="fast")
        assert time.perf_counter() - t < 2
        assert entry.chain != held[0]
    finally:
        release.set()
        thread.join(10)
    assert verify_audit_chain() == (2, None)

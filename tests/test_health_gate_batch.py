"""A gate device's batch (set-based on PostgreSQL: COPY into a staging table, judged in SQL)
gives exactly the verdicts and the errors of the gate page's one-by-one path."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fugong.core import crypto
from fugong.health import services
from fugong.health.demo import id_card
from fugong.health.models import Employee, GateCheck

from .test_health import declare, health  # noqa: F401  (the fixture)

FIELDS = ("direction", "employee_id", "name", "temperature", "mask", "admitted", "refusal")
VISITOR = {
    "name": "访客甲",
    "phone": "13800001111",
    "came_from": "长春",
    "host": "张",
    "reason": "送货",
}


@pytest.fixture
def people(cast, health):  # noqa: F811
    def person(n, name, **extra):
        data = {"name": name, "id_number": id_card(n), "phone": "", **extra}
        return services.save_employee(health.officer, cast.a, data)

    person(281, "周五")
    zhao = person(282, "赵六")
    person(283, "孙七", in_bubble=True)
    declare(health, cast)  # 张小三: normal
    declare(health, cast, employee=health.li)  # 李四: normal, but left the bubble
    Employee.objects.filter(pk=health.li.pk).update(left_bubble_at=timezone.now())
    declare(health, cast, employee=zhao, symptoms=["fever"])  # 赵六: abnormal; 周五: none
    return {"zhang": 271, "li": 272, "wang": 281, "zhao": 282, "sun": 283}


def mixed(people):
    earlier = (timezone.now() - datetime.timedelta(minutes=30)).isoformat()
    return [
        {"id_number": id_card(people["zhang"]), "temperature": 36.5},
        {"id_number": id_card(people["zhang"]), "temperature": 37.5, "at": earlier},
        {"id_number": id_card(people["zhang"]), "temperature": 36.5, "mask": False},
        {"id_number": id_card(people["wang"]), "temperature": 36.5, "device": "东门"},
        {"id_number": id_card(people["wang"]), "temperature": 38.0, "mask": False},
        {"id_number": id_card(people["zhao"]), "temperature": 36.6},
        {"id_number": id_card(people["li"]), "temperature": 36.5},
        {"visitor": VISITOR, "temperature": 38.2},
        {"visitor": VISITOR, "temperature": 36.4, "direction": "in"},
        {"id_number": id_card(people["zhang"]), "direction": "out"},
        {"id_number": id_card(people["wang"]), "direction": "out", "temperature": 36.7},
        {"id_number": id_card(people["sun"]), "direction": "out"},
    ]


def one_by_one(health, cast, items):  # noqa: F811
    """What the gate page records for each item (then undone), or the fields it refuses."""
    out = []
    sid = transaction.savepoint()
    for item in items:
        employee = None
        if item.get("id_number"):
            key = crypto.blind_index(item["id_number"])
            employee = Employee.objects.get(enterprise=cast.a, id_hash=key)
        at = item.get("at")
        try:
            row = services.check(
                health.officer,
                cast.a,
                direction=item.get("direction", "in"),
                temperature=item.get("temperature"),
                mask=item.get("mask", True),
                employee=employee,
                visitor=item.get("visitor") if employee is None else None,
                at=datetime.datetime.fromisoformat(at) if at else None,
                device=item.get("device", ""),
            )
            out.append(tuple(getattr(row, f) for f in FIELDS))
        except ValidationError as exc:
            out.append(services._fields(exc))
    transaction.savepoint_rollback(sid)
    return out


def test_the_batch_and_the_gate_page_give_the_same_verdicts(cast, health, people):  # noqa: F811
    items = mixed(people)
    single = one_by_one(health, cast, items)
    assert not GateCheck.objects.exists()
    batch = services.ingest_gate_batch(health.officer, cast.a, items)
    rows = [tuple(getattr(r, f) for f in FIELDS) for r in GateCheck.objects.order_by("id")]
    assert rows == single
    assert batch.saved == len(items)
    assert batch.refusals == [(n, r[-1]) for n, r in enumerate(single) if not r[-2]]
    refusals = dict(batch.refusals)
    assert refusals[4].count("；") == 2  # fever, no mask, no declaration, in that order
    assert set(refusals) == {1, 2, 3, 4, 5, 6, 7}
    # the bubble employee who left is out from the batch's first exit on
    assert Employee.objects.get(name="孙七").left_bubble_at is not None
    assert Employee.objects.get(name="周五").left_bubble_at is None
    assert GateCheck.objects.filter(device="东门").count() == 1


def test_the_batch_refuses_what_the_gate_page_refuses_with_the_same_fields(
    cast,
    health,  # noqa: F811
    people,
):
    bad = [
        {"id_number": id_card(people["zhang"]), "temperature": 55},
        {"id_number": id_card(people["zhang"])},
        {"id_number": id_card(people["zhang"]), "temperature": 36.5, "direction": "sideways"},
        {"visitor": {**VISITOR, "phone": "110", "reason": ""}, "temperature": 36.5},
        {"temperature": 36.5},
    ]
    single = one_by_one(health, cast, bad)
    extra = [
        {"id_number": id_card(399), "temperature": 55},  # not on the roster comes first
        {"id_number": id_card(people["zhang"]), "temperature": 36.5, "at": "2999-01-01T08:00"},
        {"id_number": id_card(people["zhang"]), "temperature": 36.5},  # good: saved with none
    ]
    with pytest.raises(services.BatchRejected) as exc:
        services.ingest_gate_batch(health.officer, cast.a, bad + extra)
    errors = exc.value.errors
    assert [e["index"] for e in errors] == [0, 1, 2, 3, 4, 5, 6]
    assert [e["fields"] for e in errors[:5]] == single
    assert set(errors[5]["fields"]) == {"id_number"} and set(errors[6]["fields"]) == {"at"}
    assert not GateCheck.objects.exists()


def test_an_empty_batch_saves_nothing_and_fails_nothing(cast, health, people):  # noqa: F811
    # schemathesis sent `{"checks": []}`: the small-batch statement's VALUES list had no row
    batch = services.ingest_gate_batch(health.officer, cast.a, [])
    assert (batch.saved, batch.refusals) == (0, [])
    assert not GateCheck.objects.exists()

"""The list rollup (ListDay) and the kept denominators in the cases a review found wrong:
overlapping memberships of one list, a membership moved to another list, a commissioner's
assignment, a user whose scope is empty. Each compares the rollup's figures with the status
rows' (`use_status_rows=True`)."""

import datetime

import pytest
from django.utils import timezone

from fugong.core.models import Role
from fugong.core.permissions import SYSTEM
from fugong.registry import services as registry
from fugong.registry.models import Assignment
from fugong.reporting import stats
from fugong.reporting.services import roll_forward, settle_list_days, submit_report

from .factories import EnterpriseFactory, ListFactory, UserFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def reported(cast, campaign):
    for e in (cast.a, cast.a2, cast.b):
        data = {"status": "full", "staff_on_duty": 5, "staff_total": 9}
        submit_report(SYSTEM, e, TODAY - 4 * DAY, data)
    roll_forward(campaign)
    return campaign


def on_list(name, user=SYSTEM):
    """The list's figures from the rollup and from the status rows (they must be equal)."""
    params = {"region": "222400", "date": TODAY.isoformat(), "list": name}
    fast, slow = (stats.StatsQuery.parse(user, params) for _ in range(2))
    assert stats.rollup_cells(user, fast).model._meta.model_name == "listday"
    figures = stats.resumption(user, fast)
    assert figures == stats.resumption(user, slow, use_status_rows=True)
    return figures


def test_overlapping_memberships_count_once(cast, reported):
    m = registry.add_to_list(SYSTEM, cast.key_list, cast.a, on=TODAY - 4 * DAY)
    registry.remove_from_list(SYSTEM, m, on=TODAY + 3 * DAY)  # an end dated ahead
    registry.add_to_list(SYSTEM, cast.key_list, cast.a, on=TODAY)  # so a second one may start
    settle_list_days()
    figures = on_list("重点企业")
    assert (figures["enterprises"], figures["resumed"], figures["rate"]) == (1, 1, 100.0)


def test_a_membership_moved_to_another_list_moves_its_sums(cast, reported):
    other = ListFactory(name="其他名单", kind="custom")
    m = registry.add_to_list(SYSTEM, cast.key_list, cast.a, on=TODAY - 4 * DAY)
    settle_list_days()
    assert on_list("重点企业")["resumed"] == 1
    m.list = other
    m.save()  # the admin's change form
    assert settle_list_days() == 1
    assert on_list("重点企业")["resumed"] == 0
    assert on_list("其他名单")["resumed"] == 1


def test_a_commissioners_kept_series_follows_an_assignment(cast, reported):
    who = cast.commissioner

    def series():
        q = stats.StatsQuery.parse(who, {"region": "222400", "date": TODAY.isoformat()})
        return [d["enterprises"] for d in stats.series(who, q, TODAY - 2 * DAY, TODAY)]

    before = series()
    Assignment.objects.create(enterprise=cast.b).commissioners.add(who)
    assert series() == [n + 1 for n in before]


def test_an_empty_scope_has_an_empty_series(cast, reported):
    nobody = UserFactory(username="nounit", role=Role.COMMAND_CENTRE, unit=None)
    q = stats.StatsQuery.parse(nobody, {"region": "222400", "date": TODAY.isoformat()})
    days = stats.series(nobody, q, TODAY - 2 * DAY, TODAY)
    assert [d["enterprises"] for d in days] == [0, 0, 0]


def test_a_deleted_member_leaves_the_list_sums(cast, reported):
    gone = EnterpriseFactory(region=cast.a.region)
    submit_report(SYSTEM, gone, TODAY, {"status": "full", "staff_on_duty": 1, "staff_total": 2})
    for e in (gone, cast.a):
        registry.add_to_list(SYSTEM, cast.key_list, e, on=TODAY - 4 * DAY)
    settle_list_days()
    assert on_list("重点企业")["resumed"] == 2
    gone.delete()
    settle_list_days()
    assert on_list("重点企业")["resumed"] == 1

"""The periodic jobs: reminders before the due time, the summary to the command centre's group
bot after it, and tasks through the real queue (SQLite embedded, Redis in CI)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fugong.core import bots
from fugong.core.models import Campaign, Notification
from fugong.core.permissions import SYSTEM
from fugong.reporting import services, tasks
from fugong.reporting.models import Summary

from .factories import EnterpriseFactory

TODAY = timezone.localdate()


def at(hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(hour, minute)))


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=3),
        modules=["reports"],
        report_due_time=datetime.time(12, 0),
    )


def test_reminders_go_out_before_the_due_time_once(cast, campaign):
    services.submit_report(SYSTEM, cast.b, TODAY, {"status": "full"})
    assert services.remind_due(at(9, 0)) == 0  # too early
    assert services.remind_due(at(10, 30)) == 1  # qiye_a; qiye_b has reported
    assert services.remind_due(at(11, 45)) == 0  # not twice the same day
    assert services.remind_due(at(12, 30)) == 0  # too late
    reminded = Notification.objects.filter(kind="report_reminder")
    assert [n.user for n in reminded] == [cast.contact_a]
    # the township and the command centre are told who is missing
    summaries = Notification.objects.filter(kind="report_missing_pending")
    assert {n.user.username for n in summaries} == {"jinxue", "zhuanban"}


def test_the_summary_reaches_the_group_bot_after_the_deadline(cast, campaign, bot):
    url, received = bot
    unit = cast.units.cc_yanbian
    unit.webhook_kind, unit.webhook_url = "wecom", url + "/cgi-bin/webhook/send?key=k"
    unit.save()
    services.submit_report(SYSTEM, cast.a, TODAY, {"status": "partial"})
    assert services.summaries_due(at(11, 0)) == []
    assert services.summaries_due(at(12, 15)) == [(campaign.pk, TODAY)]
    assert services.summaries_due(at(12, 30)) == []  # once a day
    assert services.deliver_summary(campaign.pk, TODAY) == 1
    path, payload = received[0]
    assert path.startswith("/cgi-bin/webhook/send")
    text = payload["markdown"]["content"]
    assert "应报 3 家，已报 1 家（33.3%），未报 2 家" in text
    assert "- 图们市：未报 1 家" in text and "- 延吉市：未报 1 家" in text


@pytest.mark.parametrize("kind, key", [("dingtalk", "markdown"), ("feishu", "card")])
def test_payload_shapes_for_other_bots(kind, key):
    assert key in bots.payload(kind, "标题", "内容")


def test_a_failed_delivery_raises_so_the_queue_retries(cast, campaign):
    unit = cast.units.cc_yanbian
    unit.webhook_kind, unit.webhook_url = "wecom", "http://127.0.0.1:9/nothing-listens-here"
    unit.save()
    services.summaries_due(at(13, 0))
    with pytest.raises(OSError):
        services.deliver_summary(campaign.pk, TODAY)
    assert Summary.objects.count() == 1


def test_tasks_run_through_the_real_queue(transactional_db, cast, campaign, bot):
    """Enqueue into the configured storage (SQLite file, or Redis when FUGONG_REDIS_URL is set),
    take the task back out as a worker does, and execute it (committed data: the task closes
    its database connection as a worker does)."""
    url, received = bot
    unit = cast.units.cc_yanbian
    unit.webhook_kind, unit.webhook_url = "feishu", url
    unit.save()
    services.summaries_due(at(12, 5))
    HUEY.flush()
    tasks.deliver_summary(campaign.pk, TODAY)
    assert HUEY.pending_count() == 1
    task = HUEY.dequeue()
    assert HUEY.execute(task) == 1
    assert received and "本轮应急" in received[0][1]["card"]["header"]["title"]["content"]


def test_the_periodic_jobs_are_declared():
    names = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert {"remind_missing_reports", "send_summaries", "roll_status_forward"} <= names


def test_a_membership_change_enqueues_one_settling_of_the_list_sums(
    transactional_db, cast, campaign
):
    """Ten memberships in one transaction (a spreadsheet's rows): after the commit the queue
    holds one job, and the worker's run of it recomputes the regions and clears the marks."""
    from fugong.registry.models import ListMembership
    from fugong.registry.services import add_to_list
    from fugong.reporting.models import ListDay, ListDayPending

    services.roll_forward(campaign)
    services.submit_report(
        SYSTEM, cast.a, TODAY, {"status": "full", "staff_on_duty": 5, "staff_total": 9}
    )
    HUEY.flush()
    others = [EnterpriseFactory(region=cast.a.region) for _ in range(9)]
    with transaction.atomic():
        for e in [cast.a, *others]:
            add_to_list(SYSTEM, cast.key_list, e)
    assert ListMembership.objects.filter(list=cast.key_list).count() == 10
    assert ListDayPending.objects.count() == 1 and not ListDay.objects.exists()
    assert HUEY.pending_count() == 1
    assert HUEY.execute(HUEY.dequeue()) == 1  # one region settled
    assert not ListDayPending.objects.exists()
    assert ListDay.objects.get(list=cast.key_list, day=TODAY).resumed_full == 1

"""The demo city's inspections in the running campaign: a 20 % sample of 延吉市's enterprises
stratified by township (seed "demo-2020") with two teams, most of it inspected, with failed
items and their rectifications (a few overdue), one re-inspected; and a special inspection of
进学街道 in which `serious_ids` (the enterprises whose closed-loop qualification the demo
approved) fail seriously and have their qualification suspended."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fugong.core.models import Campaign, Region, User

from . import plans, services
from .models import Inspection, Rectification

NOTES = {
    "disinfection": "食堂未见消毒记录",
    "staff_screening": "外地返岗人员台账不全",
    "supplies": "口罩储备不足三天",
    "daily_prevention": "车间员工未规范佩戴口罩",
    "education": "未张贴防疫宣传材料",
}


def _answers(rng: random.Random, checklist: list[dict], serious: bool = False) -> dict:
    out = {}
    for item in checklist:
        key = item["key"]
        if serious and key == "staff_screening":
            out[key] = {"outcome": "failed", "note": "闭环内员工私自外出，未登记", "serious": True}
        elif key in NOTES and rng.random() < 0.18:
            out[key] = {"outcome": "failed", "note": NOTES[key]}
        else:
            out[key] = {"outcome": "passed", "points": item["points"]}
    return out


def _inspect(user: User, inspection: Inspection, answers: dict, action: str = "") -> Inspection:
    inspection = Inspection.objects.select_related("plan__campaign", "team").get(pk=inspection.pk)
    return services.submit_inspection(
        user,
        inspection,
        inspection.version,
        answers=answers,
        representative="企业负责人",
        acknowledged=True,
        qualification_action=action,
    )


@transaction.atomic
def build(live_campaign: str, serious_ids: list[int]) -> int:
    """Idempotent: nothing when the campaign has plans already; returns inspections done."""
    campaign = Campaign.objects.filter(name=live_campaign).first()
    if campaign is None or Inspection.objects.filter(plan__campaign=campaign).exists():
        return 0
    county, township = User.objects.get(username="yanji"), User.objects.get(username="jinxue")
    park = User.objects.get(username="gaoxin")
    due = timezone.localdate() + timedelta(days=5)
    sample = plans.create_plan(
        county,
        campaign,
        name="延吉市复工企业督导检查（第一轮）",
        region=Region.objects.get(code="222401"),
        criteria={},
        share=20,
        seed="demo-2020",
        due_on=due,
        teams=[("第一检查组", [township]), ("第二检查组", [county, park])],
    )
    checklist = services.checklist_for(campaign)
    done = 0
    for n, inspection in enumerate(sample.inspections.order_by("id")):
        if n % 5 == 4:  # one in five still to inspect
            continue
        inspector = inspection.team.members.first()
        _inspect(inspector, inspection, _answers(random.Random(inspection.pk), checklist))
        done += 1
    rects = Rectification.objects.filter(inspection__plan=sample).order_by("id")
    first = rects.first()
    if first is not None:  # the first one re-inspected and passed
        again = services.schedule_reinspection(county, first.inspection)
        _inspect(again.team.members.first(), again, _answers(random.Random(0), checklist))
        done += 1
    late = [r.pk for r in rects.filter(state="open")[:3]]  # a few past their deadline
    Rectification.objects.filter(pk__in=late).update(
        deadline=timezone.localdate() - timedelta(days=2)
    )
    if serious_ids:
        special = plans.create_plan(
            county,
            campaign,
            name="进学街道闭环生产企业专项检查",
            region=Region.objects.get(code="222401001"),
            criteria={},
            share=10,
            seed="closed-loop",
            due_on=due,
            teams=[("专项检查组", [township])],
        )
        for enterprise_id in serious_ids:
            inspection, _created = Inspection.objects.get_or_create(
                plan=special,
                enterprise_id=enterprise_id,
                defaults={"team": special.teams.first(), "due_on": due},
            )
            rng = random.Random(enterprise_id)
            _inspect(township, inspection, _answers(rng, checklist, serious=True), "suspend")
            done += 1
    return done

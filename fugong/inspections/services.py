"""Inspection use-cases, each one transaction on the workflow engine: the checklist answered on
site (with photos, re-encoded by the upload handling) and acknowledged by the enterprise's
representative; each failed item a rectification with a deadline; a later inspection that
passes the item closes it; serious findings suspend or revoke the enterprise's qualifications
through the approvals app (a signal), and a passed re-inspection reinstates them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.models import SEVEN_MUSTS, Campaign, Unit
from fugong.core.outbox import announce, announce_to_units, notify
from fugong.core.permissions import person
from fugong.core.services import Workflow, audit, record_step, units_above
from fugong.core.signals import qualification_challenged
from fugong.core.uploads import MAX_FILES, attach, attachments_of, check_uploads

from .models import Inspection, ItemResult, Rectification

State, Outcome, Result = Inspection.State, ItemResult.Outcome, Inspection.Result
RState = Rectification.State

INSPECTION_FLOW = Workflow(
    {"submit": ((State.PLANNED,), State.DONE), "cancel": ((State.PLANNED,), State.CANCELLED)}
)
RECTIFICATION_FLOW = Workflow(
    {
        "report": ((RState.OPEN,), RState.REPORTED),
        "reopen": ((RState.REPORTED,), RState.OPEN),
        "close": (Rectification.OPEN_STATES, RState.CLOSED),
    }
)
DEFAULT_DEADLINE_DAYS = 7
QUALIFICATION_ACTIONS = {"suspend": _("暂停"), "revoke": _("取缔")}

# the sub-points an inspector checks under each of the seven musts (a campaign's checklist
# item may name its own as "points")
DEFAULT_POINTS = {
    "responsibility": ["成立防控工作领导小组", "主要负责人为第一责任人", "制定复工防控方案"],
    "staff_screening": ["建立职工健康台账", "掌握返岗人员行程", "外地返岗人员按规定隔离观察"],
    "disinfection": ["厂区、车间、食堂每日消毒", "出入口测温登记", "消毒记录完整"],
    "mechanism": ["制定应急处置预案", "设置临时隔离观察点", "与属地卫生院建立联系"],
    "education": ["张贴防疫宣传材料", "开展全员防护培训"],
    "daily_prevention": ["员工佩戴口罩", "错峰、分散就餐", "减少聚集性会议"],
    "supplies": ["口罩储备满足一周用量", "消毒用品、体温计充足"],
}


def checklist_for(campaign: Campaign) -> list[dict]:
    """The campaign's checklist (the seven musts by default), each item with its sub-points."""
    return [
        {
            "key": item["key"],
            "label": item["label"],
            "points": list(item.get("points") or DEFAULT_POINTS.get(item["key"], [])),
        }
        for item in (campaign.checklist or SEVEN_MUSTS)
    ]


def may_inspect(user: Any, inspection: Inspection) -> bool:
    """Records the inspection: a member of its team, or a coordinating officer whose scope
    holds the enterprise."""
    if inspection.state != State.PLANNED or not user.is_authenticated:
        return False
    if inspection.team_id and inspection.team.members.filter(pk=user.pk).exists():
        return True
    return bool(user.coordinates) and (
        Inspection.objects.visible_to(user).filter(pk=inspection.pk).exists()
    )


def _clean_answers(checklist: list[dict], answers: dict, photos: dict) -> tuple[dict, dict]:
    errors: dict[str, Any] = {}
    cleaned, checked = {}, {}
    for item in checklist:
        key = item["key"]
        answer = answers.get(key) or {}
        outcome = answer.get("outcome", "")
        note = (answer.get("note") or "").strip()
        if outcome not in Outcome.values:
            errors[f"outcome_{key}"] = _("请为“%(l)s”选择通过、不通过或不适用") % {
                "l": item["label"]
            }
            continue
        if outcome == Outcome.FAILED and not note:
            errors[f"note_{key}"] = _("“%(l)s”不通过，须写明问题") % {"l": item["label"]}
        points = [p for p in answer.get("points") or [] if p in item["points"]]
        cleaned[key] = {
            "outcome": outcome,
            "note": note[:2000],
            "points": points,
            "serious": bool(answer.get("serious")) and outcome == Outcome.FAILED,
        }
        files = list(photos.get(key) or [])
        if files:
            try:
                checked[key] = check_uploads(files, kinds=("image",))
            except ValidationError as exc:
                errors[f"photos_{key}"] = exc.messages
    return cleaned, checked | ({"__errors__": errors} if errors else {})


def _deadline(value: Any, today: date) -> date | None:
    if value in (None, ""):
        return today + timedelta(days=DEFAULT_DEADLINE_DAYS)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@transaction.atomic
def submit_inspection(
    user: Any,
    inspection: Inspection,
    version: int,
    *,
    answers: dict,
    photos: dict | None = None,
    representative: str = "",
    acknowledged: bool = False,
    summary: str = "",
    deadline: Any = None,
    qualification_action: str = "",
    client_key: str = "",
    now: Any = None,
) -> Inspection:
    """Record the checklist as found on site. A draft sent again with the same `client_key`
    (a phone retrying after a lost answer) returns the inspection already recorded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    client_key = (client_key or "")[:40]
    if inspection.state == State.DONE and client_key and inspection.client_key == client_key:
        return inspection
    if not may_inspect(user, inspection):
        raise PermissionError(_("您不能填写这次检查（不在检查组内，或检查已完成）"))
    checklist = checklist_for(inspection.plan.campaign)
    cleaned, checked = _clean_answers(checklist, answers, photos or {})
    errors = checked.pop("__errors__", {})
    representative = (representative or "").strip()[:50]
    if not representative:
        errors["representative"] = _("请填写确认检查结果的企业代表姓名")
    if not acknowledged:
        errors["acknowledged"] = _("须由企业代表确认检查结果")
    due = _deadline(deadline, today)
    if due is None or due < today:
        errors["deadline"] = _("整改期限应为今天或以后的日期（YYYY-MM-DD）")
    serious = any(a["serious"] for a in cleaned.values())
    if qualification_action and qualification_action not in QUALIFICATION_ACTIONS:
        errors["qualification_action"] = _("资格处理应为暂停或取缔")
    elif qualification_action and not serious:
        errors["qualification_action"] = _("只有存在严重问题时才能暂停或取缔资格")
    if errors:
        raise ValidationError(errors)
    failed = [i for i in checklist if cleaned[i["key"]]["outcome"] == Outcome.FAILED]
    inspection = INSPECTION_FLOW.move(
        inspection,
        version,
        "submit",
        user=user,
        comment=(summary or "").strip()[:2000],
        result=Result.FAILED if failed else Result.PASSED,
        serious=serious,
        inspector=person(user),
        inspected_at=now,
        representative=representative,
        acknowledged=True,
        summary=(summary or "").strip()[:2000],
        client_key=client_key,
        qualification_action=qualification_action,
    )
    results = {}
    for item in checklist:
        answer = cleaned[item["key"]]
        results[item["key"]] = ItemResult.objects.create(
            inspection=inspection, key=item["key"], label=item["label"][:100], **answer
        )
        attach(user, results[item["key"]], checked.get(item["key"], []))
    opened = _track_rectifications(user, inspection, results, due, today)
    _qualifications(user, inspection)
    _tell(inspection, opened)
    return inspection


def may_add_photos(user: Any, inspection: Inspection) -> bool:
    """Adds photos to a recorded inspection's items: the inspector who recorded it, a member
    of its team, or a coordinating officer whose scope holds the enterprise."""
    if inspection.state != State.DONE or not user.is_authenticated:
        return False
    if inspection.inspector_id == user.pk:
        return True
    if inspection.team_id and inspection.team.members.filter(pk=user.pk).exists():
        return True
    return bool(user.coordinates) and (
        Inspection.objects.visible_to(user).filter(pk=inspection.pk).exists()
    )


@transaction.atomic
def add_item_photos(user: Any, item: ItemResult, files: list) -> list:
    """Photos of one checklist item sent after the checklist (the API's way: answers as JSON,
    then each item's photos), checked and re-encoded like the web form's; at most MAX_FILES
    per item. Returns the item's new attachments."""
    if not may_add_photos(user, item.inspection):
        raise PermissionError(_("您不能为这次检查补充照片（不在检查组内，或检查尚未提交）"))
    if not files:
        raise ValidationError({"photos": _("请选择要上传的照片")})
    have = attachments_of(item).count()
    if have + len(files) > MAX_FILES:
        raise ValidationError(
            {
                "photos": _("每个检查项最多 %(n)d 张照片（已有 %(h)d 张）")
                % {"n": MAX_FILES, "h": have}
            }
        )
    try:
        checked = check_uploads(files, kinds=("image",))
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from exc
    made = attach(user, item, checked)
    audit(
        user,
        "update",
        item.inspection,
        detail={"photos_added": item.key, "attachments": [a.pk for a in made]},
    )
    return made


def _track_rectifications(
    user: Any, inspection: Inspection, results: dict, due: date, today: date
) -> list[Rectification]:
    """Earlier open rectifications of the enterprise whose item now passes are closed by this
    inspection; one failed again stays open (reopened if reported) with the new deadline; each
    other failed item becomes a rectification."""
    earlier = {
        r.key: r
        for r in Rectification.objects.filter(
            enterprise=inspection.enterprise, state__in=Rectification.OPEN_STATES
        ).exclude(inspection=inspection)
    }
    opened = []
    for key, result in results.items():
        old = earlier.get(key)
        if old and result.outcome == Outcome.PASSED:
            RECTIFICATION_FLOW.move(
                old,
                old.version,
                "close",
                user=user,
                comment=_("复查通过"),
                closed_by=inspection,
                closed_on=today,
            )
        elif old and result.outcome == Outcome.FAILED:
            if old.state == RState.REPORTED:
                RECTIFICATION_FLOW.move(
                    old, old.version, "reopen", user=user, comment=result.note, deadline=due
                )
            else:
                Rectification.objects.filter(pk=old.pk).update(deadline=due)
                record_step(old, "reinspect_failed", user, comment=result.note)
            opened.append(old)
        elif result.outcome == Outcome.FAILED:
            opened.append(
                Rectification.objects.create(
                    inspection=inspection,
                    enterprise=inspection.enterprise,
                    item=result,
                    key=key,
                    label=result.label,
                    problem=result.note,
                    deadline=due,
                )
            )
    return opened


def _qualifications(user: Any, inspection: Inspection) -> None:
    """Serious findings with an action: the approvals app moves the qualifications; a passed
    re-inspection of one that suspended them reinstates them."""
    action, reason = inspection.qualification_action, ""
    if action:
        failed = inspection.items.filter(serious=True).values_list("label", "note")
        reason = _("督导检查发现严重问题：") + "；".join(
            f"{label}：{note}" for label, note in failed
        )
    elif (
        inspection.result == Result.PASSED
        and inspection.reinspection_of_id
        and inspection.reinspection_of.qualification_action == "suspend"
    ):
        action, reason = "reinstate", _("复查合格，恢复资格")
    if not action:
        return
    answers = qualification_challenged.send(
        sender=Inspection,
        user=user,
        enterprise=inspection.enterprise,
        campaign=inspection.plan.campaign,
        action=action,
        reason=reason[:2000],
        source=f"inspection:{inspection.pk}",
    )
    moved = sum(int(answer or 0) for _receiver, answer in answers)
    if action != "reinstate":
        Inspection.objects.filter(pk=inspection.pk).update(qualifications_moved=moved)
        inspection.qualifications_moved = moved


def _tell(inspection: Inspection, opened: list[Rectification]) -> None:
    url = f"/inspections/{inspection.pk}/"
    if opened:
        body = _("请于期限内整改：") + "；".join(f"{r.label}（{r.deadline}前）" for r in opened)
    else:
        body = _("各项检查合格。")
    title = _("督导检查结果：%(r)s") % {"r": inspection.get_result_display()}
    announce(
        inspection.enterprise.active_users(), kind="inspection", title=title, body=body, url=url
    )
    if opened:
        units = units_above(
            inspection.enterprise.region, kind__in=(Unit.Kind.TOWNSHIP, Unit.Kind.PARK)
        )[:1]
        announce_to_units(
            units,
            kind="inspection",
            title=_("%(e)s 督导检查发现 %(n)d 项问题")
            % {"e": inspection.enterprise.name, "n": len(opened)},
            body=body,
            url=url,
        )


@transaction.atomic
def schedule_reinspection(user: Any, inspection: Inspection, due_on: Any = None) -> Inspection:
    """A re-inspection of the enterprise by the same team, due by the latest open deadline
    (or `due_on`); the team is told."""
    if not (user.coordinates or may_inspect_team(user, inspection)):
        raise PermissionError(_("您不能安排复查"))
    open_items = Rectification.objects.filter(
        enterprise=inspection.enterprise, state__in=Rectification.OPEN_STATES
    )
    if inspection.state != State.DONE or not open_items.exists():
        raise ValidationError({"__all__": _("没有待复查的整改项")})
    if inspection.reinspections.filter(state=State.PLANNED).exists():
        raise ValidationError({"__all__": _("已安排复查")})
    due = _deadline(due_on, timezone.localdate()) if due_on else None
    due = due or max(r.deadline for r in open_items)
    again = Inspection.objects.create(
        plan=inspection.plan,
        enterprise=inspection.enterprise,
        team=inspection.team,
        reinspection_of=inspection,
        due_on=due,
    )
    record_step(again, "reinspect", user)
    if inspection.team_id:
        announce(
            inspection.team.members.all(),
            kind="inspection",
            title=_("复查任务：%(e)s") % {"e": inspection.enterprise.name},
            body=_("请于 %(d)s 前复查整改情况。") % {"d": due},
            url=f"/inspections/{again.pk}/",
        )
    return again


def may_inspect_team(user: Any, inspection: Inspection) -> bool:
    return bool(inspection.team_id) and inspection.team.members.filter(pk=user.pk).exists()


@transaction.atomic
def report_rectification(
    user: Any, rectification: Rectification, version: int, response: str
) -> Rectification:
    """The enterprise (or an officer on its behalf) reports the rectification done; the
    inspection's team is told, to re-inspect."""
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("请说明整改情况")})
    if not Rectification.objects.visible_to(user).filter(pk=rectification.pk).exists():
        raise PermissionError(_("该整改不在您的范围内"))
    rect = RECTIFICATION_FLOW.move(
        rectification, version, "report", user=user, comment=response, response=response[:2000]
    )
    team = rect.inspection.team
    if team is not None:
        announce(
            team.members.all(),
            kind="inspection",
            title=_("%(e)s 已报整改：%(l)s") % {"e": rect.enterprise.name, "l": rect.label},
            body=response,
            url=f"/inspections/{rect.inspection_id}/",
        )
    return rect


def remind_overdue(today: date | None = None) -> int:
    """Once a day: each enterprise with rectifications past their deadline, and the team that
    found them, are told (in-app, once per day); returns how many rectifications are overdue."""
    today = today or timezone.localdate()
    overdue = Rectification.objects.filter(
        state__in=Rectification.OPEN_STATES, deadline__lt=today
    ).select_related("enterprise", "inspection__team")
    for rect in overdue:
        title = _("整改逾期：%(e)s · %(l)s") % {"e": rect.enterprise.name, "l": rect.label}
        body = _("整改期限 %(d)s 已过，请尽快整改并报整改情况。") % {"d": rect.deadline}
        users = list(rect.enterprise.active_users())
        if rect.inspection.team_id:
            users += list(rect.inspection.team.members.all())
        notify(users, "rectification_overdue", title, body, f"/inspections/{rect.inspection_id}/",
               day=today, once_per_day=True)  # fmt: skip
    return len(overdue)

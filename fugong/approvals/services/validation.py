"""Application use-cases: validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.inputs import BadInput, parse_int
from fugong.core.models import SEVEN_MUSTS
from fugong.core.services import (
    as_date,
)
from fugong.core.validators import normalize_phone

from .base import MIN_CLOSED_LOOP_DAYS, Kind

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date
    from typing import Any

    from fugong.core.models import Campaign


def checklist_of(campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's checklist, the seven musts (七个必须到位) when it sets none."""
    return campaign.checklist or SEVEN_MUSTS


def clean_checklist(campaign: Campaign, answers: Iterable[object] | None) -> list[dict]:
    """The campaign's checklist answered: every item yes or no; a "no" needs a note saying
    why, and so does a "yes" where the campaign demands one (note_required)."""
    by_key = {a.get("key"): a for a in answers or [] if isinstance(a, dict)}
    cleaned, errors = [], []
    for i, item in enumerate(checklist_of(campaign), 1):
        answer = by_key.get(item["key"])
        label = item["label"]
        if answer is None or answer.get("done") is None:
            errors.append(_("第%(i)d项“%(l)s”未填写") % {"i": i, "l": label})
            continue
        done = answer["done"] in (True, "true", "1", "yes", 1)
        note = str(answer.get("note") or "").strip()[:500]
        if not done and not note:
            errors.append(_("第%(i)d项“%(l)s”未到位，须说明原因") % {"i": i, "l": label})
        elif done and item.get("note_required") and not note:
            errors.append(_("第%(i)d项“%(l)s”须填写落实情况说明") % {"i": i, "l": label})
        cleaned.append({"key": item["key"], "label": label, "done": done, "note": note})
    if errors:
        raise ValidationError({"checklist": errors})
    return cleaned


RESUMPTION_FIELDS = ("staff_expected", "planned_date", "contact_phone")
CLOSED_LOOP_FIELDS = (
    "boundary_sealable",
    "lodging_assured",
    "stock_ready",
    "staff_inside",
    "beds",
    "food_days",
    "stock_days",
    "boundary_plan",
    "contact_phone",
)


def clean_data(
    campaign: Campaign, kind: str, data: dict[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The fields of an application of `kind`, checked; raises with every broken rule."""
    today = today or timezone.localdate()
    errors = {}
    fields = {}
    if kind == Kind.RESUMPTION:
        try:
            fields["checklist"] = clean_checklist(campaign, data.get("checklist"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            staff = parse_int(data.get("staff_expected"), low=0)
        except BadInput:
            staff = None
        if staff is None:
            errors["staff_expected"] = [_("请填写预计返岗人数（不小于 0）")]
        else:
            fields["staff_expected"] = staff
        planned = as_date(data.get("planned_date"))
        if planned is None:
            errors["planned_date"] = [_("请填写计划复工日期（YYYY-MM-DD）")]
        elif planned < today:
            errors["planned_date"] = [_("计划复工日期不能早于今天")]
        else:
            fields["planned_date"] = planned
    elif kind == Kind.CLOSED_LOOP:
        labels = {
            "boundary_sealable": _("边界可封"),
            "lodging_assured": _("食宿可保"),
            "stock_ready": _("备货可用"),
        }
        for key, label in labels.items():
            fields[key] = data.get(key) in (True, "true", "on", "1", 1)
            if not fields[key]:
                errors[key] = [_("闭环生产须满足“%(c)s”") % {"c": label}]
        minimum = int((campaign.sla or {}).get("closed_loop_min_days", MIN_CLOSED_LOOP_DAYS))
        for key, label, least in (
            ("staff_inside", _("闭环内员工数"), 1),
            ("beds", _("床位数"), 1),
            ("food_days", _("食品储备天数"), minimum),
            ("stock_days", _("原料/备货天数"), minimum),
        ):
            try:
                value = parse_int(data.get(key))
            except BadInput:
                value = None
            if value is None or value < least:
                errors[key] = [_("%(f)s应不少于 %(n)d") % {"f": label, "n": least}]
            else:
                fields[key] = value
        if (
            "beds" in fields
            and "staff_inside" in fields
            and fields["beds"] < fields["staff_inside"]
        ):
            errors["beds"] = [
                _("床位数（%(b)d）少于闭环内员工数（%(s)d），食宿无法保障")
                % {"b": fields["beds"], "s": fields["staff_inside"]}
            ]
        plan = str(data.get("boundary_plan") or "").strip()
        if not plan:
            errors["boundary_plan"] = [_("请填写封闭管理方案（边界、出入口、物资交接）")]
        fields["boundary_plan"] = plan[:5000]
    else:
        errors["kind"] = [_("未知的申请类型")]
    phone = str(data.get("contact_phone") or "").strip()
    if phone:
        try:
            fields["contact_phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return fields

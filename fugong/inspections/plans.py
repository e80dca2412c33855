"""Inspection plans: which enterprises (the registry's filter, a list being one of its fields,
and optionally a random share of each township's enterprises, reproducible with a seed), by
which teams of officers, by when."""

import random
import secrets
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.audit import audit
from fugong.core.models import Campaign, Region, User
from fugong.core.outbox import announce
from fugong.core.permissions import person
from fugong.core.services import users_visible_to
from fugong.registry.models import Enterprise
from fugong.registry.services import EnterpriseFilter, region_in_scope

from .models import Inspection, InspectionPlan, Team

CRITERIA = ("industry", "scale", "list", "q")  # EnterpriseFilter's fields but the region


def may_plan(user: Any, region: Region | None = None) -> bool:
    """Plans inspections (in `region`): the units that coordinate the response there."""
    if not (user.is_authenticated and user.coordinates):
        return False
    return region is None or region_in_scope(user, region)


def stratified_sample(rows: list[tuple[int, str]], share: int, seed: str) -> list[int]:
    """A random `share` percent of each stratum's ids, at least one per stratum: `rows` are
    (enterprise id, stratum code); each stratum is drawn with its own generator seeded by
    `seed` and its code, so the same seed and registry give the same sample, and adding an
    enterprise to one township does not change another's draw."""
    strata: dict[str, list[int]] = {}
    for pk, code in rows:
        strata.setdefault(code, []).append(pk)
    chosen: list[int] = []
    for code in sorted(strata):
        ids = sorted(strata[code])
        size = int((Decimal(len(ids)) * share / 100).quantize(Decimal(1), ROUND_HALF_UP))
        size = min(len(ids), max(1, size))
        chosen.extend(sorted(random.Random(f"{seed}:{code}").sample(ids, size)))
    return chosen


def select(
    user: Any, region: Region, criteria: dict, share: int | None, seed: str
) -> list[tuple[int, str]]:
    """The (enterprise id, township code) pairs a plan covers, ordered by township."""
    flt = EnterpriseFilter.from_params({k: criteria.get(k, "") for k in CRITERIA})
    qs = flt.apply(Enterprise.objects.visible_to(user).filter(region.subtree_q()))
    rows = list(qs.order_by("region__code", "id").values_list("id", "region__code"))
    if share:
        picked = set(stratified_sample(rows, share, seed))
        rows = [r for r in rows if r[0] in picked]
    return rows


def _clean(
    user: Any, name: str, region: Region | None, criteria: dict, share: Any, due_on: Any
) -> tuple[dict, int | None]:
    errors: dict[str, Any] = {}
    if not (name or "").strip():
        errors["name"] = _("请填写计划名称")
    if region is None:
        errors["region"] = _("请选择检查范围")
    elif not may_plan(user, region):
        raise PermissionError(_("您不能在该区划制定检查计划"))
    flt = EnterpriseFilter.from_params({k: criteria.get(k, "") for k in CRITERIA})
    errors.update(flt.errors())
    if share in ("", None):
        share = None
    else:
        try:
            share = int(share)
        except (TypeError, ValueError):
            share = -1
        if not 1 <= share <= 100:
            errors["share"] = _("抽查比例应为 1 到 100 之间的整数（%）")
    if not isinstance(due_on, date):
        errors["due_on"] = _("请填写完成期限（YYYY-MM-DD）")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("完成期限不能早于今天")
    if errors:
        raise ValidationError(errors)
    return flt.as_query(), share


def _clean_teams(user: Any, teams: list[tuple[str, list]]) -> list[tuple[str, list[User]]]:
    allowed = users_visible_to(user).filter(is_active=True)
    cleaned, errors = [], []
    for i, (name, members) in enumerate(teams, 1):
        ids = {int(m.pk if isinstance(m, User) else m) for m in members if str(m).strip()}
        found = [u for u in allowed.filter(pk__in=ids) if u.is_government]
        if not ids:
            continue
        if len(found) != len(ids):
            errors.append(_("第%(i)d组有组员不存在或不在您的范围内") % {"i": i})
            continue
        cleaned.append(((name or "").strip()[:50] or _("第%(i)d组") % {"i": i}, found))
    if errors:
        raise ValidationError({"teams": errors})
    if not cleaned:
        raise ValidationError({"teams": _("至少需要一个检查组（含组员）")})
    return cleaned


@transaction.atomic
def create_plan(
    user: Any,
    campaign: Campaign,
    *,
    name: str,
    region: Region | None,
    criteria: dict,
    share: Any,
    seed: str,
    due_on: Any,
    teams: list[tuple[str, list]],
) -> InspectionPlan:
    """A plan with its teams and one inspection per enterprise selected (the teams take the
    townships in turn); the team members are told."""
    criteria, share = _clean(user, name, region, criteria, share, due_on)
    teams = _clean_teams(user, teams)
    seed = (seed or "").strip()[:40] or (secrets.token_hex(4) if share else "")
    rows = select(user, region, criteria, share, seed)
    if not rows:
        raise ValidationError({"__all__": _("没有符合条件的企业")})
    plan = InspectionPlan.objects.create(
        campaign=campaign,
        name=name.strip()[:100],
        region=region,
        criteria=criteria,
        share=share,
        seed=seed,
        due_on=due_on,
        created_by=person(user),
    )
    made = []
    for team_name, members in teams:
        team = Team.objects.create(plan=plan, name=team_name)
        team.members.set(members)
        made.append(team)
    townships = sorted({code for _pk, code in rows})
    team_of = {code: made[i % len(made)] for i, code in enumerate(townships)}
    Inspection.objects.bulk_create(
        [
            Inspection(plan=plan, enterprise_id=pk, team=team_of[code], due_on=due_on)
            for pk, code in rows
        ]
    )
    audit(user, "create", plan, detail={"enterprises": len(rows), "share": share, "seed": seed})
    for team in made:
        announce(
            team.members.all(),
            kind="inspection",
            title=_("督导检查任务：%(p)s") % {"p": plan.name},
            body=_("%(t)s负责 %(n)d 家企业，请于 %(d)s 前完成。")
            % {"t": team.name, "n": team.inspections.count(), "d": due_on},
            url=f"/inspections/plans/{plan.pk}/",
        )
    return plan

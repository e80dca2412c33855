"""Vacancies and matches (用工): an enterprise posts how many workers it needs, the
human-resources department records the matches that fill it (local hiring, transfers between
enterprises, returning workers) and sees the shortage by industry and county."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.inputs import BadInput, parse_int
from fugong.core.models import Region, Unit, User
from fugong.core.permissions import person
from fugong.core.services import (
    advance,
    announce,
    announce_to_units,
    audit,
    record_step,
    units_above,
)
from fugong.registry import industry
from fugong.registry.models import Enterprise, enterprise_id_of

from .models import Match, Vacancy


def whole(data: Mapping, key: str, label: str, low: int = 1, high: int = 10000) -> int:
    try:
        value = parse_int(data.get(key), low=low, high=high)
    except BadInput as exc:
        raise ValidationError({key: f"{label}{exc}"}) from exc
    if value is None:
        raise ValidationError({key: _("请填写%(l)s") % {"l": label}})
    return value


def text(data: Mapping, key: str, label: str, limit: int, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()[:limit]
    if required and not value:
        raise ValidationError({key: _("请填写%(l)s") % {"l": label}})
    return value


def hr_units(enterprise: Enterprise) -> list[Unit]:
    return list(
        units_above(
            enterprise.region, kind=Unit.Kind.DEPARTMENT, sector=Unit.Sector.HUMAN_RESOURCES
        )
    )


@transaction.atomic
def post_vacancy(user: User, enterprise: Enterprise, data: Mapping) -> Vacancy:
    if not (user.is_admin or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以发布用工需求"))
    vacancy = Vacancy.objects.create(
        enterprise=enterprise,
        post=text(data, "post", _("岗位"), 100),
        number=whole(data, "number", _("需求人数")),
        pay=text(data, "pay", _("薪酬"), 50),
        place=text(data, "place", _("工作地点"), 200),
        lodging=bool(data.get("lodging")),
        created_by=person(user),
    )
    record_step(vacancy, "post", user, to_state=vacancy.state)
    audit(user, "create", vacancy)
    announce_to_units(
        hr_units(enterprise),
        kind="workforce",
        title=_("用工需求：%(e)s 招 %(p)s %(n)d 人")
        % {"e": enterprise.name, "p": vacancy.post, "n": vacancy.number},
        url=f"/workforce/vacancies/{vacancy.pk}/",
    )
    return vacancy


def matched(vacancy: Vacancy) -> int:
    return vacancy.matches.aggregate(n=Sum("workers"))["n"] or 0


@transaction.atomic
def record_match(user: User, vacancy: Vacancy, data: Mapping) -> Match:
    """Workers found for an open vacancy; the vacancy is filled when they reach its number."""
    if not user.arranges_hiring or not Vacancy.objects.visible_to(user).filter(pk=vacancy.pk):
        raise PermissionError(_("只有人社部门可以登记用工对接"))
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    if vacancy.state != Vacancy.State.OPEN:
        raise ValidationError(_("该用工需求已招满或已关闭"))
    kind = data.get("kind")
    if kind not in Match.Kind.values:
        raise ValidationError({"kind": _("请选择来源：本地招聘、企业间调剂或返岗务工人员")})
    left = vacancy.number - matched(vacancy)
    workers = whole(data, "workers", _("人数"), high=left)
    source = None
    if kind == Match.Kind.TRANSFER:
        key = str(data.get("from_enterprise") or "").strip().upper()
        source = Enterprise.objects.visible_to(user).filter(uscc=key).first()
        if source is None or source.pk == vacancy.enterprise_id:
            raise ValidationError({"from_enterprise": _("请填写调出企业的统一社会信用代码")})
    match = Match.objects.create(
        vacancy=vacancy,
        kind=kind,
        workers=workers,
        from_enterprise=source,
        note=text(data, "note", "", 200, required=False),
        recorded_by=person(user),
    )
    comment = _("%(k)s %(n)d 人") % {"k": match.get_kind_display(), "n": workers}
    if workers == left:
        advance(vacancy, vacancy.version, (Vacancy.State.OPEN,), Vacancy.State.FILLED,
                user=user, action="fill", comment=comment)  # fmt: skip
    else:
        record_step(vacancy, "match", user, comment=comment)
    audit(user, "create", match, detail={"vacancy": vacancy.pk, "workers": workers})
    announce(
        vacancy.enterprise.active_users(),
        kind="workforce",
        title=_("用工对接：%(p)s 已对接 %(c)s") % {"p": vacancy.post, "c": comment},
        url=f"/workforce/vacancies/{vacancy.pk}/",
    )
    return match


@transaction.atomic
def close_vacancy(user: User, vacancy: Vacancy, version: int) -> Vacancy:
    if not (user.is_admin or enterprise_id_of(user) == vacancy.enterprise_id):
        raise PermissionError(_("只有本企业的账号可以关闭用工需求"))
    return advance(
        vacancy, version, (Vacancy.State.OPEN,), Vacancy.State.CLOSED, user=user, action="close"
    )


def vacancies_for(user: User, params: Mapping) -> QuerySet:
    qs = Vacancy.objects.visible_to(user).select_related("enterprise__region")
    if params.get("state") in Vacancy.State.values:
        qs = qs.filter(state=params["state"])
    return qs.annotate(matched=Sum("matches__workers")).order_by("-created_at", "-id")


def _county(path: str, names: dict[str, str]) -> str:
    codes = path.strip("/").split("/")
    code = next((c for c in codes if len(c) == 6 and not c.endswith("00")), codes[-1])
    return names.get(code, code)


def shortage(user: User, by: str = "industry") -> list[dict[str, Any]]:
    """Open vacancies in scope by industry section or county: workers needed, matched so far,
    still short."""
    if by not in ("industry", "region"):
        raise ValidationError({"by": _("分组应为 industry 或 region")})
    names = dict(Region.objects.filter(level="county").values_list("code", "name"))
    rows: dict[str, dict[str, Any]] = {}
    open_ones = Vacancy.objects.visible_to(user).filter(state=Vacancy.State.OPEN)
    for section, path, number, found in open_ones.annotate(
        found=Sum("matches__workers")
    ).values_list("enterprise__industry_section", "enterprise__region__path", "number", "found"):
        label = (
            f"{section} {industry.SECTIONS.get(section, '')}"
            if by == "industry"
            else _county(path, names)
        )
        row = rows.setdefault(label, {"group": label, "vacancies": 0, "needed": 0, "matched": 0})
        row["vacancies"] += 1
        row["needed"] += number
        row["matched"] += found or 0
    out = sorted(rows.values(), key=lambda row: row["group"])
    for row in out:
        row["short"] = row["needed"] - row["matched"]
    return out


def export_vacancies(user: User, qs: QuerySet) -> bytes:
    headers = ["编号", "企业名称", "所在区划", "岗位", "需求人数", "已对接", "薪酬", "工作地点"]
    headers += ["提供住宿", "状态"]
    rows = [
        [
            v.pk,
            v.enterprise.name,
            v.enterprise.region.name,
            v.post,
            v.number,
            v.matched or 0,
            v.pay,
            v.place,
            "是" if v.lodging else "否",
            v.get_state_display(),
        ]
        for v in qs[:50000]
    ]
    audit(user, "export", target_type="workforce.vacancy", detail={"rows": len(rows)})
    return write_xlsx("用工需求", headers, rows)

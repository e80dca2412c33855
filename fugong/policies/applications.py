"""Applications for a policy (政策申报): the enterprise applies with attachments, a reviewer
approves with an amount or rejects with a reason, payments or reliefs granted are recorded
(兑现). Each step goes through the versioned `advance` and the record's timeline; each call
is one transaction. Totals per policy, region and industry for the dashboard."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.excel import write_xlsx
from fugong.core.models import User
from fugong.core.permissions import person
from fugong.core.services import advance, announce, announce_to_units, as_date, audit, record_step
from fugong.core.uploads import attach, check_uploads
from fugong.registry import industry
from fugong.registry.models import Enterprise, enterprise_id_of

from .models import Grant, Policy, PolicyApplication

State = PolicyApplication.State
CENT = Decimal("0.01")

ACTIONS = {
    "approve": gettext_lazy("批准"),
    "reject": gettext_lazy("驳回"),
    "grant": gettext_lazy("登记兑现"),
    "withdraw": gettext_lazy("撤回"),
}


def amount_of(value: Any, label: str, required: bool = True) -> Decimal | None:
    """A non-negative amount in 万元 with at most two decimals."""
    if value in (None, ""):
        if required:
            raise ValidationError({"amount": _("请填写%(l)s") % {"l": label}})
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"amount": _("%(l)s应为数字（万元）") % {"l": label}}) from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000000"):
        raise ValidationError({"amount": _("%(l)s应在 0 到 100 亿万元之间") % {"l": label}})
    return amount


@transaction.atomic
def apply(
    user: User,
    policy: Policy,
    enterprise: Enterprise,
    data: dict,
    files: Iterable = (),
    now: datetime | None = None,
) -> PolicyApplication:
    """The enterprise applies for a policy in force that covers its region."""
    if not (user.is_superuser or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以申报"))
    today = timezone.localdate(now)
    if not Policy.objects.in_force(today).filter(pk=policy.pk).exists():
        raise ValidationError(_("该政策未发布或不在有效期内"))
    if not enterprise.region.path.startswith(policy.region.path):
        raise ValidationError(_("本企业不在该政策的适用区划内"))
    if PolicyApplication.objects.filter(
        policy=policy, enterprise=enterprise, state__in=PolicyApplication.OPEN
    ).exists():
        raise ValidationError(_("本企业已申报过该政策"))
    requested = amount_of(data.get("amount_requested"), _("申报金额"), required=False)
    checked = check_uploads(list(files)) if files else []
    app = PolicyApplication.objects.create(
        policy=policy,
        enterprise=enterprise,
        amount_requested=requested,
        note=str(data.get("note") or "").strip()[:5000],
        submitted_by=person(user),
    )
    attach(user, app, checked)
    record_step(app, "submit", user, to_state=app.state)
    audit(user, "create", app, detail={"policy": policy.pk, "amount": str(requested or "")})
    announce_to_units(
        [policy.unit],
        kind="policy_application",
        title=_("政策申报：%(e)s 申报 %(p)s") % {"e": enterprise.name, "p": policy.title},
        url=f"/policy-applications/{app.pk}/",
    )
    return app


def may_review(user: User, app: PolicyApplication) -> bool:
    return bool(
        user.may_issue_policies
        and PolicyApplication.objects.visible_to(user).filter(pk=app.pk).exists()
    )


def allowed_actions(user: User, app: PolicyApplication) -> list[str]:
    if enterprise_id_of(user) == app.enterprise_id:
        return ["withdraw"] if app.state == State.SUBMITTED else []
    if not may_review(user, app):
        return []
    if app.state == State.SUBMITTED:
        return ["approve", "reject"]
    if app.state in (State.APPROVED, State.GRANTED) and granted_total(app) < (
        app.amount_approved or 0
    ):
        return ["grant"]
    return []


def granted_total(app: PolicyApplication) -> Decimal:
    return money(app.grants.aggregate(s=Sum("amount"))["s"])


def money(value: Any) -> Decimal:
    """A sum of amounts to the cent (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


@transaction.atomic
def act(
    user: User,
    app: PolicyApplication,
    action: str,
    version: int,
    *,
    amount: Decimal | str | None = None,
    comment: str = "",
    granted_on: date | str | None = None,
    now: datetime | None = None,
) -> PolicyApplication:
    """approve (with the amount granted, 核定金额), reject (with a reason), grant (a payment
    or relief: amount and date, within the approved amount), withdraw (the applicant)."""
    now = now or timezone.now()
    if action not in ACTIONS:
        raise ValidationError({"action": _("未知操作")})
    if action not in allowed_actions(user, app):
        raise PermissionError(
            _("当前状态（%(s)s）下您不能执行“%(a)s”")
            % {"s": app.get_state_display(), "a": ACTIONS[action]}
        )
    comment = (comment or "").strip()
    if action == "approve":
        approved = amount_of(amount, _("核定金额"))
        app = advance(
            app,
            version,
            (State.SUBMITTED,),
            State.APPROVED,
            user=user,
            action="approve",
            comment=comment,
            amount_approved=approved,
            decision=comment,
            decided_at=now,
        )
    elif action == "reject":
        if not comment:
            raise ValidationError({"comment": _("驳回必须说明理由")})
        app = advance(
            app,
            version,
            (State.SUBMITTED,),
            State.REJECTED,
            user=user,
            action="reject",
            comment=comment,
            decision=comment,
            decided_at=now,
        )
    elif action == "grant":
        value = amount_of(amount, _("兑现金额"))
        day = as_date(granted_on or timezone.localdate(now))
        if day is None:
            raise ValidationError({"granted_on": _("兑现日期格式应为 YYYY-MM-DD")})
        if day > timezone.localdate(now):
            raise ValidationError({"granted_on": _("兑现日期不能晚于今天")})
        left = (app.amount_approved or 0) - granted_total(app)
        if value <= 0 or value > left:
            raise ValidationError(
                {"amount": _("兑现金额应大于 0 且不超过尚未兑现的 %(l)s 万元") % {"l": left}}
            )
        app = advance(
            app,
            version,
            (State.APPROVED, State.GRANTED),
            State.GRANTED,
            user=user,
            action="grant",
            comment="。".join(
                filter(None, [_("%(d)s 兑现 %(a)s 万元") % {"d": day, "a": value}, comment])
            ),
        )
        Grant.objects.create(
            application=app,
            amount=value,
            granted_on=day,
            note=comment[:255],
            recorded_by=person(user),
        )
    else:
        app = advance(app, version, (State.SUBMITTED,), State.WITHDRAWN, user=user, action=action)
    if action != "withdraw":
        announce(
            app.enterprise.active_users(),
            kind="policy_application",
            title=_("政策申报 %(p)s：%(s)s")
            % {"p": app.policy.title, "s": app.get_state_display()},
            body=comment,
            url=f"/policy-applications/{app.pk}/",
        )
    return app


def queue_for(user: User, params: Mapping) -> QuerySet:
    qs = PolicyApplication.objects.visible_to(user).select_related(
        "policy", "enterprise", "enterprise__region"
    )
    if params.get("state") in State.values:
        qs = qs.filter(state=params["state"])
    if str(params.get("policy") or "").isdigit():
        qs = qs.filter(policy_id=int(params["policy"]))
    return qs.annotate(granted=Sum("grants__amount")).order_by("-created_at", "-id")


# --- totals for the dashboard -------------------------------------------------------------

GROUPS = {
    "policy": ("policy__title", "application__policy__title"),
    "region": ("enterprise__region__name", "application__enterprise__region__name"),
    "industry": ("enterprise__industry_section", "application__enterprise__industry_section"),
}


def totals(user: User, by: str = "policy", policy: Policy | None = None) -> list[dict]:
    """Per policy, region (the enterprise's) or industry section: enterprises that applied,
    applications, amounts requested, approved and granted (万元), withdrawn ones left out —
    "21 户企业申报专项资金 2078 万元"."""
    if by not in GROUPS:
        raise ValidationError({"by": _("分组应为 policy、region 或 industry")})
    key, grant_key = GROUPS[by]
    apps = PolicyApplication.objects.visible_to(user)
    grants = Grant.objects.visible_to(user)
    apps = apps.exclude(state=State.WITHDRAWN)
    if policy is not None:
        apps, grants = apps.filter(policy=policy), grants.filter(application__policy=policy)
    granted = dict(grants.values_list(grant_key).annotate(s=Sum("amount")).order_by())
    rows = (
        apps.values(key)
        .annotate(
            enterprises=Count("enterprise", distinct=True),
            applications=Count("pk"),
            requested=Sum("amount_requested"),
        )
        .order_by(key)
    )
    approved = dict(
        apps.filter(state__in=(State.APPROVED, State.GRANTED))
        .values_list(key)
        .annotate(s=Sum("amount_approved"))
        .order_by()
    )
    out = []
    for r in rows:
        name = r[key]
        label = f"{name} {industry.SECTIONS.get(name, '')}".strip() if by == "industry" else name
        out.append(
            {
                "group": label,
                "enterprises": r["enterprises"],
                "applications": r["applications"],
                "requested": money(r["requested"]),
                "approved": money(approved.get(name)),
                "granted": money(granted.get(name)),
            }
        )
    return out


def headline(row: dict) -> str:
    return _("%(n)d 户企业申报 %(a)s 万元，核定 %(b)s 万元，已兑现 %(c)s 万元") % {
        "n": row["enterprises"],
        "a": f"{row['requested'].normalize():f}",
        "b": f"{row['approved'].normalize():f}",
        "c": f"{row['granted'].normalize():f}",
    }


def export_applications(user: User, qs: QuerySet) -> bytes:
    headers = [
        "编号",
        "政策",
        "企业名称",
        "统一社会信用代码",
        "所在区划",
        "状态",
        "申报时间",
        "申报金额（万元）",
        "核定金额（万元）",
        "已兑现（万元）",
    ]
    rows = [
        [
            a.pk,
            a.policy.title,
            a.enterprise.name,
            a.enterprise.uscc,
            a.enterprise.region.name,
            a.get_state_display(),
            timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
            a.amount_requested,
            a.amount_approved,
            a.granted or 0,
        ]
        for a in qs[:50000]
    ]
    audit(user, "export", target_type="policies.policyapplication", detail={"rows": len(rows)})
    return write_xlsx("政策申报", headers, rows)

"""Policy use-cases: drafting a policy with its rules, publishing it (and telling the
enterprises it fits), matching, the enterprise's own list. Applications and grants are in
`applications.py`. Each call is one transaction."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import sms
from fugong.core.excel import write_xlsx
from fugong.core.models import User
from fugong.core.permissions import SYSTEM, person
from fugong.core.services import advance, announce, audit, record_step
from fugong.core.uploads import attach, check_uploads
from fugong.registry.models import Enterprise, EnterpriseAccount, enterprise_id_of
from fugong.registry.services import region_in_scope

from . import rules as R
from .models import Policy, Rule

State = Policy.State


def may_edit(user: User, policy: Policy | None = None) -> bool:
    """Issuers edit the policies of their scope; a published policy only by withdrawing it."""
    if not user.is_authenticated or not user.may_issue_policies:
        return False
    return policy is None or region_in_scope(user, policy.region)


def _check_may_edit(user: User, policy: Policy | None = None) -> None:
    if not may_edit(user, policy):
        raise PermissionError(_("您没有编辑此政策的权限"))


@transaction.atomic
def save_policy(
    user: User, policy: Policy, rules: list[tuple[str, dict]], files: Iterable = ()
) -> Policy:
    """Create or update a policy (a draft, or a published one's text and rules) and replace
    its rules with `rules` [(kind, params)]; `user` may be SYSTEM (import, command)."""
    _check_may_edit(user, policy)
    if not region_in_scope(user, policy.region):
        raise ValidationError({"region": _("适用区划不在您的管辖范围内")})
    if policy.state == State.WITHDRAWN:
        raise ValidationError(_("已废止的政策不能修改"))
    creating = policy.pk is None
    if creating:
        policy.created_by, policy.unit = person(user), user.unit
    policy.full_clean()
    checked = check_uploads(list(files)) if files else []
    policy.save()
    set_rules(policy, rules)
    attach(user, policy, checked)
    audit(
        user,
        "create" if creating else "update",
        policy,
        detail={"rules": [{"kind": k, **p} for k, p in rules]},
    )
    return policy


def set_rules(
    policy: Policy, rules: list[tuple[str, dict]], kinds: Iterable[str] | None = None
) -> None:
    """Replace the policy's rules (of `kinds` only, when given) with `rules`."""
    unknown = [k for k, _p in rules if k not in R.Kind.values]
    if unknown:
        raise ValidationError(_("未知的申报条件：%(k)s") % {"k": "、".join(unknown)})
    old = policy.rules.all()
    if kinds is not None:
        old = old.filter(kind__in=kinds)
    old.delete()
    Rule.objects.bulk_create([Rule(policy=policy, kind=k, params=p) for k, p in rules])


@transaction.atomic
def publish(user: User, policy: Policy, version: int, now: datetime | None = None) -> int:
    """Publish a draft and tell the enterprises it fits (their accounts) and their
    commissioners, in-app and by e-mail. Returns how many enterprises were told."""
    _check_may_edit(user, policy)
    advance(
        policy,
        version,
        (State.DRAFT,),
        State.PUBLISHED,
        user=user,
        action="publish",
        published_at=now or timezone.now(),
    )
    return push(policy)


@transaction.atomic
def withdraw(user: User, policy: Policy, version: int, reason: str) -> Policy:
    _check_may_edit(user, policy)
    if not (reason or "").strip():
        raise ValidationError({"comment": _("废止政策须说明理由")})
    return advance(
        policy,
        version,
        (State.DRAFT, State.PUBLISHED),
        State.WITHDRAWN,
        user=user,
        action="withdraw",
        comment=reason.strip(),
    )


def push(policy: Policy, today: date | None = None) -> int:
    """Notify the accounts of every enterprise the policy fits, and their commissioners."""
    today = today or timezone.localdate()
    fits = qualifying(policy, SYSTEM, today).values("pk")
    url = f"/policies/{policy.pk}/"
    accounts = User.objects.filter(
        is_active=True,
        pk__in=EnterpriseAccount.objects.filter(enterprise__in=fits).values("user_id"),
    )
    announce(
        accounts,
        kind="policy",
        title=_("您可能符合政策：%(t)s") % {"t": policy.title},
        body=_("%(u)s发布了%(s)s政策，请查看申报条件并在线申报。")
        % {"u": policy.issuer or _("政府"), "s": policy.get_support_display()},
        url=url,
    )
    commissioners = User.objects.filter(is_active=True, assignments__enterprise__in=fits).distinct()
    announce(
        commissioners,
        kind="policy",
        title=_("包保企业可能符合政策：%(t)s") % {"t": policy.title},
        body=_("请提醒企业及时申报。"),
        url=url + "matches/",
    )
    texted = text_enterprises(policy, fits)
    count = Enterprise.objects.filter(pk__in=fits).count()
    comment = _("推送至 %(n)d 户企业") % {"n": count}
    if texted:
        comment += _("，短信 %(n)d 条") % {"n": texted}
    record_step(policy, "push", SYSTEM, comment=comment)
    return count


SMS_TEMPLATE = "policy_published"


def sms_configured() -> bool:
    """A gateway that really sends, with an approved template for a published policy
    (FUGONG_SMS_TEMPLATES="policy_published=SMS_…"); without one, no SMS is queued."""
    config = sms.config()
    return config.get("provider", "log") != "log" and bool(
        config.get("templates", {}).get(SMS_TEMPLATE)
    )


def text_enterprises(policy: Policy, fits: QuerySet) -> int:
    """Queue one SMS per mobile number of the fitting enterprises (their registry contact
    phone and their accounts' phones) where SMS is configured; returns how many."""
    if not sms_configured():
        return 0
    phones = set(
        Enterprise.objects.filter(pk__in=fits)
        .exclude(contact_phone="")
        .values_list("contact_phone", flat=True)
    ) | set(
        User.objects.filter(
            is_active=True,
            pk__in=EnterpriseAccount.objects.filter(enterprise__in=fits).values("user_id"),
        )
        .exclude(phone="")
        .values_list("phone", flat=True)
    )
    params = {"title": policy.title[:30], "issuer": (policy.issuer or _("政府"))[:20]}
    title = _("政策推送：%(t)s") % {"t": policy.title}
    queued = [sms.queue(phone, SMS_TEMPLATE, params, title=title) for phone in sorted(phones)]
    return sum(1 for message in queued if message is not None)


# --- matching -----------------------------------------------------------------------------


def enterprises_in(policy: Policy, user: User) -> QuerySet:
    """The enterprises of the policy's region subtree that `user` may see."""
    base = Enterprise.objects.visible_to(user)
    return base.filter(policy.region.subtree_q())


def rules_of(policy: Policy) -> list[Rule]:
    cached = getattr(policy, "_prefetched_objects_cache", {}).get("rules")
    return list(cached if cached is not None else policy.rules.all())


def qualifying(policy: Policy, user: User, today: date | None = None) -> QuerySet:
    """The enterprises in `user`'s scope that meet every rule: one query."""
    today = today or timezone.localdate()
    return enterprises_in(policy, user).filter(R.policy_q(rules_of(policy), today))


def flagged(policy: Policy, user: User, today: date | None = None) -> QuerySet:
    """Enterprises in scope annotated with `met` (how many rules they meet) and one 0/1 flag
    per rule (`r_<kind>`)."""
    today = today or timezone.localdate()
    flags = {
        f"r_{r.kind}": Case(
            When(R.rule_q(r, today), then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        for r in rules_of(policy)
    }
    total = sum((F(k) for k in flags), Value(0))
    return enterprises_in(policy, user).annotate(**flags).annotate(met=total)


@dataclass
class Match:
    enterprise: Enterprise
    met: list[tuple[str, str]] = field(default_factory=list)  # (kind, why)
    missing: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        e = self.enterprise
        return {
            "id": e.pk,
            "uscc": e.uscc,
            "name": e.name,
            "region": e.region.name,
            "rules": [{"kind": k, "text": t} for k, t in self.met],
            "missing": [{"kind": k, "text": t} for k, t in self.missing],
        }


def region_why(policy: Policy, enterprise: Enterprise) -> tuple[str, str]:
    return (
        "region",
        _("所在 %(r)s，属于政策适用区划 %(p)s")
        % {
            "r": enterprise.region.name,
            "p": policy.region.name,
        },
    )


def explain_matches(
    policy: Policy,
    enterprises: Iterable[Enterprise],
    today: date | None = None,
    qualified: bool = True,
) -> list[Match]:
    """Each enterprise with the rules it meets (and, for near-misses, those it misses)."""
    today = today or timezone.localdate()
    rules = rules_of(policy)
    enterprises = list(enterprises)
    lists = R.lists_on(rules, [e.pk for e in enterprises], today)
    out = []
    for e in enterprises:
        m = Match(e, met=[region_why(policy, e)])
        for r in rules:
            ok = qualified or bool(getattr(e, f"r_{r.kind}", 0))
            (m.met if ok else m.missing).append((r.kind, R.explain(r, e, ok, lists)))
        out.append(m)
    return out


def matches(
    policy: Policy, user: User, today: date | None = None, limit: int | None = None
) -> list[Match]:
    qs = qualifying(policy, user, today).select_related("region").order_by("name", "pk")
    return explain_matches(policy, qs[:limit] if limit else qs, today)


def near_misses(
    policy: Policy, user: User, today: date | None = None, limit: int = 200
) -> list[Match]:
    """Enterprises that miss exactly one rule, with what is missing."""
    count = len(rules_of(policy))
    if count == 0:
        return []
    qs = (
        flagged(policy, user, today)
        .filter(met=count - 1)
        .select_related("region")
        .order_by("name", "pk")
    )
    return explain_matches(policy, qs[:limit], today, qualified=False)


def policies_for(enterprise: Enterprise, today: date | None = None) -> list[Policy]:
    """The policies in force on `today` that the enterprise qualifies for (its phone home
    page: "您可能符合 3 项政策"): all policies checked in one query."""
    today = today or timezone.localdate()
    candidates = list(
        Policy.objects.in_force(today)
        .filter(region__code__in=enterprise.region.chain_codes)
        .prefetch_related("rules")
        .order_by("-published_at", "-id")
    )
    if not candidates:
        return []
    flags = {
        f"p{p.pk}": Case(
            When(R.policy_q(rules_of(p), today), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for p in candidates
    }
    row = Enterprise.objects.filter(pk=enterprise.pk).annotate(**flags).values(*flags).first()
    return [p for p in candidates if row and row[f"p{p.pk}"]]


def count_for(user: User) -> int:
    """How many policies the user's enterprise may qualify for; 0 for other accounts."""
    enterprise_id = enterprise_id_of(user)
    if not enterprise_id:
        return 0
    return len(policies_for(Enterprise.objects.select_related("region").get(pk=enterprise_id)))


def find_policy(user: User, key: str) -> Policy:
    """A policy by id or exact title, among those `user` may see."""
    qs = Policy.objects.visible_to(user)
    key = str(key).strip()
    policy = qs.filter(pk=int(key)).first() if key.isdigit() else None
    policy = policy or qs.filter(title=key).first()
    if policy is None:
        raise Policy.DoesNotExist(key)
    return policy


def library(user: User, params: Mapping) -> QuerySet:
    """Policies the user may see, filtered by state and support and a title search."""
    qs = Policy.objects.visible_to(user).select_related("region").prefetch_related("rules")
    if params.get("state") in State.values:
        qs = qs.filter(state=params["state"])
    if params.get("support") in Policy.Support.values:
        qs = qs.filter(support=params["support"])
    if params.get("q"):
        qs = qs.filter(Q(title__icontains=params["q"]) | Q(issuer__icontains=params["q"]))
    return qs


def export_matches(user: User, policy: Policy, today: date | None = None) -> bytes:
    rows = [
        [
            m.enterprise.uscc,
            m.enterprise.name,
            m.enterprise.region.name,
            "；".join(t for _k, t in m.met),
        ]
        for m in matches(policy, user, today, limit=50000)
    ]
    audit(user, "export", policy, detail={"matches": len(rows)})
    return write_xlsx(
        "符合条件企业",
        ["统一社会信用代码", "企业名称", "所在区划", "符合的条件"],
        rows,
        widths=[22, 30, 16, 80],
    )


def export_policies(user: User, qs: QuerySet) -> bytes:
    rows = [
        [
            p.pk,
            p.title,
            p.issuer,
            p.region.name,
            p.get_support_display(),
            p.get_state_display(),
            p.valid_from,
            p.valid_to,
            "；".join(R.describe(r) for r in rules_of(p)),
        ]
        for p in qs[:5000]
    ]
    audit(user, "export", target_type="policies.policy", detail={"rows": len(rows)})
    return write_xlsx(
        "惠企政策",
        [
            "编号",
            "政策名称",
            "发布单位",
            "适用区划",
            "扶持方式",
            "状态",
            "有效期起",
            "有效期止",
            "申报条件",
        ],
        rows,
        widths=[8, 36, 18, 14, 12, 10, 12, 12, 60],
    )

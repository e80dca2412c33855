from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema, Status

from fugong.registry.api import EnterpriseOwnedOut
from fugong.registry.models import Enterprise, enterprise_id_of

from . import applications, services
from . import rules as R
from .models import Policy, PolicyApplication

router = Router(tags=["policies"])


class RuleOut(Schema):
    kind: str
    text: str


class PolicyOut(Schema):
    id: int
    title: str
    issuer: str
    region: str
    valid_from: date | None
    valid_to: date | None
    support: str
    state: str
    text: str
    version: int
    rules: list[RuleOut]

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_rules(obj):
        return [{"kind": r.kind, "text": R.describe(r)} for r in services.rules_of(obj)]


class MatchOut(Schema):
    id: int
    uscc: str
    name: str
    region: str
    rules: list[RuleOut]
    missing: list[RuleOut]


class VersionIn(Schema):
    version: int


class ApplyIn(Schema):
    amount_requested: Decimal | None = None
    note: str = ""


class ActIn(Schema):
    version: int
    amount: Decimal | None = None
    comment: str = ""
    granted_on: date | None = None


class PolicyApplicationOut(EnterpriseOwnedOut):
    id: int
    policy_id: int
    policy: str
    state: str
    amount_requested: Decimal | None
    amount_approved: Decimal | None
    granted: Decimal
    decision: str
    version: int
    created_at: datetime

    @staticmethod
    def resolve_policy(obj):
        return obj.policy.title

    @staticmethod
    def resolve_granted(obj):
        return getattr(obj, "granted", None) or applications.granted_total(obj)


class TotalOut(Schema):
    group: str | None
    enterprises: int
    applications: int
    requested: Decimal
    approved: Decimal
    granted: Decimal


def _policy(request, pk):
    return Policy.objects.visible_to(request.auth).select_related("region").get(pk=pk)


@router.get("/policies", response=list[PolicyOut])
def list_policies(request, state: str = "", support: str = "", q: str = ""):
    """Policies you may see (an enterprise account: the published ones covering it)."""
    params = {"state": state, "support": support, "q": q}
    return services.library(request.auth, params)[:500]


@router.get("/policies/mine", response=list[PolicyOut])
def my_policies(request):
    """An enterprise account: the policies in force it qualifies for."""
    enterprise_id = enterprise_id_of(request.auth)
    if not enterprise_id:
        return []
    return services.policies_for(Enterprise.objects.select_related("region").get(pk=enterprise_id))


@router.get("/policies/totals", response=list[TotalOut])
def totals(request, by: str = "policy"):
    """Applications in your scope per policy, region or industry (万元)."""
    return applications.totals(request.auth, by)


@router.get("/policies/{int:pk}", response=PolicyOut)
def get_policy(request, pk: int):
    return _policy(request, pk)


@router.get("/policies/{int:pk}/matches", response=list[MatchOut])
def policy_matches(request, pk: int, near: bool = False):
    """The enterprises in your scope that qualify, each with the rules it meets; with
    `near`, those missing exactly one rule, with what is missing."""
    policy = _policy(request, pk)
    if not request.auth.is_government:
        raise PermissionError("只有政府用户可以查看符合条件的企业")
    found = (services.near_misses if near else services.matches)(policy, request.auth)
    return [m.as_dict() for m in found]


@router.post("/policies/{int:pk}/publish", response=dict)
def publish(request, pk: int, payload: VersionIn):
    policy = _policy(request, pk)
    return {"notified_enterprises": services.publish(request.auth, policy, payload.version)}


@router.get("/policy-applications", response=list[PolicyApplicationOut])
def list_applications(request, state: str = "", policy: int | None = None):
    return applications.queue_for(request.auth, {"state": state, "policy": policy or ""})[:500]


@router.post("/policies/{int:pk}/applications", response={201: PolicyApplicationOut})
def create_application(request, pk: int, payload: ApplyIn):
    policy = _policy(request, pk)
    enterprise_id = enterprise_id_of(request.auth)
    if not enterprise_id:
        raise PermissionError("只有企业账号可以申报")
    enterprise = Enterprise.objects.select_related("region").get(pk=enterprise_id)
    return Status(201, applications.apply(request.auth, policy, enterprise, payload.dict()))


@router.get("/policy-applications/{int:pk}", response=PolicyApplicationOut)
def get_application(request, pk: int):
    return (
        PolicyApplication.objects.visible_to(request.auth)
        .select_related("policy", "enterprise")
        .get(pk=pk)
    )


@router.post("/policy-applications/{int:pk}/{action}", response=PolicyApplicationOut)
def act(request, pk: int, action: str, payload: ActIn):
    """approve (amount = 核定金额), reject (comment = reason), grant (amount, granted_on),
    withdraw (the applicant). 409 when someone acted first."""
    app = get_application(request, pk)
    return applications.act(
        request.auth,
        app,
        action,
        payload.version,
        amount=payload.amount,
        comment=payload.comment,
        granted_on=payload.granted_on,
    )

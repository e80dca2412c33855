"""Registry use-cases. Each public function is one transaction and leaves an audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.filters import ListFilter
from fugong.core.models import Region, Unit
from fugong.core.permissions import person
from fugong.core.services import audit

from . import industry
from .models import (
    Assignment,
    Enterprise,
    EnterpriseList,
    ListMembership,
    Visit,
    as_of_q,
    list_named,
)
from .signals import visit_logged

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from django.db.models import QuerySet

    from fugong.core.models import User
    from fugong.core.permissions import Actor


def can_manage(user: Actor) -> bool:
    """May edit the registry (enterprises, lists, assignments) within their scope."""
    return bool(user and user.is_authenticated and user.manages_registry)


def region_in_scope(user: Actor, region: Region) -> bool:
    if user.is_admin:
        return True
    scope = user.scope_region
    return scope is not None and region.path.startswith(scope.path)


def scope_regions(user: Actor) -> QuerySet[Region]:
    """Regions a user may pick in filters and forms."""
    if user.is_admin:
        return Region.objects.all()
    if user.is_region_scoped:
        return user.unit.region.subtree()
    return Region.objects.none()


@dataclass
class EnterpriseFilter(ListFilter):
    """The filters of the enterprise list; the page, its export and the API share them."""

    region: str = ""
    industry: str = ""
    scale: str = ""
    list: str = ""
    q: str = ""

    def errors(self) -> dict[str, str]:
        errors = {}
        if self.region and self._region() is None:
            errors["region"] = _("行政区划代码 %(c)s 不存在") % {"c": self.region}
        if self.industry and not (
            self.industry.upper() in industry.SECTIONS or self._division() is not None
        ):
            errors["industry"] = _("行业应为门类字母（如 C）或大类代码（如 13）")
        if self.scale and self.scale not in Enterprise.Scale.values:
            errors["scale"] = _("规模应为 above（规上）或 below（规下）")
        return errors

    def _region(self) -> Region | None:
        if not hasattr(self, "_region_obj"):
            self._region_obj = Region.objects.filter(code=self.region).first()
        return self._region_obj

    def _division(self) -> str | None:
        try:
            return industry.parse_industry(self.industry)
        except ValueError:
            return None

    def industry_lookup(self) -> dict[str, str | None]:
        """The industry filter as a lookup on `industry_section` (a section letter) or
        `industry_division` (a division code): columns of the enterprise and of the rollups."""
        if self.industry.upper() in industry.SECTIONS:
            return {"industry_section": self.industry.upper()}
        return {"industry_division": self._division()}

    def apply(self, qs: QuerySet[Enterprise], as_of: date | None = None) -> QuerySet[Enterprise]:
        """Filter `qs`; with `as_of`, region, scale and list membership are taken as they stood
        on that day (README "As of day D")."""
        if self.region:
            region = self._region()
            if region is None:
                qs = qs.none()
            else:
                qs = qs.filter(region.subtree_q() if as_of is None else as_of_q(as_of, region))
        if self.industry:
            qs = qs.filter(**self.industry_lookup())
        if self.scale:
            scale = Q(scale=self.scale) if as_of is None else as_of_q(as_of, scale=self.scale)
            qs = qs.filter(scale)
        if self.list:
            lookup = list_named(self.list, "list__")
            members = ListMembership.objects.current()
            if as_of is not None:
                members = ListMembership.objects.filter(added_on__lte=as_of).filter(
                    Q(removed_on__isnull=True) | Q(removed_on__gt=as_of)
                )
            qs = qs.filter(pk__in=members.filter(lookup).values("enterprise_id"))
        if self.q:
            qs = qs.filter(Q(name__icontains=self.q) | Q(uscc__startswith=self.q.upper()))
        return qs


def enterprises_for(
    user: Actor, flt: EnterpriseFilter | None = None, as_of: date | None = None
) -> QuerySet[Enterprise]:
    """Enterprises the user may see, filtered (`SYSTEM`, the command line, sees all)."""
    base = Enterprise.objects.visible_to(user)
    qs = base.select_related("region")
    return flt.apply(qs, as_of) if flt else qs


PERSONAL_FIELDS = ["contact_name", "contact_phone", "leader_name", "leader_phone"]


def enterprise_detail(user: Actor, pk: int) -> tuple[Enterprise, Assignment | None]:
    """Everything known about one enterprise, or Enterprise.DoesNotExist outside the scope.
    Showing it shows personal data (the contact's and leaders' names and phones): audited."""
    enterprise = (
        Enterprise.objects.visible_to(user)
        .select_related("region", "region__parent")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=ListMembership.objects.select_related("list", "added_by", "removed_by"),
            ),
            Prefetch("visits", queryset=Visit.objects.select_related("commissioner")),
        )
        .get(pk=pk)
    )
    assignment = (
        Assignment.objects.filter(enterprise=enterprise)
        .select_related("department", "township")
        .prefetch_related("commissioners")
        .first()
    )
    audit(user, "view_personal", enterprise, detail={"fields": PERSONAL_FIELDS})
    return enterprise, assignment


ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "region",
    "industry",
    "scale",
    "total_staff",
    "annual_output",
    "address",
    "longitude",
    "latitude",
    "power_account",
    "contact_name",
    "contact_phone",
    "notes",
    "active_from",
    "active_to",
    "closure_reason",
)


def save_enterprise(user: Actor, enterprise: Enterprise) -> Enterprise:
    """Create or update an enterprise within the user's scope."""
    if not region_in_scope(user, enterprise.region):
        raise ValidationError({"region": _("所选区划不在您的管辖范围内")})
    creating = enterprise.pk is None
    if creating and enterprise.active_from is None:  # expected to report from today on
        enterprise.active_from = timezone.localdate()
    enterprise.full_clean()
    with transaction.atomic():
        enterprise.save()
        audit(user, "create" if creating else "update", enterprise)
    return enterprise


def list_member_counts(user: Actor) -> dict[int, int]:
    """{list id: current members the user may see}."""
    return dict(
        ListMembership.objects.visible_to(user)
        .current()
        .values("list_id")
        .annotate(n=Count("id"))
        .values_list("list_id", "n")
    )


@transaction.atomic
def add_to_list(
    user: Actor,
    lst: EnterpriseList,
    enterprise: Enterprise,
    reason: str = "",
    on: date | None = None,
) -> ListMembership:
    if ListMembership.objects.current().filter(list=lst, enterprise=enterprise).exists():
        raise ValidationError(_("%(e)s 已在名单“%(l)s”中") % {"e": enterprise, "l": lst})
    membership = ListMembership.objects.create(
        list=lst,
        enterprise=enterprise,
        reason=reason,
        added_by=person(user),
        added_on=on or timezone.localdate(),
    )
    audit(user, "create", membership, detail={"reason": reason})
    return membership


@transaction.atomic
def remove_from_list(
    user: Actor, membership: ListMembership, reason: str = "", on: date | None = None
) -> ListMembership:
    if membership.removed_on is not None:
        raise ValidationError(_("该企业已移出名单"))
    membership.removed_on = on or timezone.localdate()
    if membership.removed_on < membership.added_on:
        raise ValidationError(_("移出日期不能早于列入日期"))
    membership.removed_by = person(user)
    membership.removal_reason = reason
    membership.save(update_fields=["removed_on", "removed_by", "removal_reason"])
    audit(user, "update", membership, detail={"removed": reason})
    return membership


def check_assignment_units(
    department: Unit | None, township: Unit | None, enterprise: Enterprise
) -> dict[str, str]:
    errors = {}
    if department and department.kind not in (Unit.Kind.DEPARTMENT, Unit.Kind.COMMAND_CENTRE):
        errors["department"] = _("行业部门应为行业部门或指挥部单位")
    if township and township.kind not in (Unit.Kind.TOWNSHIP, Unit.Kind.PARK):
        errors["township"] = _("属地应为街镇政府或园区管委会")
    for key, unit in (("department", department), ("township", township)):
        if unit and not enterprise.region.path.startswith(unit.region.path):
            errors.setdefault(key, _("%(u)s 的辖区不包含该企业") % {"u": unit})
    return errors


def check_commissioners(users: Iterable[User]) -> dict[str, str]:
    bad = [u.username for u in users if not u.is_commissioner]
    if bad:
        return {"commissioners": _("不是特派员/联络员：%(u)s") % {"u": "、".join(bad)}}
    return {}


@transaction.atomic
def set_assignment(
    user: Actor,
    enterprise: Enterprise,
    *,
    leader_name: str = "",
    leader_title: str = "",
    leader_phone: str = "",
    department: Unit | None = None,
    township: Unit | None = None,
    commissioners: Iterable[User] = (),
) -> Assignment:
    errors = check_assignment_units(department, township, enterprise)
    errors.update(check_commissioners(commissioners))
    if errors:
        raise ValidationError(errors)
    assignment, created = Assignment.objects.get_or_create(enterprise=enterprise)
    assignment.leader_name, assignment.leader_title = leader_name, leader_title
    assignment.leader_phone = leader_phone
    assignment.department, assignment.township = department, township
    assignment.full_clean()
    assignment.save()
    assignment.commissioners.set(commissioners)
    audit(
        user,
        "create" if created else "update",
        assignment,
        detail={"commissioners": [u.username for u in commissioners]},
    )
    return assignment


def can_log_visit(user: Actor, enterprise: Enterprise) -> bool:
    return (user.is_commissioner or can_manage(user)) and Enterprise.objects.visible_to(
        user
    ).filter(pk=enterprise.pk).exists()


@transaction.atomic
def log_visit(
    user: Actor, enterprise: Enterprise, *, visited_on: date, observations: str, problems: str = ""
) -> Visit:
    if not can_log_visit(user, enterprise):
        raise PermissionError
    visit = Visit(
        enterprise=enterprise,
        commissioner=user,
        visited_on=visited_on,
        observations=observations,
        problems=problems,
    )
    visit.full_clean()
    visit.save()
    audit(user, "create", visit)
    visit_logged.send(sender=Visit, visit=visit, user=user)
    return visit


def create_list(user: Actor, lst: EnterpriseList) -> EnterpriseList:
    if not user.creates_lists:
        raise PermissionError(_("只有指挥部可以新建名单"))
    lst.full_clean()
    with transaction.atomic():
        lst.save()
        audit(user, "create", lst)
    return lst

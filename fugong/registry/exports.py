"""Registry exports (.xlsx): the import templates' columns first, so an exported file re-imports
as an update; registered for `fugong export`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from fugong.core.excel import register_exporter, write_xlsx
from fugong.core.models import User
from fugong.core.services import audit

from .imports import EnterpriseImporter
from .member_imports import AssignmentImporter
from .models import ListMembership
from .services import EnterpriseFilter, enterprises_for

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from django.db.models import QuerySet

    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise, EnterpriseList


EXPORT_EXTRAS = ["所在区划", "行业名称", "包保领导", "行业部门", "属地街镇", "特派员"]


def export_enterprises(user: Actor, qs: QuerySet[Enterprise]) -> bytes:
    """The enterprise list as .xlsx: the import template's columns first (so a re-import
    updates), then readable extras."""
    qs = qs.select_related(
        "region", "assignment__department", "assignment__township"
    ).prefetch_related(
        Prefetch("memberships", queryset=ListMembership.objects.current().select_related("list")),
        Prefetch("assignment__commissioners", queryset=User.objects.only("username", "name")),
    )

    def rows() -> Iterator[list[object]]:
        for e in qs.iterator(chunk_size=2000):
            a = getattr(e, "assignment", None)
            yield [
                e.uscc,
                e.name,
                e.region.code,
                e.industry,
                e.get_scale_display(),
                e.total_staff,
                e.annual_output,
                e.contact_name,
                e.contact_phone,
                e.address,
                "；".join(m.list.name for m in e.memberships.all()),
                e.notes,
                e.active_from,
                e.active_to,
                e.get_closure_reason_display() if e.closure_reason else "",
                "",  # 所属县市: the region is given by code
                e.region.name,
                e.industry_label,
                a.leader_name if a else "",
                str(a.department or "") if a else "",
                str(a.township or "") if a else "",
                "；".join(u.username for u in a.commissioners.all()) if a else "",
            ]

    cols = EnterpriseImporter.columns
    data = write_xlsx(
        _("企业名录"),
        [c.header for c in cols] + EXPORT_EXTRAS,
        rows(),
        widths=[c.width for c in cols] + [12, 20, 10, 20, 16, 16],
    )
    audit(user, "export", target_type="registry.enterprise", detail={"format": "xlsx"})
    return data


def export_memberships(user: Actor, lst: EnterpriseList, qs: QuerySet[Enterprise]) -> bytes:
    rows = (
        [
            lst.name,
            m.enterprise.uscc,
            m.enterprise.name,
            m.enterprise.region.name,
            m.added_on,
            m.reason,
            m.removed_on or "",
            m.removal_reason,
        ]
        for m in qs.iterator(chunk_size=2000)
    )
    data = write_xlsx(
        lst.name,
        [
            "名单名称",
            "统一社会信用代码",
            "企业名称",
            "所在区划",
            "列入日期",
            "原因",
            "移出日期",
            "移出原因",
        ],
        rows,
        widths=[14, 22, 30, 12, 12, 24, 12, 24],
    )
    audit(user, "export", lst, detail={"format": "xlsx"})
    return data


def export_assignments(user: Actor, enterprises: QuerySet[Enterprise]) -> bytes:
    """Assignments in the assignment import template's columns, so a re-import updates."""

    def rows() -> Iterator[list[object]]:
        for e in enterprises.iterator(chunk_size=2000):
            a = getattr(e, "assignment", None)
            yield [
                e.uscc,
                *(
                    [
                        a.leader_name,
                        a.leader_title,
                        a.leader_phone,
                        a.department.code if a.department_id else "",
                        a.township.code if a.township_id else "",
                        "；".join(u.username for u in a.commissioners.all()),
                    ]
                    if a
                    else [""] * 6
                ),
                e.name,
            ]

    headers = [c.header for c in AssignmentImporter.columns] + ["企业名称"]
    data = write_xlsx(
        _("包保责任"), headers, rows(), widths=[c.width for c in AssignmentImporter.columns] + [30]
    )
    audit(user, "export", target_type="registry.assignment", detail={"format": "xlsx"})
    return data


@register_exporter("enterprises")
def export_enterprises_filtered(user: Actor, params: Mapping[str, str]) -> bytes:
    flt = EnterpriseFilter.from_params(params or {})
    flt.check()
    return export_enterprises(user, enterprises_for(user, flt))


@register_exporter("assignments")
def export_assignments_filtered(user: Actor, params: Mapping[str, str]) -> bytes:
    flt = EnterpriseFilter.from_params(params or {})
    return export_assignments(
        user,
        enterprises_for(user, flt).prefetch_related(
            "assignment__department", "assignment__township", "assignment__commissioners"
        ),
    )

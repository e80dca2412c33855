"""Health use-cases: exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fugong.core.excel import write_xlsx
from fugong.core.services import audit

from .access import audit_unmasked, may_unmask, roster_of

if TYPE_CHECKING:
    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


def export_roster(user: Actor, enterprise: Enterprise) -> bytes:
    """The roster in the import template's columns; unmasked only for the health officer (and
    then audited)."""

    unmasked = may_unmask(user, enterprise)
    people = list(roster_of(user).filter(enterprise=enterprise, active=True))
    rows = [
        [
            e.name if unmasked else e.masked_name,
            e.id_number if unmasked else e.masked_id,
            e.phone if unmasked else e.masked_phone,
            e.department,
            "是" if e.lives_on_site else "否",
            "是" if e.in_bubble else "否",
        ]
        for e in people
    ]
    if unmasked:
        audit_unmasked(user, enterprise, "roster_export", len(rows))
    else:
        audit(user, "export", target_type="health.employee", detail={"rows": len(rows)})
    return write_xlsx(
        "员工名册", ["姓名", "身份证号", "手机号", "部门", "是否住厂", "是否闭环"], rows
    )

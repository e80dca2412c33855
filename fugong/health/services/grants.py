"""Health use-cases: investigation grants."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.excel import write_xlsx
from fugong.core.services import audit
from fugong.registry.models import (
    own_enterprise,
)

from ..models import (
    Declaration,
    InvestigationGrant,
)
from .access import audit_unmasked, may_unmask, with_employees

if TYPE_CHECKING:
    from fugong.core.models import User
    from fugong.core.permissions import Actor


@transaction.atomic
def grant_investigation(
    officer: Actor,
    to_user: User,
    reason: str,
    start: datetime.date,
    end: datetime.date,
    hours: int = 72,
) -> InvestigationGrant:
    enterprise = own_enterprise(officer)
    if enterprise is None or not may_unmask(officer, enterprise):
        raise PermissionError(_("只有企业防疫专员可以授权流调导出"))
    if not to_user.sees_figures:
        raise ValidationError({"granted_to": _("只能授权给政府工作人员")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明流调事由")})
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期")})
    grant = InvestigationGrant.objects.create(
        enterprise=enterprise,
        granted_to=to_user,
        granted_by=officer,
        reason=reason.strip()[:200],
        start=start,
        end=end,
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )
    audit(officer, "create", grant, detail={"to": to_user.username, "reason": grant.reason})
    return grant


def investigation_export(user: Actor, grant: InvestigationGrant) -> bytes:
    """The named declarations the grant covers, for the user it was granted to, while it is
    valid; audited."""

    if grant.granted_to_id != user.pk or grant.expires_at < timezone.now():
        raise PermissionError(_("授权不存在或已过期"))
    declarations = with_employees(
        Declaration.objects.filter(day__gte=grant.start, day__lte=grant.end), grant.enterprise_id
    )
    declarations = sorted(declarations, key=lambda d: (d.day, d.employee.name, d.pk))
    rows = [
        [
            d.employee.name,
            d.employee.id_number,
            d.employee.phone,
            d.employee.department,
            d.day.isoformat(),
            str(d.temperature),
            "、".join(d.reasons),
            d.get_test_result_display(),
        ]
        for d in declarations
    ]
    audit_unmasked(user, grant.enterprise, f"investigation:{grant.pk}", len(rows))
    return write_xlsx(
        "流调",
        ["姓名", "身份证号", "手机号", "部门", "日期", "体温", "异常情况", "检测结果"],
        rows,
    )

"""Application use-cases: the applicant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.permissions import person
from fugong.core.services import (
    Conflict,
    audit,
    campaign_for,
    record_step,
)
from fugong.core.uploads import attach, check_uploads
from fugong.registry.models import enterprise_id_of

from ..models import Application
from .base import Kind, State, _due
from .flow import FLOW
from .reviewers import _tell_reviewers
from .validation import clean_data

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime
    from typing import Any

    from django.core.files.uploadedfile import UploadedFile

    from fugong.core.permissions import Actor
    from fugong.registry.models import Enterprise


def _applicant_may(user: Actor, enterprise: Enterprise) -> None:
    if not (user.is_superuser or enterprise_id_of(user) == enterprise.pk):
        raise PermissionError(_("只有本企业的账号可以提交和修改申请"))


@transaction.atomic
def submit(
    user: Actor,
    enterprise: Enterprise,
    kind: str,
    data: dict[str, Any],
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Application:
    """A new application of `kind` for the running campaign; the resumption plan (PDF, image
    or Office file) is required."""
    _applicant_may(user, enterprise)
    now = now or timezone.now()
    campaign = campaign_for(enterprise, timezone.localdate(now))
    if campaign is None:
        raise ValidationError(_("当前没有覆盖本企业的应急事件"))
    if kind not in Kind.values:
        raise ValidationError({"kind": _("未知的申请类型")})
    existing = Application.objects.filter(campaign=campaign, enterprise=enterprise, kind=kind)
    if existing.filter(state__in=Application.OPEN).exists():
        raise ValidationError(_("已有一份在审或待修改的同类申请，请在原申请上修改"))
    if existing.filter(state=State.APPROVED).exists():
        raise ValidationError(_("本企业的同类申请已获批准"))
    if existing.filter(state=State.SUSPENDED).exists():
        raise Conflict(_("本企业的同类资格已被督导检查暂停，整改复查通过后自动恢复，不能另行申请"))
    fields = clean_data(campaign, kind, data, timezone.localdate(now))
    checked = check_uploads(list(files)) if files else []
    if kind == Kind.RESUMPTION and not checked:
        raise ValidationError({"files": _("请上传疫情防控方案（PDF、图片或 Office 文件）")})
    app = Application.objects.create(
        campaign=campaign,
        enterprise=enterprise,
        kind=kind,
        submitted_by=person(user),
        due_at=_due(campaign, now),
        **fields,
    )
    attach(user, app, checked)
    record_step(app, "submit", user, to_state=app.state)
    audit(user, "create", app, detail={"kind": kind})
    _tell_reviewers(app)
    return app


@transaction.atomic
def resubmit(
    user: Actor,
    app: Application,
    version: int,
    data: dict[str, Any],
    files: Sequence[UploadedFile] = (),
) -> Application:
    """The applicant corrects a returned application and sends it back to the first step."""
    _applicant_may(user, app.enterprise)
    fields = clean_data(app.campaign, app.kind, data)
    checked = check_uploads(list(files)) if files else []
    app = FLOW.move(app, version, "resubmit", user=user, due_at=_due(app.campaign), **fields)
    attach(user, app, checked)
    _tell_reviewers(app)
    return app


@transaction.atomic
def withdraw(user: Actor, app: Application, version: int) -> Application:
    _applicant_may(user, app.enterprise)
    app = FLOW.move(app, version, "withdraw", user=user)
    return app

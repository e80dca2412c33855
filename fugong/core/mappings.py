"""Saved column mappings of the import's mapping step: for files of the same shape (importer kind
and normalised header row), which column goes to which field; per user, or shared by a unit.
Loaded by core.models (imported at its bottom) so that Django registers the model."""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import sheets

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .excel import Importer, ImportReport
    from .permissions import Actor


def shape_of(headers: Sequence[str]) -> str:
    """The key of a file's shape: its header texts, normalised, in order."""
    norm = "\x1f".join(sheets.normalise_header(h) for _i, h, *_k in headers)
    return hashlib.sha1(norm.encode()).hexdigest()


class ImportMapping(models.Model):
    kind = models.CharField(_("导入类型"), max_length=30)
    shape = models.CharField(_("表头形状"), max_length=40, editable=False)
    headers = models.JSONField(_("表头"), default=list)
    mapping = models.JSONField(_("列对应"), default=dict)  # normalised header -> key or ""
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    unit = models.ForeignKey("core.Unit", null=True, blank=True, on_delete=models.CASCADE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "core"
        verbose_name = _("导入列对应")
        verbose_name_plural = _("导入列对应")
        indexes = [models.Index(fields=["kind", "shape"])]

    def __str__(self) -> str:
        return f"{self.kind}: {'、'.join(self.headers)}"


def find_mapping(user: Actor, kind: str, headers: Sequence[str]) -> ImportMapping | None:
    """The user's own mapping for this shape, else one saved for the user's unit."""
    if user.pk is None:  # the system has no mappings of its own
        return None
    mine = Q(user=user)
    if user.unit_id:
        mine |= Q(unit_id=user.unit_id, user=None)
    found = list(ImportMapping.objects.filter(mine, kind=kind, shape=shape_of(headers)))
    found.sort(key=lambda m: (m.user_id is None, -m.updated_at.timestamp()))  # own first
    return found[0] if found else None


def save_mapping(
    user: Actor, kind: str, headers: Sequence[str], mapping: dict[str, str], for_unit: bool = False
) -> ImportMapping:
    """Save (or replace) the mapping for files shaped like `headers`."""
    owner = {"unit_id": user.unit_id, "user": None} if for_unit and user.unit_id else {"user": user}
    with transaction.atomic():
        obj, _created = ImportMapping.objects.update_or_create(
            kind=kind,
            shape=shape_of(headers),
            **owner,
            defaults={"headers": [h for _i, h, *_k in headers], "mapping": mapping},
        )
    return obj


# --- the mapping step's uploaded file, kept between the preview and the import ----------------
STAGE = Path(tempfile.gettempdir()) / "fugong-imports"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def stage_upload(user: Actor, data: bytes) -> str:
    """Keep an uploaded file for the mapping step; return its token."""
    STAGE.mkdir(mode=0o700, exist_ok=True)
    token = secrets.token_urlsafe(18)
    (STAGE / f"{user.pk}-{token}").write_bytes(data)
    return token


def staged(user: Actor, token: str) -> bytes | None:
    """The file staged by this user under `token` (None if gone or not theirs)."""
    if not _TOKEN.match(token or ""):
        return None
    path = STAGE / f"{user.pk}-{token}"
    return path.read_bytes() if path.is_file() else None


def unstage(user: Actor, token: str) -> None:
    if _TOKEN.match(token or ""):
        (STAGE / f"{user.pk}-{token}").unlink(missing_ok=True)


def run_import(
    user: Actor,
    importer: type[Importer],
    data: bytes,
    *,
    mapping: dict[str, str] | None = None,
    skip_bad: bool = False,
    dry_run: bool = False,
) -> tuple[ImportReport, dict[str, str] | None, ImportMapping | None]:
    """Run `importer` (a class) on `data`; with no `mapping`, a mapping saved for files of this
    shape is applied. Return (report, the mapping applied or None, the saved mapping or None)."""
    saved = None
    if mapping is None and user.pk is not None:
        owners = Q(user=user) | Q(unit_id=user.unit_id, user=None) if user.unit_id else Q(user=user)
        if ImportMapping.objects.filter(owners, kind=importer.kind).exists():
            probe = importer(user)
            probe.read(data)
            saved = find_mapping(user, importer.kind, probe.layout.get("headers", []))
            mapping = saved.mapping if saved else None
    report = importer(user, mapping=mapping).run(data, skip_bad=skip_bad, dry_run=dry_run)
    return report, mapping, saved

"""Work-order use-cases: the dispatch catalogue (派单目录 / 兜底): lines edited on the page,
exported and imported as xlsx (the importer is `imports.CatalogueImporter`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fugong.core.audit import audit
from fugong.core.excel import register_exporter, write_xlsx

from ..models import CatalogueEntry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fugong.core.permissions import Actor

HEADERS = ["应急事件", "行政区划代码", "问题类别", "关键词", "企业规模", "承办单位编码"]
WIDTHS = [20, 14, 14, 24, 10, 20]


def may_edit_catalogue(user: Actor) -> bool:
    return bool(user.is_authenticated and user.coordinates)


def catalogue_visible_to(user: Actor | None) -> QuerySet[CatalogueEntry]:
    """The lines of the regions in the user's subtree (all of them for an administrator)."""
    lines = CatalogueEntry.objects.select_related("campaign", "region", "category", "unit")
    if user is None or user.is_admin:
        return lines
    if not user.is_region_scoped:
        return lines.none()
    return lines.filter(user.unit.region.subtree_q())


def same_conditions(line: CatalogueEntry) -> QuerySet[CatalogueEntry]:
    """The lines with the conditions of `line` (at most one may exist)."""
    return CatalogueEntry.objects.filter(
        campaign=line.campaign_id,
        region=line.region_id,
        category=line.category_id,
        keywords=line.keywords,
        scale=line.scale,
    )


def check_line(user: Actor, line: CatalogueEntry) -> None:
    """A line must lie in the user's region subtree and its unit cover the line's region."""
    if user is not None and not user.is_admin:
        if not user.is_region_scoped or not line.region.path.startswith(user.unit.region.path):
            raise ValidationError({"region": _("该行政区划不在您的管辖范围内")})
    if not line.region.path.startswith(line.unit.region.path):
        raise ValidationError(
            {"unit": _("%(u)s 的辖区不包含 %(r)s") % {"u": line.unit, "r": line.region}}
        )
    if not line.campaign.region.path or not line.region.path.startswith(line.campaign.region.path):
        raise ValidationError({"region": _("该行政区划不在应急事件的范围内")})
    if same_conditions(line).exclude(pk=line.pk).exists():
        raise ValidationError(_("目录中已有相同条件的条目，请修改它"))


@transaction.atomic
def save_line(user: Actor, line: CatalogueEntry) -> CatalogueEntry:
    if not may_edit_catalogue(user):
        raise PermissionError(_("只有指挥部和街镇/园区可以编辑派单目录"))
    line.keywords = "、".join(line.keyword_list)
    check_line(user, line)
    created = line.pk is None
    line.save()
    audit(user, "create" if created else "update", line)
    return line


@transaction.atomic
def delete_line(user: Actor, line: CatalogueEntry) -> None:
    if not may_edit_catalogue(user):
        raise PermissionError(_("只有指挥部和街镇/园区可以编辑派单目录"))
    audit(user, "delete", line)
    line.delete()


@register_exporter("catalogue")
def export_catalogue(user: Actor, params: Mapping[str, str] | None = None) -> bytes:
    """The catalogue as the importer reads it back."""
    rows = (
        [
            line.campaign.name,
            line.region.code,
            line.category.name if line.category_id else "",
            line.keywords,
            line.get_scale_display() if line.scale else "",
            line.unit.code,
        ]
        for line in catalogue_visible_to(user)
    )
    data = write_xlsx(_("派单目录"), HEADERS, rows, widths=WIDTHS)
    audit(user, "export", target_type="workorders.catalogueentry", detail={"format": "xlsx"})
    return data

"""Region boundaries from a GeoJSON FeatureCollection (`fugong import boundaries FILE.geojson`):
each feature matched to a region by its `code` / `adcode` property or, failing that, by its
`name`; every feature that matches nothing (or is not a polygon) is reported by its number."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from fugong.core.audit import audit
from fugong.core.excel import ImportReport, RowError, register_text_importer
from fugong.core.models import Region

from .models import Boundary

if TYPE_CHECKING:
    from fugong.core.permissions import Actor


GEOMETRIES = ("Polygon", "MultiPolygon")


def _features(text: str) -> list[object]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(_("不是有效的 GeoJSON：%(e)s") % {"e": exc}) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError(_("GeoJSON 顶层应为 FeatureCollection"))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError(_("FeatureCollection 没有 features"))
    return features


def _match(
    feature: object, by_code: dict[str, Region], by_name: dict[str, list[Region]]
) -> tuple[Region | None, str, str]:
    """(region, column, reason): the region a feature names, or why none."""
    if not isinstance(feature, dict):
        return None, "", _("不是 Feature 对象")
    props = feature.get("properties") or {}
    geometry = feature.get("geometry") or {}
    if geometry.get("type") not in GEOMETRIES or not geometry.get("coordinates"):
        return None, "geometry", _("几何类型应为 Polygon 或 MultiPolygon")
    code = str(props.get("code") or props.get("adcode") or "").strip()
    if code:
        region = by_code.get(code)
        if region is None:
            return None, "code", _("行政区划代码 %(c)s 不存在") % {"c": code}
        return region, "", ""
    name = str(props.get("name") or "").strip()
    if not name:
        return None, "code", _("要素没有 code、adcode 或 name 属性")
    found = by_name.get(name, [])
    if len(found) != 1:
        reason = _("没有名为“%(n)s”的区划") if not found else _("名为“%(n)s”的区划不止一个")
        return None, "name", reason % {"n": name}
    return found[0], "", ""


@register_text_importer("boundaries")
def import_boundaries(user: Actor, text: str, skip_bad: bool) -> ImportReport:
    """Store each matched feature's geometry on its region (a re-import replaces it); nothing
    is written while a feature is bad unless `skip_bad`."""
    report = ImportReport(kind="boundaries")
    if not user.is_admin:
        report.errors.append(RowError(0, "", _("只有系统管理员可以导入区划边界")))
        return report
    try:
        features = _features(text)
    except ValueError as exc:
        report.errors.append(RowError(0, "", str(exc)))
        return report
    report.rows = len(features)
    regions = list(Region.objects.all())
    by_code = {r.code: r for r in regions}
    by_name = {}
    for r in regions:
        by_name.setdefault(r.name, []).append(r)
    matched, seen = [], {}
    for n, feature in enumerate(features, start=1):
        region, column, reason = _match(feature, by_code, by_name)
        if region is not None and region.pk in seen:
            column, reason = "code", _("与第%(n)d个要素是同一区划") % {"n": seen[region.pk]}
            region = None
        if region is None:
            report.errors.append(RowError(n, column, reason))
            continue
        seen[region.pk] = n
        matched.append((region, feature["geometry"]))
    report.skipped_rows = report.bad_rows
    if report.errors and not skip_bad:
        return report
    with transaction.atomic():
        for region, geometry in matched:
            _obj, created = Boundary.objects.update_or_create(
                region=region, defaults={"geometry": geometry}
            )
            report.created += created
            report.updated += not created
        audit(user, "import", target_type="boundaries", detail=report.as_dict() | {"errors": []})
    report.written = True
    return report

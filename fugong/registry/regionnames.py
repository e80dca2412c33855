"""Regions as sheets name them: by code, or by name in full or short (延吉市 / 延吉,
进学街道 / 进学), within an importer's scope, disambiguated by a parent's name when given."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fugong.core.models import Region
from fugong.core.validators import normalize_region_code

# Longest first, so 朝鲜族自治州 is cut before 州.
SUFFIXES = sorted(
    (
        "朝鲜族自治州",
        "朝鲜族自治县",
        "满族自治县",
        "蒙古族自治县",
        "自治州",
        "自治县",
        "特别行政区",
        "自治区",
        "街道办事处",
        "街道",
        "社区居委会",
        "社区",
        "居委会",
        "村委会",
        "省",
        "市",
        "州",
        "盟",
        "县",
        "区",
        "旗",
        "镇",
        "乡",
        "村",
    ),
    key=len,
    reverse=True,
)


def _norm(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text or "")))


def short_name(name: str) -> str:
    """延吉市 → 延吉, 进学街道 → 进学, 延边朝鲜族自治州 → 延边 (never to nothing)."""
    name = _norm(name)
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class RegionIndex:
    """The regions a user may import into, found by code or name."""

    def __init__(self, user):
        qs = Region.objects.all()
        if user is not None and not user.is_admin:  # as services.region_in_scope
            scope = user.scope_region
            qs = qs.filter(scope.path_q()) if scope is not None else qs.none()
        self.regions = list(qs.only("id", "code", "name", "level", "parent_id", "path"))
        self.by_code = {r.code: r for r in self.regions}
        self.by_id = {r.pk: r for r in self.regions}
        self.by_name: dict[str, list[Region]] = {}
        for r in self.regions:
            for key in {_norm(r.name), short_name(r.name)}:
                self.by_name.setdefault(key, []).append(r)
        self.user = user

    def _outside(self, code: str) -> Region | None:
        return Region.objects.filter(code=code).first()

    def label(self, region: Region) -> str:
        parent = self.by_id.get(region.parent_id)
        return (
            f"{parent.name}{region.name}（{region.code}）"
            if parent
            else f"{region.name}（{region.code}）"
        )

    def candidates(self, text: str) -> list[Region]:
        text = _norm(text)
        found = self.by_name.get(text) or self.by_name.get(short_name(text)) or []
        return list({r.pk: r for r in found}.values())

    def find(self, text: str, parent: str = "") -> Region:
        """The one region `text` names (a code or a name); raise ValidationError listing the
        candidates when several match, or saying it does not exist or is out of scope."""
        text = _norm(text)
        if text[:1].isdigit():
            code = normalize_region_code(text)  # raises ValidationError for a malformed code
            region = self.by_code.get(code)
            if region is None:
                if self._outside(code) is not None:
                    raise ValidationError(_("行政区划 %(c)s 不在您的管辖范围内") % {"c": code})
                raise ValidationError(_("行政区划代码 %(c)s 不存在") % {"c": code})
            return region
        found = self.candidates(text)
        if parent and len(found) > 1:
            above = {p.path for p in self.candidates(parent)}
            found = [r for r in found if any(r.path.startswith(p) and r.path != p for p in above)]
        if len(found) == 1:
            return found[0]
        if not found:
            if Region.objects.filter(name=text).exists():
                raise ValidationError(_("行政区划 %(c)s 不在您的管辖范围内") % {"c": text})
            raise ValidationError(_("行政区划“%(c)s”不存在（填区划代码或名称）") % {"c": text})
        raise ValidationError(
            _("行政区划“%(c)s”有多个：%(all)s，请填代码或加上级区划列")
            % {"c": text, "all": "、".join(sorted(self.label(r) for r in found))}
        )

    def in_address(self, address: str) -> Region | None:
        """The one region an address names (the most precise one; None if none or several)."""
        address = _norm(address)
        if not address:
            return None
        hits = [r for r in self.regions if _norm(r.name) in address]
        if not hits:
            hits = [
                r
                for r in self.regions
                if len(short_name(r.name)) >= 2 and short_name(r.name) in address
            ]
        # keep the deepest: drop a region when another hit lies below it
        deepest = [
            r for r in hits if not any(o is not r and o.path.startswith(r.path) for o in hits)
        ]
        return deepest[0] if len(deepest) == 1 else None

"""Importers for regions and units (registered with `core.excel`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import values
from .excel import (
    Column,
    Importer,
    ImportRejected,
    RowError,
    register_exporter,
    register_importer,
    write_xlsx,
)
from .models import Region, Unit
from .validators import normalize_region_code

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .excel import Cleaned, ErrorSink
    from .permissions import Actor


def choice_lookup(
    choices: Iterable[tuple[str, str]], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Map labels, values and extra synonyms (all case-insensitive) to choice values."""
    table = {}
    for value, label in choices:
        table[str(value).lower()] = value
        table[str(label).strip().lower()] = value  # the whole label, as exports write it
        for part in str(label).replace("／", "/").split("/"):
            table[part.strip().lower()] = value
    for k, v in (extra or {}).items():
        table[k.lower()] = v
    return table


def ordered_by_parent(cleaned: Cleaned, key: str = "code", parent: str = "parent") -> Cleaned:
    """Order rows so that a parent defined in the same file is written before its children."""
    by_code = {data[key]: (n, data) for n, data in cleaned}
    done, out = set(), []

    def visit(code: str, trail: tuple[str, ...] = ()) -> None:
        if code in done or code not in by_code:
            return
        if code in trail:
            raise ValidationError(_("上级关系形成了循环"))
        n, data = by_code[code]
        visit(data[parent], (*trail, code))
        done.add(code)
        out.append((n, data))

    for code in by_code:
        visit(code)
    return out


def can_manage_structure(user: Actor) -> bool:
    return user.is_admin


@register_importer
class RegionImporter(Importer):
    kind = "regions"
    title = gettext_lazy("行政区划")
    columns = [
        Column("code", "行政区划代码", ("code", "region_code"), True, "222401"),
        Column("name", "名称", ("name",), True, "延吉市", 20),
        Column("level", "级别", ("level",), True, "县"),
        Column("parent", "上级代码", ("parent", "parent_code"), False, "222400"),
    ]
    LEVELS = choice_lookup(
        Region.Level.choices,
        {
            "州": "city",
            "地区": "city",
            "盟": "city",
            "区": "county",
            "县级市": "county",
            "旗": "county",
            "街道": "township",
            "镇": "township",
            "乡": "township",
            "开发区": "park",
            "新区": "park",
        },
    )

    @classmethod
    def allowed(cls, user: Actor) -> bool:
        return can_manage_structure(user)

    def prepare(self, rows: list[dict[str, str]]) -> None:
        codes = set()
        for row in rows:
            for k in ("code", "parent"):
                try:
                    codes.add(normalize_region_code(row[k]))
                except ValidationError:
                    pass
        self.existing = {r.code: r for r in Region.objects.filter(code__in=codes)}
        self.in_file = {}
        for row in rows:
            try:
                self.in_file[normalize_region_code(row["code"])] = self.LEVELS.get(
                    row["level"].lower()
                )
            except ValidationError:
                pass
        self.seen = set()

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> dict[str, Any] | None:
        data = {"name": row["name"]}
        try:
            data["code"] = normalize_region_code(row["code"])
        except ValidationError as exc:
            error("code", exc.messages[0])
            return None
        if data["code"] in self.seen:
            error("code", _("文件中重复的行政区划代码 %(c)s") % {"c": data["code"]})
        self.seen.add(data["code"])
        data["level"] = self.LEVELS.get(row["level"].lower())
        if data["level"] is None:
            error("level", _("级别应为 省、市、县、街镇 或 园区"))
            return None
        data["parent"] = ""
        if row["parent"]:
            try:
                data["parent"] = normalize_region_code(row["parent"])
            except ValidationError as exc:
                error("parent", exc.messages[0])
                return None
            if data["parent"] == data["code"]:
                error("parent", _("上级代码不能是自身"))
                return None
            parent_level = self.in_file.get(data["parent"]) or getattr(
                self.existing.get(data["parent"]), "level", None
            )
            if parent_level is None:
                error(
                    "parent",
                    _("上级代码 %(c)s 不存在（数据库和本文件中都没有）") % {"c": data["parent"]},
                )
            elif Region.RANK[data["level"]] <= Region.RANK[parent_level]:
                error("parent", _("上级的级别必须高于本级"))
        elif data["level"] != Region.Level.PROVINCE and data["code"] not in self.existing:
            # a new region below province level needs a parent
            error("parent", _("除省级外，新区划必须填写上级代码"))
        return data

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        created = updated = 0
        regions = dict(self.existing)
        for _n, data in ordered_by_parent(cleaned):
            region = regions.get(data["code"]) or Region(code=data["code"])
            is_new = region.pk is None
            region.name, region.level = data["name"], data["level"]
            if data["parent"]:
                region.parent = regions.get(data["parent"]) or Region.objects.get(
                    code=data["parent"]
                )
            region.save()
            regions[region.code] = region
            created += is_new
            updated += not is_new
        return created, updated


@register_importer
class UnitImporter(Importer):
    kind = "units"
    title = gettext_lazy("单位")
    columns = [
        Column("code", "单位编码", ("code", "unit_code"), True, "222401-gxj"),
        Column("name", "单位名称", ("name",), True, "延吉市工业和信息化局", 24),
        Column("kind", "类型", ("kind", "type"), True, "行业部门"),
        Column("sector", "行业", ("sector",), False, "工信"),
        Column("region", "行政区划代码", ("region", "region_code"), True, "222401"),
        Column("parent", "上级单位编码", ("parent", "parent_code"), False, "222401-zb"),
        Column("phone", "联系电话", ("phone",), False, "0433-2512345"),
        Column("webhook_kind", "群机器人类型", ("webhook_kind",), False, "钉钉"),
        Column("webhook_url", "群机器人地址", ("webhook_url",), False, "", 30),
        Column("webhook_secret", "群机器人密钥", ("webhook_secret",), False, "SEC…", 20),
    ]
    BOT_KINDS = choice_lookup(
        Unit._meta.get_field("webhook_kind").choices,
        {"企微": "wecom", "微信": "wecom", "dingding": "dingtalk", "lark": "feishu"},
    )
    KINDS = choice_lookup(
        Unit.Kind.choices,
        {
            "专班": "command_centre",
            "指挥部": "command_centre",
            "部门": "department",
            "街镇": "township",
            "街道": "township",
            "乡镇": "township",
            "园区": "park",
        },
    )
    SECTORS = choice_lookup(
        Unit.Sector.choices,
        {
            "工信局": "industry",
            "交通": "transport",
            "交通运输局": "transport",
            "人社": "human_resources",
            "人社局": "human_resources",
            "金融办": "finance",
            "卫健": "health",
            "卫健委": "health",
            "市场监管局": "market",
            "商务局": "commerce",
            "发改": "development",
            "发改委": "development",
        },
    )

    @classmethod
    def allowed(cls, user: Actor) -> bool:
        return can_manage_structure(user)

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.regions = {
            r.code: r
            for r in Region.objects.filter(code__in={r["region"].removesuffix(".0") for r in rows})
        }
        self.existing = {u.code: u for u in Unit.objects.select_related("region")}
        self.file_regions = {row["code"]: row["region"].removesuffix(".0") for row in rows}
        self.seen = set()

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> dict[str, Any] | None:
        data = {"code": row["code"], "name": row["name"], "parent": row["parent"]}
        if data["code"] in self.seen:
            error("code", _("文件中重复的单位编码 %(c)s") % {"c": data["code"]})
        self.seen.add(data["code"])
        data["kind"] = self.KINDS.get(row["kind"].lower())
        if data["kind"] is None:
            error("kind", _("类型应为 指挥部/专班、行业部门、街镇政府、园区管委会 或 卡口"))
        data["sector"] = self.SECTORS.get(row["sector"].lower(), "") if row["sector"] else ""
        if row["sector"] and not data["sector"]:
            error("sector", _("未知行业：%(s)s") % {"s": row["sector"]})
        elif data["kind"] == Unit.Kind.DEPARTMENT and not data["sector"]:
            error("sector", _("行业部门必须填写行业"))
        try:
            region = self.regions.get(normalize_region_code(row["region"]))
        except ValidationError as exc:
            error("region", exc.messages[0])
            return None
        if region is None:
            error("region", _("行政区划代码 %(c)s 不存在") % {"c": row["region"]})
            return None
        data["region"] = region
        if data["parent"]:
            if data["parent"] == data["code"]:
                error("parent", _("上级单位不能是自身"))
            elif data["parent"] in self.existing:
                parent_path = self.existing[data["parent"]].region.path
                if not region.path.startswith(parent_path):
                    error("parent", _("上级单位的行政区划必须包含本单位的行政区划"))
            elif data["parent"] not in self.file_regions:
                error("parent", _("上级单位编码 %(c)s 不存在") % {"c": data["parent"]})
        data["phone"] = self.optional(row, "phone", values.phone, error)
        self.clean_bot(row, data, error)
        return data

    def clean_bot(self, row: dict[str, str], data: dict[str, Any], error: ErrorSink) -> None:
        """The group bot's type, address and signing secret; a blank secret keeps the one
        stored (exports leave it blank), a secret needs a DingTalk or Feishu bot."""
        kind = row["webhook_kind"].strip()
        data["webhook_kind"] = self.BOT_KINDS.get(kind.lower(), "") if kind else ""
        if kind and not data["webhook_kind"]:
            error("webhook_kind", _("群机器人类型应为 企业微信、钉钉 或 飞书"))
        data["webhook_url"] = row["webhook_url"].strip()
        if data["webhook_url"]:
            try:
                URLValidator(schemes=["http", "https"])(data["webhook_url"])
            except ValidationError:
                error("webhook_url", _("群机器人地址应为 http(s):// 开头的网址"))
            if not data["webhook_kind"]:
                error("webhook_kind", _("填写群机器人地址时必须填写群机器人类型"))
        data["webhook_secret"] = row["webhook_secret"].strip()
        if data["webhook_secret"] and data["webhook_kind"] not in ("dingtalk", "feishu"):
            error("webhook_secret", _("只有钉钉和飞书群机器人使用加签密钥"))

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        created = updated = 0
        units = dict(self.existing)
        for _n, data in ordered_by_parent(cleaned):
            unit = units.get(data["code"]) or Unit(code=data["code"])
            is_new = unit.pk is None
            for f in ("name", "kind", "sector", "region", "phone", "webhook_kind", "webhook_url"):
                setattr(unit, f, data[f])
            unit.webhook_secret = data["webhook_secret"] or unit.webhook_secret
            unit.parent = units.get(data["parent"]) if data["parent"] else None
            try:
                unit.full_clean()
            except ValidationError as exc:
                raise ImportRejected([RowError(_n, "", m) for m in exc.messages]) from exc
            unit.save()
            units[unit.code] = unit
            created += is_new
            updated += not is_new
        return created, updated


@register_exporter("regions")
def export_regions(user: Actor, params: Mapping[str, str] | None = None) -> bytes:
    rows = (
        [r.code, r.name, r.get_level_display(), r.parent.code if r.parent_id else ""]
        for r in Region.objects.select_related("parent")
    )
    return write_xlsx(
        RegionImporter.title,
        [c.header for c in RegionImporter.columns],
        rows,
        widths=[c.width for c in RegionImporter.columns],
    )


@register_exporter("units")
def export_units(user: Actor, params: Mapping[str, str] | None = None) -> bytes:
    rows = (
        [
            u.code,
            u.name,
            u.get_kind_display(),
            u.get_sector_display() if u.sector else "",
            u.region.code,
            u.parent.code if u.parent_id else "",
            u.phone,
            u.get_webhook_kind_display() if u.webhook_kind else "",
            u.webhook_url,
            "",  # the bot's secret is never exported (a blank cell keeps it on import)
        ]
        for u in Unit.objects.select_related("region", "parent")
    )
    return write_xlsx(
        UnitImporter.title,
        [c.header for c in UnitImporter.columns],
        rows,
        widths=[c.width for c in UnitImporter.columns],
    )

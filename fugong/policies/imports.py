"""`fugong import policies FILE.xlsx`: policies and their registry rules by sheet; a policy
already there (same 政策名称) is updated, its sheet-borne rules replaced."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.excel import Column, Importer, register_importer
from fugong.core.imports import choice_lookup
from fugong.core.models import Region
from fugong.core.permissions import person
from fugong.core.validators import normalize_region_code
from fugong.registry.models import EnterpriseList
from fugong.registry.services import region_in_scope

from . import rules as R
from . import services
from .models import Policy

if TYPE_CHECKING:
    from typing import Any

    from fugong.core.excel import Cleaned, ErrorSink
    from fugong.core.permissions import Actor

SHEET_KINDS = (R.Kind.INDUSTRY, R.Kind.SCALE, R.Kind.LISTS, R.Kind.STAFF, R.Kind.RESUMED)


@register_importer
class PolicyImporter(Importer):
    kind = "policies"
    title = gettext_lazy("惠企政策")
    columns = [
        Column("title", "政策名称", ("title",), True, "支持中小微企业共渡难关20条措施", 36),
        Column("issuer", "发布单位", ("issuer",), False, "延边州人民政府", 18),
        Column("region", "行政区划代码", ("region", "region_code"), False, "222400", 14),
        Column("valid_from", "有效期起", ("valid_from",), False, "2020-02-10", 12),
        Column("valid_to", "有效期止", ("valid_to",), False, "2020-12-31", 12),
        Column("support", "扶持方式", ("support",), False, "资金补贴", 12),
        Column("industry", "行业", ("industry",), False, "C；H61", 16),
        Column("scale", "规模", ("scale",), False, "规下", 8),
        Column("lists", "名单", ("lists",), False, "重点企业；市级白名单", 20),
        Column("staff_min", "最少职工数", ("staff_min",), False, "", 10),
        Column("staff_max", "最多职工数", ("staff_max",), False, "300", 10),
        Column("resumed", "须已复工", ("resumed",), False, "是", 8),
        Column("text", "说明", ("text", "note"), False, "", 40),
    ]
    SUPPORTS = choice_lookup(
        Policy.Support.choices,
        {"补贴": "subsidy", "专项资金": "subsidy", "减税": "tax_relief", "贴息": "loan_discount"},
    )
    SCALES = {"": None, "不限": None, "规上": "above", "规模以上": "above", "规下": "below"}
    SCALES["规模以下"] = "below"
    YES_NO = {"": False, "否": False, "no": False, "是": True, "yes": True}

    @classmethod
    def allowed(cls, user: Actor) -> bool:
        return user.may_issue_policies

    def prepare(self, rows: list[dict[str, str]]) -> None:
        codes = set()
        for row in rows:
            try:
                codes.add(normalize_region_code(row["region"]))
            except ValidationError:
                pass
        self.regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        self.default_region = (
            self.user.scope_region
            if self.user is not None and self.user.scope_region
            else Region.objects.filter(parent__isnull=True).order_by("code").first()
        )
        titles = {row["title"].strip() for row in rows}
        self.existing = {p.title: p for p in Policy.objects.filter(title__in=titles)}
        self.lists = {lst.name: lst for lst in EnterpriseList.objects.all()}
        self.seen = {}

    def _date(self, row: dict[str, str], key: str, error: ErrorSink) -> date | None:
        text = row[key]
        if not text:
            return None
        try:
            return date.fromisoformat(text.replace("/", "-").replace(".", "-")[:10])
        except ValueError:
            error(key, _("日期格式应为 YYYY-MM-DD"))
            return None

    def _count(self, row: dict[str, str], key: str, error: ErrorSink) -> int | None:
        text = row[key]
        if not text:
            return None
        if not text.isdigit():
            error(key, _("应为非负整数"))
            return None
        return int(text)

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> dict[str, Any]:
        title = row["title"].strip()[:200]
        if title in self.seen:
            error("title", _("文件中重复：与第%(n)d行的政策名称相同") % {"n": self.seen[title]})
        self.seen.setdefault(title, row["_row"])
        existing = self.existing.get(title)
        if (
            existing is not None
            and self.user is not None
            and not services.may_edit(self.user, existing)
        ):
            error("title", _("同名政策已存在且不在您的管辖范围内"))
        if existing is not None and existing.state == Policy.State.WITHDRAWN:
            error("title", _("同名政策已废止，不能修改"))
        data = {"title": title, "issuer": row["issuer"][:100], "text": row["text"]}
        region = self.default_region
        if row["region"]:
            try:
                region = self.regions.get(normalize_region_code(row["region"]))
            except ValidationError as exc:
                error("region", exc.messages[0])
            else:
                if region is None:
                    error("region", _("行政区划代码 %(c)s 不存在") % {"c": row["region"]})
        if region is None and not row["region"]:
            error("region", _("请填写行政区划代码"))
        elif region is not None and not region_in_scope(self.user, region):
            error("region", _("行政区划 %(r)s 不在您的管辖范围内") % {"r": region})
        data["region"] = region
        data["valid_from"] = self._date(row, "valid_from", error)
        data["valid_to"] = self._date(row, "valid_to", error)
        if data["valid_from"] and data["valid_to"] and data["valid_to"] < data["valid_from"]:
            error("valid_to", _("有效期止不能早于有效期起"))
        data["support"] = self.SUPPORTS.get(row["support"].lower()) if row["support"] else "subsidy"
        if data["support"] is None:
            error("support", _("扶持方式应为：%(c)s") % {"c": "、".join(Policy.Support.labels)})
        rules = []
        try:
            found = R.parse_industries(row["industry"])
        except ValueError as exc:
            error("industry", _("“%(t)s”不是行业门类（如 C）或大类（如 27、C27）") % {"t": exc})
        else:
            if found["sections"] or found["divisions"]:
                rules.append((R.Kind.INDUSTRY.value, found))
        if row["scale"] not in self.SCALES:
            error("scale", _("规模应为 规上、规下 或 不限"))
        elif self.SCALES[row["scale"]]:
            rules.append((R.Kind.SCALE.value, {"scale": self.SCALES[row["scale"]]}))
        ids = []
        for name in R.split(row["lists"]):
            if name not in self.lists:
                error(
                    "lists",
                    _("名单“%(n)s”不存在（现有：%(all)s）")
                    % {"n": name, "all": "、".join(self.lists) or "无"},
                )
            else:
                ids.append(self.lists[name].pk)
        if ids:
            rules.append((R.Kind.LISTS.value, {"ids": ids, "as_of": None}))
        low, high = self._count(row, "staff_min", error), self._count(row, "staff_max", error)
        if low is not None and high is not None and low > high:
            error("staff_max", _("最多职工数不能小于最少职工数"))
        if low is not None or high is not None:
            rules.append((R.Kind.STAFF.value, {"min": low, "max": high}))
        resumed = self.YES_NO.get(row["resumed"].lower())
        if resumed is None:
            error("resumed", _("须已复工应为 是 或 否"))
        elif resumed:
            rules.append((R.Kind.RESUMED.value, {"by": None}))
        data["rules"] = rules
        return data

    FIELDS = ("issuer", "region", "valid_from", "valid_to", "support", "text")

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        created = updated = 0
        for _n, data in cleaned:
            policy = self.existing.get(data["title"])
            if policy is None:
                policy = Policy(title=data["title"], created_by=person(self.user))
                policy.unit = getattr(self.user, "unit", None)
                created += 1
            else:
                updated += 1
            for f in self.FIELDS:
                setattr(policy, f, data[f])
            policy.full_clean()
            policy.save()
            services.set_rules(policy, data["rules"], kinds=SHEET_KINDS)
        return created, updated

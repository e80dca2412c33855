"""The enterprise importer and what every scoped importer shares (registered with core.excel);
list memberships and assignments are in `member_imports`."""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core import bulk, values
from fugong.core.excel import Column, Importer, register_importer
from fugong.core.imports import choice_lookup
from fugong.core.models import Campaign
from fugong.core.permissions import person

from . import industry, services
from .models import Enterprise, EnterpriseList, ListMembership, record_history
from .regionnames import RegionIndex
from .signals import enterprises_changed, memberships_changed

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import date
    from typing import Any

    from fugong.core.excel import Cleaned, ErrorSink
    from fugong.core.models import Region
    from fugong.core.permissions import Actor


CHUNK = 900
T = TypeVar("T")


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def split_names(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[；;，,]", text or "") if p.strip()]


class ScopedImporter(Importer):
    """Importers of enterprise-owned data: government users with registry rights, in scope."""

    @classmethod
    def allowed(cls, user: Actor) -> bool:
        return services.can_manage(user)

    def visible_enterprises(self, usccs: Iterable[str]) -> tuple[dict[str, Enterprise], set[str]]:
        """{uscc: Enterprise} for existing enterprises and the set of those outside scope."""
        found = {}
        for qs in bulk.matching(Enterprise.objects.select_related("region"), "uscc", usccs):
            found.update((e.uscc, e) for e in qs)
        return found, self.outside_scope(found)

    def outside_scope(self, usccs: Iterable[str]) -> set[str]:
        """Which of these existing enterprises' codes lie outside the user's scope."""
        if self.user.is_admin or not usccs:
            return set()
        visible = set()
        for qs in bulk.matching(Enterprise.objects.visible_to(self.user), "uscc", usccs):
            visible.update(qs.values_list("uscc", flat=True))
        return set(usccs) - visible

    def usccs(self, rows: list[dict[str, str]]) -> set[str]:
        """Every row's code as `values.uscc` reads it (spaces, hyphens, full-width folded)."""
        self.uscc_of = {}
        for row in rows:
            try:
                self.uscc_of[row["uscc"]] = values.uscc(row["uscc"])
            except ValidationError:
                pass
        return set(self.uscc_of.values())

    def clean_uscc(self, row: dict[str, str], error: ErrorSink) -> str | None:
        code = getattr(self, "uscc_of", {}).get(row["uscc"])
        if code:
            return code
        try:
            return values.uscc(row["uscc"])
        except ValidationError as exc:
            error("uscc", exc.messages[0])
            return None

    @cached_property
    def year(self) -> int | None:
        """The year of `2月14日`: the campaign's (the latest begun, else the latest), else
        this year (None)."""
        campaigns = Campaign.objects.order_by("-starts_on")
        campaign = (
            campaigns.filter(starts_on__lte=timezone.localdate()).first() or campaigns.first()
        )
        return campaign.starts_on.year if campaign else None

    def parse_date(self, text: str, key: str, error: ErrorSink) -> date | None:
        if not text:
            return timezone.localdate()
        try:
            return values.parse_date(text, year=self.year)
        except ValidationError as exc:
            error(key, exc.messages[0])
            return None


@register_importer
class EnterpriseImporter(ScopedImporter):
    kind = "enterprises"
    title = gettext_lazy("企业名录")
    columns = [
        Column("uscc", "统一社会信用代码", ("uscc", "credit_code"), True, "91222401MA0Y3K7X1B", 22),
        Column("name", "企业名称", ("name",), True, "延边示例制药有限公司", 30),
        Column("region", "行政区划代码", ("region", "region_code"), False, "222401001", 14),
        Column("industry", "行业代码", ("industry", "industry_code"), True, "C27"),
        Column("scale", "规模", ("scale",), True, "规上", 8),
        Column("total_staff", "职工总数", ("total_staff", "staff"), False, "303", 10),
        Column(
            "annual_output",
            "上年工业总产值（万元）",
            ("annual_output", "output"),
            False,
            "12,500",
            14,
        ),
        Column("contact_name", "联系人", ("contact_name", "contact"), False, "王明秀", 10),
        Column("contact_phone", "联系电话", ("contact_phone", "phone"), False, "13904330001", 14),
        Column("address", "地址", ("address",), False, "延吉市进学街道长白路1号", 30),
        Column("lists", "名单", ("lists", "list"), False, "重点企业；市级白名单", 20),
        Column("notes", "备注", ("notes", "note"), False, "", 30),
        Column("active_from", "登记日期", ("active_from", "成立日期", "注册日期"), False, "", 12),
        Column("active_to", "停业日期", ("active_to", "关停日期", "注销日期"), False, "", 12),
        Column("closure_reason", "停业原因", ("closure_reason", "关停原因"), False, "", 10),
        # the county or city a region name lies in, when the name alone is ambiguous
        Column(
            "parent_region", "所属县市", ("县市", "县(市)", "所属县(市)", "县市区"), False, "", 10
        ),
    ]

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.regions = RegionIndex(self.user)
        # existing enterprises as {uscc: {attname: value}}: model instances are built only
        # for those that change (10,000 instances cost more than the rest of a re-import)
        self.existing = {}
        attnames = ("id", "uscc", *self.ATTNAMES)
        for qs in bulk.matching(Enterprise.objects.order_by(), "uscc", self.usccs(rows)):
            self.existing.update(
                (v[1], dict(zip(attnames, v, strict=True))) for v in qs.values_list(*attnames)
            )
        self.hidden = self.outside_scope(self.existing)
        self.lists = {lst.name: lst for lst in EnterpriseList.objects.all()}
        self.seen = {}
        self.memo = {}  # (parser, cell text) -> value or ValidationError/ValueError: cells repeat

    def remembered(self, parse: Callable[..., Any], *args: str) -> Any:
        """`parse(*args)`, once per distinct cell text of the file (regions, industries and
        scales repeat thousands of times); the error it raised is raised again."""
        key = (parse, args)
        if key not in self.memo:
            try:
                self.memo[key] = parse(*args)
            except (ValidationError, ValueError) as exc:
                self.memo[key] = exc
        value = self.memo[key]
        if isinstance(value, Exception):
            raise value
        return value

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> dict[str, Any] | None:
        uscc = self.clean_uscc(row, error)
        if uscc:
            if uscc in self.seen:
                error(
                    "uscc",
                    _("文件中重复：与第%(n)d行的统一社会信用代码相同") % {"n": self.seen[uscc]},
                )
            elif uscc in self.hidden:
                error("uscc", _("该统一社会信用代码已被您辖区以外的企业使用"))
            self.seen.setdefault(uscc, row.get("_row", 0))
        data = {
            "uscc": uscc,
            "name": row["name"][:200],
            "address": row["address"][:255],
            "contact_name": row["contact_name"][:50],
            "notes": row["notes"],
        }
        data["region"] = self.region(row, error)
        try:  # kept at the precision given
            data["industry"] = self.remembered(industry.parse, row["industry"])
        except ValueError:
            error(
                "industry",
                _("行业 %(c)s 不是 GB/T 4754-2017 的行业代码或名称（如 C27、2710 或 医药制造业）")
                % {"c": row["industry"]},
            )
        try:
            data["scale"] = self.remembered(values.scale, row["scale"])
        except ValidationError as exc:
            error("scale", exc.messages[0])
        try:
            data["total_staff"] = values.integer(row["total_staff"] or "0")
            if data["total_staff"] < 0:
                raise ValidationError(_("职工总数应为非负整数"))
        except ValidationError:
            error("total_staff", _("职工总数应为非负整数（可写 1,200 或 50人）"))
        data["annual_output"] = None
        if row.get("annual_output"):
            try:
                data["annual_output"] = values.number(row["annual_output"], "万元")
                if data["annual_output"] < 0 or data["annual_output"] >= 10**12:
                    raise ValidationError(_("上年工业总产值应为非负数"))
            except ValidationError:
                error(
                    "annual_output",
                    _("上年工业总产值应为以万元计的非负数（可写 12,500、1.2亿 或 8000万元）"),
                )
        data["contact_phone"] = self.optional(row, "contact_phone", values.phone, error)
        self.clean_dates(row, data, self.existing.get(uscc) if uscc else None, error)
        data["lists"] = []
        for name in split_names(row["lists"]):
            if name in self.lists:
                data["lists"].append(self.lists[name])
            elif self.user.creates_lists:
                data["lists"].append(name[:100])  # created in `write`
            else:
                error(
                    "lists",
                    _("名单“%(n)s”不存在，只有指挥部可以新建名单（现有：%(all)s）")
                    % {"n": name, "all": "、".join(self.lists) or "无"},
                )
        return data

    CLOSURES = choice_lookup(Enterprise.Closure.choices, {"关停": "suspended", "停业": "suspended"})

    def clean_dates(
        self, row: dict[str, str], data: dict, existing: dict | None, error: ErrorSink
    ) -> None:
        """登记日期 / 停业日期 / 停业原因: an empty cell keeps the registry's (new: from today)."""
        for key in ("active_from", "active_to"):
            text = (row.get(key) or "").strip()
            data[key] = existing[key] if existing else None
            if text:
                try:
                    data[key] = values.parse_date(text, year=self.year)
                except ValidationError as exc:
                    error(key, exc.messages[0])
        if data["active_from"] is None and existing is None:
            data["active_from"] = timezone.localdate()
        text = (row.get("closure_reason") or "").strip()
        data["closure_reason"] = existing["closure_reason"] if existing else ""
        if text:
            data["closure_reason"] = self.CLOSURES.get(text.lower())
            if data["closure_reason"] is None:
                error("closure_reason", _("停业原因应为 停产、注销 或 迁出"))
        dates = {k: data[k] for k in ("active_from", "active_to", "closure_reason")}
        try:  # the model's rules: a closure date and its reason go together, after registration
            Enterprise(**dates).clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                error(key, messages[0])

    def region(self, row: dict[str, str], error: ErrorSink) -> Region | None:
        """The region by code or name (a parent column disambiguates); from the address when
        the region cell is empty and the address names exactly one region in scope."""
        text = row["region"]
        if not text:
            region = self.regions.in_address(row["address"])
            if region is None:
                error("region", _("行政区划为空，地址中也找不到唯一的区划"))
            return region
        try:
            parent = row.get("parent_region", "")
            return self.remembered(self.regions.find, text, parent)
        except ValidationError as exc:
            error("region", exc.messages[0])
            return None

    FIELDS = (
        "name",
        "region",
        "industry",
        "scale",
        "total_staff",
        "annual_output",
        "contact_name",
        "contact_phone",
        "address",
        "notes",
        "active_from",
        "active_to",
        "closure_reason",
    )
    ATTNAMES = tuple("region_id" if f == "region" else f for f in FIELDS)
    # the columns the statistics' rollups depend on: a change sends enterprises_changed
    ROLLUP_FIELDS = ("region_id", "total_staff", "active_from", "active_to", "industry", "scale")

    def stored(self, data: dict[str, Any]) -> dict[str, Any]:
        """A cleaned row as the enterprise's column values, industry levels derived."""
        values = {f: data[f] for f in self.FIELDS}
        values["region_id"] = values.pop("region").pk
        code = values["industry"]
        values["industry_section"] = self.remembered(industry.section_of, code)
        values["industry_division"] = industry.division_of(code)
        return values

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        new, changed, moved, history = [], [], set(), []
        for _n, data in cleaned:
            values = self.stored(data)
            old = self.existing.get(data["uscc"])
            if old is None:
                new.append((data, {"uscc": data["uscc"], **values}))
            elif any(old[f] != values[f] for f in self.ATTNAMES):
                if any(old[f] != values[f] for f in self.ROLLUP_FIELDS):
                    moved.update({old["region_id"], values["region_id"]})
                if (old["region_id"], old["scale"]) != (values["region_id"], values["scale"]):
                    history.append((old["id"], old["region_id"], old["scale"]))
                changed.append(
                    Enterprise(id=old["id"], uscc=data["uscc"], updated_at=timezone.now(), **values)
                )
                data["enterprise_id"] = old["id"]
            else:
                data["enterprise_id"] = old["id"]
        for (data, _values), pk in zip(
            new, bulk.insert_values(Enterprise, [v for _d, v in new]), strict=True
        ):  # COPY on PostgreSQL
            data["enterprise_id"] = pk
        Enterprise.objects.bulk_update(
            changed,
            [*self.ATTNAMES, "industry_section", "industry_division", "updated_at"],
            batch_size=1000,
        )
        record_history(history)  # what Enterprise.save() does for one
        if moved:
            enterprises_changed.send(sender=Enterprise, region_ids=moved)
        new_lists = {}  # names of lists to create -> the first row naming them
        for n, data in cleaned:
            for name in data["lists"]:
                if isinstance(name, str):
                    new_lists.setdefault(name, n)
        for name in new_lists:
            self.lists[name] = EnterpriseList.objects.create(
                name=name, kind=EnterpriseList.Kind.CUSTOM
            )
        self.notices = [
            _("新建名单“%(n)s”（第%(r)d行起）") % {"n": name, "r": n}
            for name, n in sorted(new_lists.items(), key=lambda kv: kv[1])
        ]
        wanted = {
            (self.lists[lst].pk if isinstance(lst, str) else lst.pk, data["enterprise_id"])
            for _n, data in cleaned
            for lst in data["lists"]
        }
        if wanted:
            current = set()  # only enterprises that existed before can be on a list already
            before = {old["id"] for old in self.existing.values()}
            members = ListMembership.objects.current()
            for qs in bulk.matching(members, "enterprise_id", {e for _l, e in wanted} & before):
                current.update(qs.values_list("list_id", "enterprise_id"))
            by, reason = person(self.user), _("企业名录导入")
            added = [
                ListMembership(list_id=lst, enterprise_id=e, added_by=by, reason=reason)
                for lst, e in sorted(wanted - current)
            ]
            bulk.insert(ListMembership, added)
            if added:
                memberships_changed.send(
                    sender=ListMembership,
                    enterprise_ids={m.enterprise_id for m in added},
                    since=min(m.added_on for m in added),
                )
        return len(new), len(changed)

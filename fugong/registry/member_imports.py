"""Importers for list memberships and responsibility assignments (registered with core.excel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core import values
from fugong.core.excel import Column, ImportRejected, RowError, register_importer
from fugong.core.imports import choice_lookup
from fugong.core.models import Unit, User
from fugong.core.permissions import person

from . import services
from .imports import ScopedImporter, chunks, split_names
from .models import Assignment, EnterpriseList, ListMembership

if TYPE_CHECKING:
    from typing import Any

    from fugong.core.excel import Cleaned, ErrorSink


@register_importer
class ListImporter(ScopedImporter):
    kind = "lists"
    title = gettext_lazy("名单成员")
    columns = [
        Column("list", "名单名称", ("list", "list_name", "名单"), True, "重点企业", 16),
        Column("uscc", "统一社会信用代码", ("uscc",), True, "91222401MA0Y3K7X1B", 22),
        Column("action", "操作", ("action",), False, "列入", 8),
        Column("on", "日期", ("date", "on"), False, "2020-02-14", 12),
        Column("reason", "原因", ("reason",), False, "州级重点企业", 24),
        Column("kind", "名单类型", ("kind", "list_kind"), False, "重点企业", 12),
    ]
    ACTIONS = {
        "": "add",
        "列入": "add",
        "加入": "add",
        "add": "add",
        "移出": "remove",
        "remove": "remove",
    }
    KINDS = choice_lookup(EnterpriseList.Kind.choices, {"白名单": "city_whitelist"})

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.lists = {lst.name: lst for lst in EnterpriseList.objects.all()}
        self.existing, self.hidden = self.visible_enterprises(self.usccs(rows))
        self.seen = set()

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> dict[str, Any] | None:
        uscc = self.clean_uscc(row, error)
        data = {"list": row["list"], "reason": row["reason"][:255]}
        data["action"] = self.ACTIONS.get(row["action"].lower())
        if data["action"] is None:
            error("action", _("操作应为 列入 或 移出"))
        data["kind"] = self.KINDS.get(row["kind"].lower()) if row["kind"] else "custom"
        if data["kind"] is None:
            error("kind", _("名单类型应为 重点企业、市级白名单、省级白名单 或 自定义名单"))
        elif row["list"] not in self.lists and not self.user.creates_lists:
            error("list", _("名单“%(n)s”不存在，只有指挥部可以新建名单") % {"n": row["list"]})
        data["on"] = self.parse_date(row["on"], "on", error)
        if uscc:
            if uscc in self.hidden or uscc not in self.existing:
                error("uscc", _("企业 %(c)s 不存在或不在您的管辖范围内") % {"c": uscc})
            data["enterprise"] = self.existing.get(uscc)
            if (row["list"], uscc) in self.seen:
                error("uscc", _("文件中重复：同一名单同一企业出现多次"))
            self.seen.add((row["list"], uscc))
        return data

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        created = updated = 0
        errors = []
        for n, data in cleaned:
            lst = self.lists.get(data["list"])
            if lst is None:
                lst = EnterpriseList.objects.create(name=data["list"], kind=data["kind"])
                self.lists[lst.name] = lst
            current = (
                ListMembership.objects.current()
                .filter(list=lst, enterprise=data["enterprise"])
                .first()
            )
            if data["action"] == "add":
                if current is None:
                    ListMembership.objects.create(
                        list=lst,
                        enterprise=data["enterprise"],
                        added_on=data["on"],
                        added_by=person(self.user),
                        reason=data["reason"],
                    )
                    created += 1
            elif current is None:
                errors.append(RowError(n, "统一社会信用代码", _("该企业当前不在名单中，无法移出")))
            elif data["on"] < current.added_on:
                errors.append(RowError(n, "日期", _("移出日期不能早于列入日期")))
            else:
                current.removed_on, current.removed_by = data["on"], self.user
                current.removal_reason = data["reason"]
                current.save(update_fields=["removed_on", "removed_by", "removal_reason"])
                updated += 1
        if errors:
            raise ImportRejected(errors)
        return created, updated


@register_importer
class AssignmentImporter(ScopedImporter):
    kind = "assignments"
    title = gettext_lazy("包保责任")
    columns = [
        Column("uscc", "统一社会信用代码", ("uscc",), True, "91222401MA0Y3K7X1B", 22),
        Column("leader_name", "包保领导", ("leader", "leader_name"), False, "张伟", 10),
        Column("leader_title", "领导职务", ("leader_title",), False, "副州长", 12),
        Column("leader_phone", "领导电话", ("leader_phone",), False, "13904330002", 14),
        Column("department", "行业部门", ("department",), False, "222400-gxj", 20),
        Column("township", "属地街镇", ("township",), False, "222401001-gov", 20),
        Column("commissioners", "特派员", ("commissioners",), False, "tepaiyuan", 20),
    ]

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.existing, self.hidden = self.visible_enterprises(self.usccs(rows))
        self.units = {}
        for u in Unit.objects.select_related("region"):
            self.units.setdefault(u.code, u)
            self.units.setdefault(u.name, u)
        names = {n for row in rows for n in split_names(row["commissioners"])}
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        self.seen = set()

    def unit(self, row: dict[str, str], key: str, error: ErrorSink) -> Unit | None:
        text = row[key]
        if not text:
            return None
        unit = self.units.get(text)
        if unit is None:
            error(key, _("单位“%(u)s”不存在（填单位编码或单位名称）") % {"u": text})
        return unit

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> dict[str, Any] | None:
        uscc = self.clean_uscc(row, error)
        data = {k: row[k][:100] for k in ("leader_name", "leader_title")}
        if uscc:
            if uscc in self.hidden or uscc not in self.existing:
                error("uscc", _("企业 %(c)s 不存在或不在您的管辖范围内") % {"c": uscc})
            elif uscc in self.seen:
                error("uscc", _("文件中重复的统一社会信用代码"))
            self.seen.add(uscc)
        data["leader_phone"] = self.optional(row, "leader_phone", values.phone, error)
        data["department"] = self.unit(row, "department", error)
        data["township"] = self.unit(row, "township", error)
        data["commissioners"] = []
        for name in split_names(row["commissioners"]):
            user = self.users.get(name)
            if user is None:
                error("commissioners", _("用户 %(u)s 不存在") % {"u": name})
            else:
                data["commissioners"].append(user)
        enterprise = self.existing.get(uscc)
        if enterprise is not None and uscc not in self.hidden:
            problems = services.check_assignment_units(
                data["department"], data["township"], enterprise
            )
            problems.update(services.check_commissioners(data["commissioners"]))
            for key, msg in problems.items():
                error(key, msg)
            data["enterprise"] = enterprise
        return data

    FIELDS = ("leader_name", "leader_title", "leader_phone", "department", "township")

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        created = updated = 0
        existing = {}
        for part in chunks(d["enterprise"].pk for _n, d in cleaned):
            existing.update(
                (a.enterprise_id, a) for a in Assignment.objects.filter(enterprise_id__in=part)
            )
        for _n, data in cleaned:
            a = existing.get(data["enterprise"].pk)
            if a is None and not any(data[f] for f in self.FIELDS + ("commissioners",)):
                continue  # an empty row (as exported for an enterprise without one) adds nothing
            a = a or Assignment(enterprise=data["enterprise"])
            created += a.pk is None
            updated += a.pk is not None
            for f in self.FIELDS:
                setattr(a, f, data[f])
            a.save()
            a.commissioners.set(data["commissioners"])
        return created, updated

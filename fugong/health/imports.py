"""The staff roster importer (template 姓名, 身份证号, 手机号, 部门, 是否住厂, 是否闭环): for the
enterprise of the importing account; a person already on the roster (same ID number) is
updated. Same error report and atomicity as every import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core import crypto, values
from fugong.core.excel import Column, Importer, register_importer
from fugong.core.permissions import SYSTEM
from fugong.registry.models import Enterprise, enterprise_id_of

from . import services
from .models import Employee

if TYPE_CHECKING:
    from typing import Any

    from fugong.core.excel import Cleaned, ErrorSink
    from fugong.core.permissions import Actor


@register_importer
class RosterImporter(Importer):
    kind = "roster"
    title = gettext_lazy("员工名册")
    columns = [
        Column("name", "姓名", ("name",), True, "张三", 10),
        Column("id_number", "身份证号", ("id_number", "身份证"), True, "22240119900307271X", 22),
        Column("phone", "手机号", ("phone", "手机"), False, "13904331234", 14),
        Column("department", "部门", ("department",), False, "生产车间", 14),
        Column("lives_on_site", "是否住厂", ("lives_on_site", "住厂"), False, "否", 10),
        Column("in_bubble", "是否闭环", ("in_bubble", "闭环"), False, "是", 10),
    ]

    @classmethod
    def allowed(cls, user: Actor) -> bool:
        return user.works_for_enterprise and bool(enterprise_id_of(user))

    def __init__(self, user: Actor = SYSTEM) -> None:
        super().__init__(user)
        pk = enterprise_id_of(user)
        self.enterprise = Enterprise.objects.filter(pk=pk).first() if pk else None

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.seen = {}
        self.existing = {}
        if self.enterprise is not None:
            self.existing = {
                e.id_hash: e for e in Employee.objects.filter(enterprise=self.enterprise)
            }

    def clean_row(
        self, row: dict[str, str], error: ErrorSink
    ) -> tuple[dict[str, str] | None, dict[str, Any], int] | None:
        if self.enterprise is None:
            raise ValidationError(_("请以企业防疫专员的账号导入（命令行：--user 防疫专员用户名）"))
        person = None
        if row["phone"]:
            try:  # +86, spaces, hyphens and numbers stored as numbers
                row = {**row, "phone": values.phone(row["phone"])}
            except ValidationError:
                pass  # clean_person names the rule
        try:
            person = services.clean_person(row)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                error(key, messages[0])
        flags = {}
        for key in ("lives_on_site", "in_bubble"):
            try:
                flags[key] = values.yes_no(row[key], default=False)
            except ValidationError as exc:
                error(key, exc.messages[0])
                flags[key] = False
        if person is None:
            return None
        index = crypto.blind_index(person["id_number"])
        if index in self.seen:
            error("id_number", _("与第%(n)d行的身份证号重复") % {"n": self.seen[index]})
        self.seen[index] = row["_row"]
        return person, {"department": row["department"], **flags}, index

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        new, changed = [], []
        for _n, (person, data, index) in cleaned:
            employee = self.existing.get(index)
            if employee is None:
                employee = Employee(enterprise=self.enterprise)
                new.append(employee)
            else:
                changed.append(employee)
            services.fill_employee(employee, person, data)
            employee.active = True
        Employee.objects.bulk_create(new, batch_size=1000)
        Employee.objects.filter(enterprise=self.enterprise).bulk_update(
            changed,
            [
                "name",
                "id_enc",
                "id_hash",
                "phone_enc",
                "phone_hash",
                "department",
                "lives_on_site",
                "in_bubble",
                "active",
            ],
            batch_size=1000,
        )
        return len(new), len(changed)

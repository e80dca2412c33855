"""The utility's sheet (registered with core.excel as `power`): 统一社会信用代码, 日期,
用电量（千瓦时）, one row per enterprise and day."""

from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fugong.core.excel import Column, register_importer
from fugong.registry.imports import ScopedImporter

from . import services


@register_importer
class PowerImporter(ScopedImporter):
    kind = "power"
    title = _l("企业日用电量")
    columns = [
        Column("uscc", "统一社会信用代码", ("uscc",), True, "91222401MA0Y3K7X1B", 22),
        Column("date", "日期", ("date", "day"), True, "2020-02-14", 12),
        Column(
            "kwh",
            "用电量（千瓦时）",
            ("用电量(千瓦时)", "用电量", "kwh", "用电量（kwh）", "用电量(kwh)"),
            True,
            "1250.5",
            16,
        ),
    ]

    def prepare(self, rows):
        self.existing, self.hidden = self.visible_enterprises(
            {row["uscc"].strip().upper() for row in rows}
        )
        self.seen = {}
        self.today = timezone.localdate()

    def clean_row(self, row, error):
        uscc = self.clean_uscc(row, error)
        day = self.parse_date(row["date"], "date", error)
        if day and day > self.today:
            error("date", _("日期不能晚于今天"))
        enterprise = self.existing.get(uscc) if uscc and uscc not in self.hidden else None
        if uscc and enterprise is None:
            error("uscc", _("企业 %(c)s 不存在或不在您的管辖范围内") % {"c": uscc})
        try:
            kwh = Decimal(row["kwh"].replace(",", ""))
            if not kwh.is_finite() or kwh < 0:
                raise InvalidOperation
            kwh = kwh.quantize(Decimal("0.01"))
            if kwh >= Decimal("1e12"):
                raise InvalidOperation
        except InvalidOperation:
            error("kwh", _("用电量应为不小于 0 的数字（千瓦时）"))
            kwh = None
        if uscc and day:
            first = self.seen.setdefault((uscc, day), row["_row"])
            if first != row["_row"]:
                error("uscc", _("文件中重复：与第%(n)d行是同一企业同一天") % {"n": first})
        if enterprise is None or day is None or kwh is None:
            return None
        return enterprise.pk, day, kwh

    def write(self, cleaned):
        return services.save_readings([value for _n, value in cleaned])

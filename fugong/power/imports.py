"""The utility's sheet (registered with core.excel as `power`): 统一社会信用代码 or 用电户号 (the
account number on the enterprise), 日期, 用电量（千瓦时）, one row per enterprise and day."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.excel import Column, register_importer
from fugong.registry.imports import ScopedImporter
from fugong.registry.models import Enterprise

from . import services

if TYPE_CHECKING:
    from fugong.core.excel import Cleaned, ErrorSink
    from fugong.power.services import ReadingRow


@register_importer
class PowerImporter(ScopedImporter):
    kind = "power"
    title = gettext_lazy("企业日用电量")
    columns = [
        Column("uscc", "统一社会信用代码", ("uscc",), False, "91222401MA0Y3K7X1B", 22),
        Column("account", "用电户号", ("power_account", "account", "户号"), False, "", 16),
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

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.existing, self.hidden = self.visible_enterprises(
            {row["uscc"].strip().upper() for row in rows if row["uscc"]}
        )
        accounts = {row["account"] for row in rows if row["account"] and not row["uscc"]}
        by_account = Enterprise.objects.filter(power_account__in=accounts)
        self.accounts = {e.power_account: e for e in by_account}
        if not self.user.is_admin:
            visible = set(by_account.visible_to(self.user).values_list("pk", flat=True))
            self.accounts = {a: e for a, e in self.accounts.items() if e.pk in visible}
        self.seen = {}
        self.today = timezone.localdate()

    def clean_row(self, row: dict[str, str], error: ErrorSink) -> ReadingRow | None:
        if not row["uscc"]:
            return self.clean_reading(row, error, self._by_account(row, error))
        uscc = self.clean_uscc(row, error)
        enterprise = self.existing.get(uscc) if uscc and uscc not in self.hidden else None
        if uscc and enterprise is None:
            error("uscc", _("企业 %(c)s 不存在或不在您的管辖范围内") % {"c": uscc})
        return self.clean_reading(row, error, enterprise)

    def _by_account(self, row: dict[str, str], error: ErrorSink) -> Enterprise | None:
        if not row["account"]:
            error("uscc", _("统一社会信用代码和用电户号至少填一项"))
            return None
        enterprise = self.accounts.get(row["account"])
        if enterprise is None:
            error("account", _("用电户号 %(a)s 不属于您管辖范围内的企业") % {"a": row["account"]})
        return enterprise

    def clean_reading(
        self, row: dict[str, str], error: ErrorSink, enterprise: Enterprise | None
    ) -> ReadingRow | None:
        """The reading of a row whose enterprise is found (or reported missing)."""
        day = self.parse_date(row["date"], "date", error)
        if day and day > self.today:
            error("date", _("日期不能晚于今天"))
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
        if enterprise is not None and day:
            first = self.seen.setdefault((enterprise.pk, day), row["_row"])
            if first != row["_row"]:
                error("uscc", _("文件中重复：与第%(n)d行是同一企业同一天") % {"n": first})
        if enterprise is None or day is None or kwh is None:
            return None
        return enterprise.pk, day, kwh

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        return services.save_readings([value for _n, value in cleaned])

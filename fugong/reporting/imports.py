"""The township's daily-report sheet (registered with core.excel as `reports`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core import bulk, values
from fugong.core.excel import Column, register_importer
from fugong.core.imports import choice_lookup
from fugong.registry.imports import ScopedImporter

from . import services
from .models import DailyReport, Mode, Status

if TYPE_CHECKING:
    from datetime import date

    from fugong.core.excel import Cleaned, ErrorSink
    from fugong.core.models import Campaign
    from fugong.registry.models import Enterprise


@register_importer
class ReportImporter(ScopedImporter):
    kind = "reports"
    title = gettext_lazy("企业日报")
    columns = [
        Column("uscc", "统一社会信用代码", ("uscc",), True, "91222401MA0Y3K7X1B", 22),
        Column("date", "日期", ("date",), True, "2020-02-14", 12),
        Column("status", "复工状态", ("status",), True, "复工", 10),
        Column("mode", "生产模式", ("mode",), False, "正常生产", 10),
        Column("staff_on_duty", "在岗人数", ("staff_on_duty", "on_duty"), False, "260", 10),
        Column("staff_total", "职工总数", ("staff_total",), False, "303", 10),
        Column("output", "当日产值(万元)", ("output", "当日产值"), False, "12.5", 12),
        Column(
            "capacity_utilisation",
            "产能利用率(%)",
            ("capacity_utilisation", "产能利用率"),
            False,
            "85",
            12,
        ),
        Column("material_days", "原材料可用天数", ("material_days",), False, "7", 12),
        Column("difficulties", "困难诉求", ("difficulties",), False, "原料运输受阻", 30),
        Column("masks_needed", "口罩需求(只)", ("masks_needed",), False, "", 12),
        Column("disinfectant_needed", "消毒液需求(吨)", ("disinfectant_needed",), False, "", 12),
        Column("thermometers_needed", "体温计需求(个)", ("thermometers_needed",), False, "", 12),
        Column("workers_short", "用工缺口(人)", ("workers_short",), False, "", 12),
        Column("funding_needed", "资金需求(万元)", ("funding_needed",), False, "", 12),
    ]
    STATUSES = choice_lookup(
        Status.choices, {"已复工": "full", "停产": "not_resumed", "部分": "partial"}
    )
    MODES = choice_lookup(Mode.choices, {"正常": "normal", "闭环": "closed_loop"})

    # number columns and the unit they are kept in (`2.3亿` in 万元 is 23000, `1,200人` is 1200)
    NUMBERS = {
        "staff_on_duty": "",
        "staff_total": "",
        "output": "万元",
        "capacity_utilisation": "",
        "material_days": "",
        "masks_needed": "",
        "disinfectant_needed": "",
        "thermometers_needed": "",
        "workers_short": "",
        "funding_needed": "万元",
    }

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.existing, self.hidden = self.visible_enterprises(self.usccs(rows))
        self.seen = {}

    def clean_row(
        self, row: dict[str, str], error: ErrorSink
    ) -> tuple[Campaign | None, Enterprise, date, dict] | None:
        uscc = self.clean_uscc(row, error)
        day = self.parse_date(row["date"], "date", error)
        enterprise = self.existing.get(uscc) if uscc and uscc not in self.hidden else None
        if uscc and enterprise is None:
            error("uscc", _("企业 %(c)s 不存在或不在您的管辖范围内") % {"c": uscc})
        if uscc and day:
            first = self.seen.setdefault((uscc, day), row["_row"])
            if first != row["_row"]:
                error("uscc", _("文件中重复：与第%(n)d行是同一企业同一天") % {"n": first})
        data = {c.key: row[c.key] for c in self.columns}
        for key, unit in self.NUMBERS.items():
            if data[key]:
                try:
                    data[key] = values.number_text(data[key], unit)
                except ValidationError:
                    pass  # validate_report names the rule
        data["status"] = self.STATUSES.get(row["status"].lower())
        data["mode"] = self.MODES.get(row["mode"].lower()) if row["mode"] else "normal"
        if row["mode"] and data["mode"] is None:
            data["mode"] = row["mode"]  # validate_report names the rule
        if enterprise is None or day is None:
            return None
        campaign = services.campaign_for(enterprise, day)
        if campaign is not None:  # the campaign's extra fields, by label or key
            by_header = {}
            for spec in campaign.report_fields:
                by_header[spec["label"]] = by_header[spec["key"]] = spec["key"]
            data["extra"] = {by_header[h]: v for h, v in row["_other"].items() if h in by_header}
        try:
            clean = services.validate_report(campaign, enterprise, day, data)
        except ValidationError as exc:
            labels = (
                {f"extra.{f['key']}": f["label"] for f in campaign.report_fields}
                if (campaign)
                else {}
            )
            for key, messages in exc.message_dict.items():
                error("uscc" if key == "enterprise" else labels.get(key, key), messages[0])
            return None
        return campaign, enterprise, day, clean

    def write(self, cleaned: Cleaned) -> tuple[int, int]:
        created = updated = 0
        current = {}  # the reports these rows would replace
        days = DailyReport.objects.filter(date__in={d for _n, (_c, _e, d, _v) in cleaned})
        for qs in bulk.matching(days, "enterprise_id", {e.pk for _n, (_c, e, _d, _v) in cleaned}):
            current.update(((r.campaign_id, r.enterprise_id, r.date), r) for r in qs)
        for _n, (campaign, enterprise, day, clean) in cleaned:
            same = current.get((campaign.pk, enterprise.pk, day))
            if same is not None and all(getattr(same, k) == v for k, v in clean.items()):
                continue  # as reported already (an exported sheet read back): no new version
            report = services.save_report(self.user, campaign, enterprise, day, clean, "import")
            created += report.version == 1
            updated += report.version > 1
        return created, updated

"""`fugong import chat FILE.txt`: an exported group chat into work orders; `fugong import
catalogue FILE.xlsx` (and the import page): the dispatch catalogue (派单目录)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.excel import (
    Column,
    Importer,
    ImportRejected,
    ImportReport,
    RowError,
    register_importer,
    register_text_importer,
)
from fugong.core.imports import choice_lookup
from fugong.core.models import Campaign, Region, Unit
from fugong.core.validators import normalize_region_code
from fugong.registry.models import Enterprise

from . import services
from .models import CatalogueEntry, Category
from .services.catalogue import check_line, may_edit_catalogue, same_conditions


@register_text_importer("chat")
def import_chat(user, text, skip_bad=False):
    proposals = services.preview_chat(user, text)
    report = ImportReport(kind="chat", rows=len(proposals))
    report.errors = [RowError(p.line, p.sender, p.reason) for p in proposals if p.reason]
    report.skipped_rows = report.bad_rows
    if not proposals:
        report.errors.append(RowError(0, "", _("没有可以形成工单的消息")))
        return report
    if report.errors and not skip_bad:
        return report
    report.created = len(services.import_chat(user, proposals))
    report.written = True
    return report


@register_importer
class CatalogueImporter(Importer):
    """Lines of the dispatch catalogue; a line with the same campaign, region, category,
    keywords and scale is updated (its unit), any other is added."""

    kind = "catalogue"
    title = gettext_lazy("派单目录")
    columns = [
        Column("campaign", "应急事件", ("campaign",), True, "本轮应急", 20),
        Column("region", "行政区划代码", ("region", "region_code"), True, "222401"),
        Column("category", "问题类别", ("category", "类别"), False, "物流运输"),
        Column("keywords", "关键词", ("keywords",), False, "通行证、货车", 24),
        Column("scale", "企业规模", ("scale", "规模"), False, "规上"),
        Column("unit", "承办单位编码", ("unit", "unit_code", "承办单位"), True, "222401-jtj", 20),
    ]
    SCALES = choice_lookup(Enterprise.Scale.choices, {"规模以上": "above", "规模以下": "below"})

    @classmethod
    def allowed(cls, user):
        return user is None or may_edit_catalogue(user)

    def prepare(self, rows):
        self.campaigns = {c.name: c for c in Campaign.objects.select_related("region")}
        self.regions = {r.code: r for r in Region.objects.all()}
        self.units = {u.code: u for u in Unit.objects.select_related("region")}
        self.categories = {}
        for category in Category.objects.all():
            self.categories[category.name] = self.categories[category.code] = category
        self.seen = set()

    def clean_row(self, row, error):
        campaign = self.campaigns.get(row["campaign"].strip())
        if campaign is None:
            error("campaign", _("没有名为“%(c)s”的应急事件") % {"c": row["campaign"]})
        try:
            region = self.regions.get(normalize_region_code(row["region"]))
        except ValidationError as exc:
            error("region", exc.messages[0])
            return None
        if region is None:
            error("region", _("行政区划代码 %(c)s 不存在") % {"c": row["region"]})
        category = None
        if row["category"].strip():
            category = self.categories.get(row["category"].strip())
            if category is None:
                error("category", _("未知问题类别：%(c)s") % {"c": row["category"]})
        scale = ""
        if row["scale"].strip():
            scale = self.SCALES.get(row["scale"].strip().lower(), "")
            if not scale:
                error("scale", _("企业规模应为 规上 或 规下"))
        unit = self.units.get(row["unit"].strip())
        if unit is None:
            error("unit", _("单位编码 %(c)s 不存在") % {"c": row["unit"]})
        if campaign is None or region is None or unit is None:
            return None
        line = CatalogueEntry(
            campaign=campaign,
            region=region,
            category=category,
            keywords=row["keywords"].strip(),
            scale=scale,
            unit=unit,
        )
        line.keywords = "、".join(line.keyword_list)
        key = (campaign.pk, region.pk, getattr(category, "pk", None), line.keywords, scale)
        if key in self.seen:
            error("", _("文件中重复的目录条件"))
        self.seen.add(key)
        return line

    def write(self, cleaned):
        created = updated = 0
        for n, line in cleaned:
            existing = same_conditions(line).first()
            if existing is not None:
                if existing.unit_id == line.unit_id:
                    continue
                existing.unit = line.unit
                line = existing
            try:
                check_line(self.user, line)
            except ValidationError as exc:
                raise ImportRejected([RowError(n, "", m) for m in exc.messages]) from exc
            created += line.pk is None
            updated += line.pk is not None
            line.save()
        return created, updated

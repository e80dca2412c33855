"""Daily enterprise reports and the per-day status rollup the statistics read.

`DayStatus` holds, for every campaign day up to the materialised horizon, each enterprise's
status *as of that day*: the values of its latest report dated on or before the day (the status
carries forward). It is maintained on every report write and rolled forward one day at a time
(by the periodic job, or on first read of a new day), so statistics never scan the reports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign
from fugong.registry.models import Enterprise, ScopedQuerySet


class Status(models.TextChoices):
    FULL = "full", _("复工")
    PARTIAL = "partial", _("部分复工")
    NOT_RESUMED = "not_resumed", _("未复工")


class Mode(models.TextChoices):
    NORMAL = "normal", _("正常生产")
    CLOSED_LOOP = "closed_loop", _("闭环生产")


class Channel(models.TextChoices):
    H5 = "h5", _("企业填报")
    COMMISSIONER = "commissioner", _("特派员代报")
    IMPORT = "import", _("街镇批量导入")
    API = "api", _("接口")


REPORT_FIELDS = (
    "status",
    "mode",
    "staff_on_duty",
    "staff_total",
    "output",
    "output_unit",
    "capacity_utilisation",
    "material_days",
    "masks_needed",
    "disinfectant_needed",
    "thermometers_needed",
    "workers_short",
    "funding_needed",
    "difficulties",
    "extra",
)


# the report's figures: pre-filled from the previous report, correctable while confirming
FIGURE_FIELDS = (
    "status",
    "mode",
    "staff_on_duty",
    "staff_total",
    "output",
    "capacity_utilisation",
    "material_days",
)


class DailyReport(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="reports"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="reports"
    )
    date = models.DateField(_("日期"))
    status = models.CharField(_("复工状态"), max_length=12, choices=Status.choices)
    mode = models.CharField(_("生产模式"), max_length=12, choices=Mode.choices, default=Mode.NORMAL)
    staff_on_duty = models.PositiveIntegerField(_("在岗人数"), default=0)
    staff_total = models.PositiveIntegerField(_("职工总数"), default=0)
    output = models.DecimalField(
        _("当日产值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    output_unit = models.CharField(_("产值单位"), max_length=20, default="万元")
    capacity_utilisation = models.DecimalField(
        _("产能利用率(%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    material_days = models.PositiveIntegerField(_("原材料可用天数"), null=True, blank=True)
    masks_needed = models.PositiveIntegerField(_("口罩需求(只)"), default=0)
    disinfectant_needed = models.DecimalField(
        _("消毒液需求(吨)"), max_digits=10, decimal_places=2, default=0
    )
    thermometers_needed = models.PositiveIntegerField(_("体温计需求(个)"), default=0)
    workers_short = models.PositiveIntegerField(_("用工缺口(人)"), default=0)
    funding_needed = models.DecimalField(
        _("资金需求(万元)"), max_digits=12, decimal_places=2, default=0
    )
    difficulties = models.TextField(_("困难诉求"), blank=True)
    extra = models.JSONField(_("附加字段"), default=dict, blank=True)
    channel = models.CharField(_("填报渠道"), max_length=12, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("填报时间"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    # timeliness: when the day's first version arrived and whether that was by the deadline
    # (None on reports older than the campaign's window settings)
    arrived_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时报送"), null=True)
    # soft rules and statistical outliers it fails, for the township to confirm or correct:
    # [{"rule", "field", "message"}] (README "Validation and outliers")
    flags = models.JSONField(_("待核实"), default=list, blank=True)
    flagged = models.BooleanField(_("有待核实项"), default=False, db_index=True)
    # 逐级审核: the township's (or park's) confirmation of this day's report
    confirmed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业日报")
        verbose_name_plural = _("企业日报")
        ordering = ["-date", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "enterprise", "date"], name="one_report_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "campaign", "date"]),
            # completeness of a day reads only these columns of the day's reports: an
            # index-only scan on PostgreSQL (INCLUDE is ignored elsewhere)
            models.Index(
                fields=["campaign", "date"],
                include=["enterprise", "on_time", "confirmed_at"],
                name="report_day_completeness",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.enterprise}"

    @property
    def resumed(self):
        return self.status in (Status.FULL, Status.PARTIAL)


class DayReopening(models.Model):
    """A command centre reopened one enterprise's locked day (with a reason, audited): reports
    for that day are accepted again until `open_until`."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("数据日"))
    reason = models.CharField(_("重新开放原因"), max_length=255)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopened_at = models.DateTimeField(_("开放时间"))
    open_until = models.DateTimeField(_("开放至"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("重新开放的填报日")
        verbose_name_plural = _("重新开放的填报日")
        ordering = ["-reopened_at"]
        indexes = [models.Index(fields=["campaign", "enterprise", "day"])]

    def __str__(self):
        return f"{self.day} {self.enterprise_id}"


class CorrectionQuerySet(ScopedQuerySet):
    scope_prefix = "report__enterprise__"


class ReportCorrection(models.Model):
    """A township's correction of a report while confirming it: the figures before and after
    and who changed them (逐级审核)."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="corrections")
    before = models.JSONField(_("更正前"))
    after = models.JSONField(_("更正后"))
    reason = models.CharField(_("更正原因"), max_length=255)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(_("更正时间"))

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("日报更正")
        verbose_name_plural = _("日报更正")
        ordering = ["-corrected_at"]

    def __str__(self):
        return f"{self.report} {self.corrected_at:%Y-%m-%d %H:%M}"


class TownshipConfirmation(models.Model):
    """The county's confirmation of one township's (or park's) confirmed reports for a day."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("数据日"))
    region = models.ForeignKey(
        "core.Region", verbose_name=_("街镇/园区"), on_delete=models.CASCADE, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("审核时间"))

    class Meta:
        verbose_name = _("街镇审核")
        verbose_name_plural = _("街镇审核")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "region"], name="one_township_confirmation_per_day"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.region_id}"


class DailyReportVersion(models.Model):
    """An earlier version of a report, kept when the same day's report is submitted again."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    channel = models.CharField(max_length=12, choices=Channel.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="one_row_per_version")
        ]

    def __str__(self):
        return f"{self.report} v{self.version}"


class DayStatus(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # indexed with the campaign and day (Meta): an index of the enterprise alone made the
    # planner read all of an enterprise's days to find one (bench/RESULTS.md)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="day_statuses", db_index=False
    )
    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.NORMAL)
    # the report giving this status was confirmed by the township (逐级审核)
    confirmed = models.BooleanField(default=False)
    staff_on_duty = models.PositiveIntegerField()
    staff_total = models.PositiveIntegerField()
    output = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    capacity_utilisation = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    reported_today = models.BooleanField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "enterprise"], name="one_status_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "campaign", "day"], name="status_of_enterprise")
        ]

    def __str__(self):
        return f"{self.day} {self.enterprise_id} {self.status}"


class Horizon(models.Model):
    """The last day for which a campaign's DayStatus rows have been rolled forward."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="+")
    through = models.DateField()

    def __str__(self):
        return f"{self.campaign_id} → {self.through}"


class ReminderRun(models.Model):
    """One reminder time of a campaign's data day that was sent (each is sent once)."""

    class Kind(models.TextChoices):
        PENDING = "pending", _("截止前提醒")
        OVERDUE = "overdue", _("逾期催报")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    at = models.TimeField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    missing = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "at"], name="one_reminder_run")
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.at} {self.kind}"


class Summary(models.Model):
    """A day's completeness summary sent to the command centre's group bots (sent once)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    text = models.TextField()
    sent_to = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day"], name="one_summary_per_day")
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day}"


class DaySums(models.Model):
    """The sums of a group of enterprises' DayStatus rows on one day (services.figures reads
    them with the registry's denominators)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    region = models.ForeignKey("core.Region", on_delete=models.CASCADE, related_name="+")
    resumed_full = models.PositiveIntegerField(default=0)
    resumed_partial = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)
    reported_today = models.PositiveIntegerField(default=0)
    staff_on_duty = models.PositiveBigIntegerField(default=0)
    staff_total_reported = models.PositiveBigIntegerField(default=0)
    registry_staff_reported = models.PositiveBigIntegerField(default=0)
    output = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    capacity_sum = models.DecimalField(max_digits=18, decimal_places=1, default=0)
    capacity_n = models.PositiveIntegerField(default=0)
    # for the output-weighted shares (shares.py): the resumed and those resumed in closed-loop
    # production, their confirmed statuses, day output and the registry's annual output
    confirmed = models.PositiveIntegerField(default=0)
    resumed_confirmed = models.PositiveIntegerField(default=0)
    resumed_output = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    resumed_annual = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    closed_loop = models.PositiveIntegerField(default=0)
    closed_loop_confirmed = models.PositiveIntegerField(default=0)
    closed_loop_output = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    closed_loop_annual = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        abstract = True


class RegionDay(DaySums):
    """Per campaign, day and leaf region: the sums of its enterprises' DayStatus rows, kept in
    step with them (rollups.recompute_region_days), so that a series over many days reads a
    few hundred rows instead of every enterprise's."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "region"], name="one_row_per_region_day"
            )
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.region_id}"


class SegmentDay(DaySums):
    """Per campaign, day, leaf region, industry division and scale (region and scale as of
    the day, README "As of day D"): the same sums as RegionDay, kept in step with it, so that
    statistics filtered by industry or scale read the rollup too."""

    industry_section = models.CharField(max_length=1)
    industry_division = models.CharField(max_length=2)
    scale = models.CharField(max_length=5)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "region", "industry_division", "scale"],
                name="one_row_per_segment_day",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "industry_division", "day"]),
            models.Index(fields=["campaign", "scale", "day"]),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.region_id} {self.industry_division}"


class ScaleDay(DaySums):
    """Per campaign, day, leaf region and scale (both as of the day): SegmentDay's sums over
    every industry, so that statistics filtered by scale alone read a few rows a day."""

    scale = models.CharField(max_length=5)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "region", "scale"], name="one_row_per_scale_day"
            )
        ]
        indexes = [models.Index(fields=["campaign", "scale", "day"])]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.region_id} {self.scale}"


class ListDay(DaySums):
    """Per campaign, day, enterprise list, leaf region and scale (membership, region and
    scale as of the day): the sums of the list's members, so that statistics filtered by a
    list (or a campaign reporting by one) read the rollup, not every member's status row."""

    list = models.ForeignKey("registry.EnterpriseList", on_delete=models.CASCADE, related_name="+")
    scale = models.CharField(max_length=5)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "list", "region", "scale"],
                name="one_row_per_list_day",
            )
        ]
        indexes = [models.Index(fields=["campaign", "list", "day"])]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.list_id} {self.region_id} {self.scale}"


class ListDayPending(models.Model):
    """A leaf region whose ListDay rows are stale from `since` on: a list membership of one of
    its enterprises was added, ended, re-dated or deleted. The list statistics read the status
    rows while any region is pending, and the worker recomputes the rows and clears the marks
    (`rollups.settle_list_days`), so that a spreadsheet of 10,000 memberships costs one
    recomputation per region, not one per row."""

    region = models.OneToOneField("core.Region", on_delete=models.CASCADE, related_name="+")
    since = models.DateField()

    def __str__(self):
        return f"{self.region_id} {self.since}"

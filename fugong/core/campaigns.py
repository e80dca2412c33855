"""The campaign (an emergency response period): its region and dates, modules, extra report
fields, checklist, SLA defaults, and the daily report's window, scope, rules and reminders."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .stamps import Stamp


def _clock(text) -> time | None:
    """ "HH:MM" as a time, or None."""
    try:
        return time.fromisoformat(text) if isinstance(text, str) and len(text) == 5 else None
    except ValueError:
        return None


class Campaign(models.Model):
    """An emergency response period. It owns reports, applications, passes and work orders, so
    the next emergency needs configuration, not code."""

    class Module(models.TextChoices):
        REPORTS = "reports", _("企业日报")
        WORKORDERS = "workorders", _("问题工单")
        APPROVALS = "approvals", _("复工备案与闭环生产")
        PASSES = "passes", _("通行证")
        HEALTH = "health", _("员工健康")

    FIELD_TYPES = ("number", "percent", "choice", "text")

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    modules = models.JSONField(_("启用模块"), default=list, blank=True)
    report_fields = models.JSONField(_("日报附加字段"), default=list, blank=True)
    checklist = models.JSONField(_("检查清单"), default=list, blank=True)
    sla = models.JSONField(_("时限默认值"), default=dict, blank=True)
    report_due_time = models.TimeField(_("日报截止时间"), default=time(12, 0))

    class DataDay(models.TextChoices):
        SAME = "same", _("当日（截止时间前报当天情况）")
        PREVIOUS = "previous", _("前一日（截止时间前报前一天末的情况）")

    # the daily report's window (README "Daily reports: windows and timeliness"): which day a
    # report describes, the days it is due, how long a day stays open after its deadline
    report_data_day = models.CharField(
        _("日报数据日"), max_length=8, choices=DataDay.choices, default=DataDay.SAME
    )
    report_weekdays = models.JSONField(
        _("应报星期"), default=list, blank=True, help_text=_("1=星期一 … 7=星期日；留空为每天")
    )
    report_open_days = models.PositiveSmallIntegerField(
        _("截止后开放天数"),
        null=True,
        blank=True,
        help_text=_("截止后再过几天锁定该日；留空为不锁定"),
    )
    late_reports_count = models.BooleanField(_("迟报计入已报"), default=True)
    # the reporting scope: which enterprises are expected to report (as of each day)
    report_scale = models.CharField(
        _("应报范围：规模"),
        max_length=5,
        blank=True,
        choices=[("above", _("规上")), ("below", _("规下"))],
    )
    report_list = models.CharField(
        _("应报范围：名单"), max_length=100, blank=True, help_text=_("名单名称；留空为全部企业")
    )

    # reminders to enterprises that have not reported the data day: clock times on the day of
    # the deadline ("HH:MM"; before the deadline "pending", after it "overdue"; empty: two hours
    # before the deadline) and the channels they go through
    class Channel(models.TextChoices):
        APP = "app", _("站内消息")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")
        BOT = "bot", _("群机器人（@联系人）")

    # key projects (fugong/projects) report daily through the same window and reminders
    project_reports = models.BooleanField(
        _("重点项目日报"), default=False, help_text=_("重点项目每日填报开复工状态、在场人数和问题")
    )

    reminder_times = models.JSONField(_("提醒时间"), default=list, blank=True)
    reminder_channels = models.JSONField(_("提醒渠道"), default=list, blank=True)
    # the daily report's plausibility rules and their levels (README "Validation"): overrides
    # of REPORT_RULES, e.g. {"staff_jump": "hard", "staff_jump_percent": 30}
    report_rules = models.JSONField(_("日报校验规则"), default=dict, blank=True)

    RULE_LEVELS = ("hard", "soft", "off")
    REPORT_RULES = {
        "output_capacity": "soft",  # the day's output above its annual output's daily share
        "output_capacity_factor": 3,
        "utilisation_range": "hard",  # capacity utilisation within 0–100
        "resumed_without_staff": "soft",  # 复工/部分复工 with nobody on duty
        "staff_jump": "soft",  # staff on duty against the previous report
        "staff_jump_percent": 50,
        "outlier": "soft",  # modified z-score within industry, region and day
        "outlier_threshold": 3.5,
    }

    class Meta:
        verbose_name = _("应急事件")
        verbose_name_plural = _("应急事件")
        ordering = ["-starts_on"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期")
        bad = [m for m in self.modules or [] if m not in self.Module.values]
        if bad:
            errors["modules"] = _("未知模块：%(m)s") % {"m": "、".join(map(str, bad))}
        errors.update(self._check_items("report_fields", self.report_fields, typed=True))
        errors.update(self._check_items("checklist", self.checklist, typed=False))
        weekdays = self.report_weekdays
        if not isinstance(weekdays, list) or any(
            not isinstance(d, int) or not 1 <= d <= 7 for d in weekdays
        ):
            errors["report_weekdays"] = _("应报星期应为 1（星期一）到 7（星期日）的列表")
        errors.update(self._check_rules())
        errors.update(self._check_reminders())
        if not isinstance(self.sla, dict) or any(
            not isinstance(v, int) or v <= 0 for v in self.sla.values()
        ):
            errors["sla"] = _("时限应为“名称: 小时数”（正整数）")
        if errors:
            raise ValidationError(errors)

    def rules(self) -> dict:
        """The campaign's report rules: REPORT_RULES with its overrides."""
        return {**self.REPORT_RULES, **(self.report_rules or {})}

    def _check_rules(self) -> dict:
        rules = self.report_rules
        if not isinstance(rules, dict) or any(k not in self.REPORT_RULES for k in rules):
            return {
                "report_rules": _("校验规则应为 %(k)s 中的键") % {"k": "、".join(self.REPORT_RULES)}
            }
        for key, value in rules.items():
            if isinstance(self.REPORT_RULES[key], str) and value not in self.RULE_LEVELS:
                return {"report_rules": _("%(k)s 应为 hard、soft 或 off") % {"k": key}}
            if not isinstance(self.REPORT_RULES[key], str) and (
                not isinstance(value, int | float) or isinstance(value, bool) or value <= 0
            ):
                return {"report_rules": _("%(k)s 应为正数") % {"k": key}}
        return {}

    def _check_reminders(self) -> dict:
        errors = {}
        times = self.reminder_times
        if not isinstance(times, list) or any(_clock(t) is None for t in times):
            errors["reminder_times"] = _('提醒时间应为“HH:MM”的列表，如 ["10:00", "14:00"]')
        channels = self.reminder_channels
        if not isinstance(channels, list) or any(c not in self.Channel.values for c in channels):
            errors["reminder_channels"] = _("提醒渠道应为 app、email、sms、bot 中的若干项")
        return errors

    def reminder_clock_times(self) -> list[time]:
        """The reminder times, sorted; by default two hours before the deadline."""
        if self.reminder_times:
            return sorted(_clock(t) for t in self.reminder_times)
        due = datetime.combine(date.min, self.report_due_time)
        return [(due - timedelta(hours=2)).time()] if due.hour >= 2 else [time(0, 0)]

    def _check_items(self, field, items, typed):
        if not isinstance(items, list):
            return {field: _("应为列表")}
        keys = set()
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict) or not item.get("key") or not item.get("label"):
                return {field: _("第%(i)d项缺少 key 或 label") % {"i": i}}
            if item["key"] in keys:
                return {field: _("第%(i)d项的 key 重复：%(k)s") % {"i": i, "k": item["key"]}}
            keys.add(item["key"])
            if typed:
                if item.get("type") not in self.FIELD_TYPES:
                    return {
                        field: _("第%(i)d项类型应为 number、percent、choice 或 text") % {"i": i}
                    }
                if item["type"] == "choice" and not item.get("choices"):
                    return {field: _("第%(i)d项为选择题但没有选项") % {"i": i}}
        return {}

    def is_active(self, day=None):
        day = day or timezone.localdate()
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    # --- the daily report's window ---------------------------------------------------------

    def report_due_on(self, day) -> bool:
        """Whether reports are due for data day `day` (inside the campaign, a due weekday)."""
        if not self.is_active(day):
            return False
        return not self.report_weekdays or day.isoweekday() in self.report_weekdays

    def report_deadline(self, day) -> datetime:
        """When the report for data day `day` is due (aware, local time)."""
        on = day + timedelta(days=1) if self.report_data_day == self.DataDay.PREVIOUS else day
        return timezone.make_aware(datetime.combine(on, self.report_due_time))

    def report_on_time(self, day, arrived_at) -> bool:
        """A report is on time when it arrived by the deadline of its data day `day`."""
        return arrived_at <= self.report_deadline(day)

    def reminder_slot(self, now) -> tuple[date, time, str] | None:
        """The reminder due at `now` (aware): (data day, clock time, "pending" before the
        deadline or "overdue" after it) — the latest time come today on the day of a due data
        day's deadline — or None. The caller sends each slot once."""
        now = timezone.localtime(now)
        day = self.report_data_day_at(timezone.make_aware(datetime.combine(now.date(), time(12))))
        if not self.report_due_on(day):
            return None
        come = [t for t in self.reminder_clock_times() if t <= now.time()]
        if not come:
            return None
        moment = timezone.make_aware(datetime.combine(now.date(), come[-1]))
        return day, come[-1], "pending" if moment < self.report_deadline(day) else "overdue"

    def report_locks_at(self, day) -> datetime | None:
        """When data day `day` stops taking reports, or None when days never lock."""
        if self.report_open_days is None:
            return None
        return self.report_deadline(day) + timedelta(days=self.report_open_days)

    def report_data_day_at(self, moment) -> date:
        """The data day a report made at `moment` describes by default."""
        today = timezone.localtime(moment).date()
        if self.report_data_day == self.DataDay.PREVIOUS:
            return today - timedelta(days=1)
        return today


class CampaignStamp(Stamp):
    """The stamp (`core.stamps`) that database triggers renew whenever campaigns or regions are
    written: a process keeps the campaign list it read for as long as the stamp it read with it
    is still the current one (`core.services.campaigns_on`)."""

    class Meta:
        verbose_name = _("应急事件版本")
        verbose_name_plural = _("应急事件版本")

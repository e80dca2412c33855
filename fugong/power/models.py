"""Daily electricity consumption per enterprise (the utility's sheet) and each campaign's
baseline per enterprise: the daily average of a calendar month, over the days with readings
(a day without a reading is no data, never zero)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign
from fugong.registry.models import Enterprise, ScopedQuerySet


class Reading(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="power_readings"
    )
    day = models.DateField(_("日期"))
    kwh = models.DecimalField(_("用电量（千瓦时）"), max_digits=14, decimal_places=2)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("日用电量")
        verbose_name_plural = _("日用电量")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "day"], name="one_reading_per_day")
        ]
        # a day's readings of a region, read from the index alone (kwh in its key: an
        # index-only scan on PostgreSQL, a covering index on SQLite), not from one heap page
        # per enterprise (readings arrive enterprise by enterprise)
        indexes = [models.Index(fields=["day", "enterprise", "kwh"], name="power_reading_day_kwh")]

    def __str__(self):
        return f"{self.enterprise_id} {self.day} {self.kwh}"


class Baseline(models.Model):
    """A campaign's baseline for one enterprise, recomputed whenever readings of its month are
    imported; an enterprise without readings in the month (or only zeros) has none."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="power_baselines"
    )
    month = models.DateField(_("基准月"))  # its first day
    days = models.PositiveSmallIntegerField(_("有读数的天数"))
    kwh_per_day = models.DecimalField(_("日均用电量（千瓦时）"), max_digits=14, decimal_places=3)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("用电基准")
        verbose_name_plural = _("用电基准")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "enterprise"], name="one_baseline")
        ]

    def __str__(self):
        return f"{self.enterprise_id} {self.month:%Y-%m} {self.kwh_per_day}"

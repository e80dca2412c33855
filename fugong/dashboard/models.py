"""Region boundaries for the map: one GeoJSON geometry per region, imported by an admin."""

from datetime import time

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Region


class Boundary(models.Model):
    region = models.OneToOneField(
        Region, verbose_name=_("行政区划"), on_delete=models.CASCADE, related_name="boundary"
    )
    geometry = models.JSONField(_("边界（GeoJSON 几何）"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("区划边界")
        verbose_name_plural = _("区划边界")

    def __str__(self):
        return f"{self.region.code} {self.region.name}"


class BriefSubscription(models.Model):
    """A leader's opt-in to the daily brief pushed at a set time: a group-bot message (their
    unit's bot) with the key figures and a link, and an e-mail with the PDF, each in the
    leader's own data scope."""

    user = models.OneToOneField(
        "core.User", verbose_name=_("用户"), on_delete=models.CASCADE, related_name="brief_push"
    )
    send_at = models.TimeField(_("推送时间"), default=time(8, 30))
    by_bot = models.BooleanField(_("推送到本单位群机器人"), default=True)
    by_email = models.BooleanField(_("发送 PDF 到邮箱"), default=True)
    last_sent_on = models.DateField(_("最近推送日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("领导日报推送")
        verbose_name_plural = _("领导日报推送")

    def __str__(self):
        return f"{self.user} {self.send_at:%H:%M}"

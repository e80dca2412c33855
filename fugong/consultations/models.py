"""Consultation lines (代帮办): free lines (legal, tax, human resources, psychological,
intellectual property …) with their numbers and hours, and the calls taken on them, each
logged against the enterprise; a call that needs action becomes a work order (through the
`consultation_needs_action` signal; the work-order app makes it)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Region, Unit
from fugong.core.validators import validate_phone
from fugong.registry.models import Enterprise, scope_q


class LineQuerySet(models.QuerySet):
    def serving(self, region: Region):
        """Active lines of `region` or the regions above it."""
        return self.filter(active=True, region__code__in=region.chain_codes)


class Line(models.Model):
    class Topic(models.TextChoices):
        LEGAL = "legal", _("法律咨询")
        TAX = "tax", _("财税咨询")
        HUMAN_RESOURCES = "human_resources", _("人力资源")
        PSYCHOLOGICAL = "psychological", _("心理疏导")
        INTELLECTUAL_PROPERTY = "ip", _("知识产权")
        FINANCING = "financing", _("融资服务")
        OTHER = "other", _("其他")

    name = models.CharField(_("热线名称"), max_length=100, unique=True)
    topic = models.CharField(_("咨询类别"), max_length=20, choices=Topic.choices)
    phone = models.CharField(_("电话号码"), max_length=20, validators=[validate_phone])
    hours = models.CharField(_("服务时间"), max_length=100, help_text=_("如：工作日 8:30–17:30"))
    region = models.ForeignKey(
        Region, verbose_name=_("服务区划"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("启用"), default=True)

    objects = LineQuerySet.as_manager()

    class Meta:
        verbose_name = _("代帮办热线")
        verbose_name_plural = _("代帮办热线")
        ordering = ["topic", "name"]

    def __str__(self):
        return self.name


class CallQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The enterprise scope, and the calls the user took."""
        q = scope_q(user, "enterprise__")
        if getattr(user, "pk", None) and user.is_active:
            q |= Q(taken_by=user)
        return self.filter(q)


class Call(models.Model):
    line = models.ForeignKey(
        Line, verbose_name=_("热线"), on_delete=models.PROTECT, related_name="calls"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="consultation_calls",
    )
    caller = models.CharField(_("来电人"), max_length=50, blank=True)
    question = models.TextField(_("咨询内容"))
    answer = models.TextField(_("答复"), blank=True)
    needs_action = models.BooleanField(_("需要办理"), default=False)
    action = models.TextField(_("需办理事项"), blank=True)
    work_order_id = models.PositiveIntegerField(_("工单编号"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("通话时长（分钟）"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接听人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("来电时间"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("来电记录")
        verbose_name_plural = _("来电记录")
        ordering = ["-taken_at", "-id"]

    def __str__(self):
        return f"{self.line} · {self.enterprise}"

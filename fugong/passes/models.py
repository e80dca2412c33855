"""Transport passes (通行证): a vehicle of an enterprise, its driver, route, cargo and validity,
approved by the transport department and verified at the roadside by its QR code."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Unit
from fugong.core.validators import validate_phone, validate_plate
from fugong.registry.models import Enterprise, ScopedQuerySet


class Pass(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已签发")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")
        REVOKED = "revoked", _("已吊销")

    class VehicleType(models.TextChoices):
        HEAVY_TRUCK = "heavy_truck", _("重型货车")
        LIGHT_TRUCK = "light_truck", _("轻型货车")
        VAN = "van", _("厢式货车")
        REFRIGERATED = "refrigerated", _("冷藏车")
        TANKER = "tanker", _("罐车/危化品车")
        BUS = "bus", _("客车（员工通勤）")
        CAR = "car", _("小型汽车")

    class Cargo(models.TextChoices):
        MATERIALS = "materials", _("生产原料")
        PRODUCTS = "products", _("产品")
        EPIDEMIC = "epidemic", _("防疫物资")
        LIVING = "living", _("生活物资")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("应急事件"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="passes"
    )
    plate = models.CharField(_("车牌号"), max_length=10, validators=[validate_plate])
    vehicle_type = models.CharField(_("车辆类型"), max_length=14, choices=VehicleType.choices)
    driver_name = models.CharField(_("驾驶员"), max_length=30)
    driver_phone = models.CharField(_("驾驶员电话"), max_length=20, validators=[validate_phone])
    origin = models.CharField(_("起点"), max_length=100)
    destination = models.CharField(_("终点"), max_length=100)
    via = models.CharField(_("途经"), max_length=200, blank=True)
    cargo = models.CharField(_("货物类别"), max_length=10, choices=Cargo.choices)
    cargo_note = models.CharField(_("货物说明"), max_length=200, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"))
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    issuing_unit = models.ForeignKey(
        Unit,
        verbose_name=_("签发单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("通行证")
        verbose_name_plural = _("通行证")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self):
        return f"{self.plate} {self.enterprise}"

    def status(self, today=None):
        """What a checkpoint is told: valid, expired, revoked, not_yet_valid (or the state of
        a pass never issued)."""
        today = today or timezone.localdate()
        if self.state == self.State.REVOKED:
            return "revoked"
        if self.state != self.State.APPROVED:
            return self.state
        if today < self.valid_from:
            return "not_yet_valid"
        if today > self.valid_until:
            return "expired"
        return "valid"

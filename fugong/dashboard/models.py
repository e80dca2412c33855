"""Region boundaries for the map: one GeoJSON geometry per region, imported by an admin."""

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

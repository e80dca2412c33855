"""The dispatch catalogue (派单目录): per campaign and region, which unit a kind of problem goes
to, with a default owner (兜底) for whatever the catalogue does not cover."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign, Region, Unit
from fugong.registry.models import Enterprise

from .orders import Category

KEYWORD_SPLIT = re.compile(r"[、,，;；\s]+")


class CatalogueEntry(models.Model):
    """One line of the catalogue: a category (optionally narrowed by keywords in the problem's
    text or the enterprise's scale) → the responsible unit. A line without a category is the
    region's default owner (兜底)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("应急事件"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("问题类别"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示兜底单位：目录未覆盖的问题都派给它"),
    )
    keywords = models.CharField(
        _("关键词"),
        max_length=200,
        blank=True,
        help_text=_("问题描述含任一关键词时适用，用顿号分隔"),
    )
    scale = models.CharField(
        _("企业规模"), max_length=5, choices=Enterprise.Scale.choices, blank=True
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["campaign", "region__code", "category__position", "keywords", "id"]

    def __str__(self):
        return f"{self.category or _('兜底')} → {self.unit}"

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in KEYWORD_SPLIT.split(self.keywords) if k]

    @property
    def is_default(self) -> bool:
        return self.category_id is None

    def specificity(self) -> int:
        """How narrow the line is: a category beats the default owner, keywords and a scale
        narrow further."""
        return 4 * (self.category_id is not None) + 2 * bool(self.keywords) + bool(self.scale)

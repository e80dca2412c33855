from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import MultipleFileField, MultipleFileInput
from fugong.core.models import Region, Unit

from .models import CatalogueEntry, Category
from .services.cohandling import ASSISTING_KINDS

NEED_FIELDS = ("masks", "disinfectant", "thermometers", "workers", "loans")


class ProblemForm(forms.Form):
    text = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    masks = forms.IntegerField(label=_("口罩需求(只)"), required=False, min_value=1)
    disinfectant = forms.DecimalField(
        label=_("消毒液/酒精需求(吨)"), required=False, min_value=0.01, decimal_places=2
    )
    thermometers = forms.IntegerField(label=_("体温计需求(个)"), required=False, min_value=1)
    workers = forms.IntegerField(label=_("用工缺口(人)"), required=False, min_value=1)
    loans = forms.DecimalField(label=_("资金需求(万元)"), required=False, min_value=0.01)
    other_label = forms.CharField(label=_("其他需求名称"), required=False, max_length=50)
    other_amount = forms.DecimalField(label=_("其他需求数量"), required=False, min_value=0.01)
    other_unit = forms.CharField(label=_("其他需求单位"), required=False, max_length=10)
    files = MultipleFileField(
        label=_("照片或附件（PDF、图片、Office，每个不超过 20 MB）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}),
    )

    def clean(self):
        data = super().clean()
        other = [data.get("other_label"), data.get("other_amount"), data.get("other_unit")]
        if any(other) and not all(other):
            self.add_error("other_label", _("其他需求须同时填写名称、数量和单位"))
        return data

    def needs(self):
        lines = [
            {"kind": k, "requested": self.cleaned_data[k]}
            for k in NEED_FIELDS
            if self.cleaned_data.get(k)
        ]
        if self.cleaned_data.get("other_amount"):
            lines.append(
                {
                    "kind": "other",
                    "label": self.cleaned_data["other_label"],
                    "unit": self.cleaned_data["other_unit"],
                    "requested": self.cleaned_data["other_amount"],
                }
            )
        return lines


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs={"data-search": ""}),  # Tom Select (static/fugong/forms.js)
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.all(), required=False
    )
    rating = forms.TypedChoiceField(
        label=_("评价"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(i, _("%(n)d 星") % {"n": i}) for i in range(1, 6)],
        widget=forms.RadioSelect(attrs={"class": "fg-star-input"}),
    )
    confirm_undelivered = forms.BooleanField(label=_("确认需求未全部解决仍关闭"), required=False)
    # a refusal's reason (one of Refusal.Reason, a select on the page) or an extension's
    reason = forms.CharField(label=_("理由"), required=False, max_length=500)
    rule = forms.CharField(label=_("依据（三定规定/职责清单条款）"), required=False, max_length=200)
    decision = forms.ChoiceField(
        label=_("审核结果"),
        required=False,
        choices=[("accept", _("同意退单并改派")), ("reject", _("驳回退单，退回原单位"))],
        widget=forms.RadioSelect,
    )
    extension_decision = forms.ChoiceField(
        label=_("审核结果"),
        required=False,
        choices=[("approve", _("同意延期")), ("reject", _("驳回延期"))],
        widget=forms.RadioSelect,
    )
    until = forms.DateField(
        label=_("申请延期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    resolved = forms.NullBooleanField(label=_("问题是否解决"), required=False)
    satisfied = forms.NullBooleanField(label=_("企业是否满意"), required=False)
    redo = forms.BooleanField(label=_("不满意，要求重办"), required=False)
    task = forms.CharField(
        label=_("协办事项"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, order, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(kind__in=ASSISTING_KINDS)
        if action != "add_assist":  # an assisting unit may come from another region
            units = units.filter(region__code__in=order.enterprise.region.chain_codes)
        self.fields["unit"].queryset = units


class CatalogueForm(forms.ModelForm):
    """A line of the dispatch catalogue, with the choices in the officer's scope."""

    class Meta:
        model = CatalogueEntry
        fields = ["campaign", "region", "category", "keywords", "scale", "unit"]
        widgets = {
            "region": forms.Select(attrs={"data-search": ""}),
            "unit": forms.Select(attrs={"data-search": ""}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.all()
        units = Unit.objects.filter(kind__in=ASSISTING_KINDS)
        if not user.is_admin:  # the officer's subtree, and the units above it
            region = user.unit.region
            regions = regions.filter(region.path_q())
            units = units.filter(region.subtree_q() | Q(region__code__in=region.chain_codes))
        self.fields["region"].queryset = regions
        self.fields["unit"].queryset = units.select_related("region")
        self.fields["category"].empty_label = _("（兜底：目录未覆盖的问题）")

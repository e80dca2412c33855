from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Unit

from .models import Category


class ProblemForm(forms.Form):
    text = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    masks = forms.IntegerField(label=_("口罩需求(只)"), required=False, min_value=1)
    workers = forms.IntegerField(label=_("用工缺口(人)"), required=False, min_value=1)
    loans = forms.DecimalField(label=_("资金需求(万元)"), required=False, min_value=0.01)

    def needs(self):
        return [
            {"kind": k, "requested": self.cleaned_data[k]}
            for k in ("masks", "workers", "loans")
            if self.cleaned_data.get(k)
        ]


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    unit = forms.ModelChoiceField(label=_("承办单位"), queryset=Unit.objects.none(), required=False)
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.all(), required=False
    )
    rating = forms.IntegerField(label=_("评价(1-5)"), required=False, min_value=1, max_value=5)

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        codes = order.enterprise.region.path.strip("/").split("/")
        self.fields["unit"].queryset = Unit.objects.filter(
            region__code__in=codes,
            kind__in=[
                Unit.Kind.DEPARTMENT,
                Unit.Kind.TOWNSHIP,
                Unit.Kind.PARK,
                Unit.Kind.COMMAND_CENTRE,
            ],
        )

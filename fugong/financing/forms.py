from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Unit


class NeedForm(forms.Form):
    amount = forms.DecimalField(
        label=_("需求金额（万元）"), min_value=0.01, max_digits=12, decimal_places=2
    )
    purpose = forms.CharField(label=_("资金用途"), max_length=200)
    term_months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=360)
    collateral = forms.CharField(
        label=_("担保方式"),
        max_length=200,
        required=False,
        help_text=_("如：厂房抵押、信用、应收账款质押、政府性融资担保"),
    )
    note = forms.CharField(
        label=_("补充说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ShareForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    banks = forms.ModelMultipleChoiceField(
        label=_("推送给银行"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, banks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["banks"].queryset = banks


class AnswerForm(forms.Form):
    """A bank's answer; which fields count depends on the action (the service checks)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    product = forms.CharField(label=_("贷款产品"), max_length=100, required=False)
    offer_amount = forms.CharField(label=_("授信金额（万元）"), required=False)
    rate = forms.CharField(label=_("年利率（%）"), required=False)
    offer_term_months = forms.CharField(label=_("贷款期限（月）"), required=False)
    granted_amount = forms.CharField(
        label=_("放款金额（万元）"), required=False, help_text=_("留空为授信金额")
    )
    reason = forms.CharField(
        label=_("说明/原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

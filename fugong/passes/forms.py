from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Pass


class PassForm(forms.Form):
    plate = forms.CharField(
        label=_("车牌号"), max_length=12, help_text=_("如 吉H12345，新能源 吉HD12345")
    )
    vehicle_type = forms.ChoiceField(label=_("车辆类型"), choices=Pass.VehicleType.choices)
    driver_name = forms.CharField(label=_("驾驶员姓名"), max_length=30)
    driver_phone = forms.CharField(label=_("驾驶员电话"), max_length=20)
    origin = forms.CharField(label=_("起点"), max_length=100)
    destination = forms.CharField(label=_("终点"), max_length=100)
    via = forms.CharField(label=_("途经"), max_length=200, required=False)
    cargo = forms.ChoiceField(label=_("货物类别"), choices=Pass.Cargo.choices)
    cargo_note = forms.CharField(label=_("货物说明"), max_length=200, required=False)
    valid_from = forms.DateField(
        label=_("有效期起"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("有效期止"), widget=forms.DateInput(attrs={"type": "date"})
    )


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_until = forms.DateField(
        label=_("延期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

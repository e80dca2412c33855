from django import forms
from django.utils.translation import gettext_lazy as _


class OrderForm(forms.Form):
    deliver_by = forms.DateTimeField(
        label=_("送达时限"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    handover_point = forms.CharField(
        label=_("交接地点"),
        max_length=200,
        help_text=_("闭环边界处的无接触交接点，如：东门隔离栏外"),
    )
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ItemForm(forms.Form):
    name = forms.CharField(label=_("物品"), max_length=100, required=False)
    quantity = forms.CharField(
        label=_("数量"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)


ItemFormSet = forms.formset_factory(ItemForm, extra=5, max_num=30)


class ActForm(forms.Form):
    """One step's fields; which of them count depends on the action (the service checks)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    buyer = forms.CharField(required=False)
    cost = forms.CharField(required=False)
    handover_note = forms.CharField(required=False, max_length=200)
    paid = forms.CharField(required=False)
    comment = forms.CharField(required=False, max_length=500)

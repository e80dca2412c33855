from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Project


class ProjectReportForm(forms.Form):
    """A key project's daily report: one screen on a phone (the enterprise report's style).
    Values are checked by reports.submit_report, whose errors are attached to these fields."""

    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(
        label=_("开复工状态"), choices=Project.Status.choices, widget=forms.RadioSelect
    )
    workers_on_site = forms.IntegerField(
        label=_("在场施工人数"),
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    problems = forms.CharField(
        label=_("存在问题（转为工单办理）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

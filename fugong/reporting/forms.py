from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FIGURE_FIELDS, Mode, Status


class ReportForm(forms.Form):
    """The enterprise's daily report: one screen on a phone. Values are checked by
    services.validate_report, whose errors are attached to these fields."""

    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(
        label=_("复工状态"), choices=Status.choices, widget=forms.RadioSelect
    )
    mode = forms.ChoiceField(label=_("生产模式"), choices=Mode.choices, initial="normal")
    staff_on_duty = forms.IntegerField(
        label=_("在岗人数"), min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    staff_total = forms.IntegerField(
        label=_("职工总数"), min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    output = forms.DecimalField(label=_("当日产值(万元)"), required=False, min_value=0)
    capacity_utilisation = forms.DecimalField(label=_("产能利用率(%)"), required=False, min_value=0)
    material_days = forms.IntegerField(label=_("原材料可用天数"), required=False, min_value=0)
    masks_needed = forms.IntegerField(label=_("口罩需求(只)"), required=False, min_value=0)
    disinfectant_needed = forms.DecimalField(label=_("消毒液需求(吨)"), required=False, min_value=0)
    thermometers_needed = forms.IntegerField(label=_("体温计需求(个)"), required=False, min_value=0)
    workers_short = forms.IntegerField(label=_("用工缺口(人)"), required=False, min_value=0)
    funding_needed = forms.DecimalField(label=_("资金需求(万元)"), required=False, min_value=0)
    difficulties = forms.CharField(
        label=_("困难诉求"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    NEEDS = (
        "masks_needed",
        "disinfectant_needed",
        "thermometers_needed",
        "workers_short",
        "funding_needed",
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_keys = []
        for spec in campaign.report_fields if campaign else []:
            name = f"extra__{spec['key']}"
            required = bool(spec.get("required"))
            if spec["type"] == "choice":
                field = forms.ChoiceField(
                    choices=[("", "—")] + [(c, c) for c in spec["choices"]], required=required
                )
            elif spec["type"] in ("number", "percent"):
                field = forms.DecimalField(required=required)
            else:
                field = forms.CharField(required=required)
            field.label = spec["label"]
            self.fields[name] = field
            self.extra_keys.append(spec["key"])

    def data_for_service(self):
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("extra__")}
        data["extra"] = {
            k: self.cleaned_data.get(f"extra__{k}")
            for k in self.extra_keys
            if self.cleaned_data.get(f"extra__{k}") not in (None, "")
        }
        return data

    def attach(self, errors):
        for key, messages in errors.items():
            name = f"extra__{key[6:]}" if key.startswith("extra.") else key
            self.add_error(name if name in self.fields else None, messages)

    @staticmethod
    def initial_from(report, enterprise):
        """Pre-fill from the previous report (yesterday's, usually) or the registry."""
        initial = {
            "date": timezone.localdate(),
            "staff_total": enterprise.total_staff,
            "staff_on_duty": 0,
            "mode": "normal",
        }
        if report is not None:
            for f in FIGURE_FIELDS:
                initial[f] = getattr(report, f)
            for key, value in (report.extra or {}).items():
                initial[f"extra__{key}"] = value
        return initial


class StatsForm(forms.Form):
    region = forms.ChoiceField(label=_("区划"), required=False)
    date = forms.DateField(
        label=_("日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    list = forms.ChoiceField(label=_("名单"), required=False)
    industry = forms.CharField(
        label=_("行业"),
        required=False,
        widget=forms.TextInput(attrs={"size": 4, "placeholder": "C"}),
    )
    scale = forms.ChoiceField(
        label=_("规模"),
        required=False,
        choices=[("", "—"), ("above", _("规上")), ("below", _("规下"))],
    )
    confirmed = forms.BooleanField(label=_("仅统计已审核"), required=False)
    by = forms.ChoiceField(
        label=_("分组"),
        required=False,
        choices=[
            ("", "—"),
            ("region", _("下级区划")),
            ("industry", _("行业")),
            ("scale", _("规模")),
            ("list", _("名单")),
        ],
    )

    def __init__(self, *args, regions, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—")] + [
            (r.code, "　" * max(r.depth, 0) + r.name) for r in regions
        ]
        self.fields["list"].choices = [("", "—")] + [(n, n) for n in lists]


class CorrectionForm(forms.Form):
    """A township's correction of a report's figures while confirming it; values are checked
    by services.validate_report, whose errors are attached to these fields."""

    status = forms.ChoiceField(label=_("复工状态"), choices=Status.choices)
    mode = forms.ChoiceField(label=_("生产模式"), choices=Mode.choices)
    staff_on_duty = forms.IntegerField(label=_("在岗人数"), min_value=0)
    staff_total = forms.IntegerField(label=_("职工总数"), min_value=0)
    output = forms.DecimalField(label=_("当日产值(万元)"), required=False, min_value=0)
    capacity_utilisation = forms.DecimalField(label=_("产能利用率(%)"), required=False, min_value=0)
    material_days = forms.IntegerField(label=_("原材料可用天数"), required=False, min_value=0)
    reason = forms.CharField(label=_("更正原因"), max_length=255)

    FIGURES = FIGURE_FIELDS

    @classmethod
    def initial_from(cls, report) -> dict:
        return {f: getattr(report, f) for f in cls.FIGURES}

    def changes(self, report) -> dict:
        """The figures the officer changed."""
        return {
            f: self.cleaned_data[f]
            for f in self.FIGURES
            if self.cleaned_data[f] != getattr(report, f)
        }

    def attach(self, errors) -> None:
        for key, messages in errors.items():
            self.add_error(key if key in self.fields else None, messages)

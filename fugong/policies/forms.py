from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import MultipleFileField, MultipleFileInput
from fugong.core.services import as_date
from fugong.registry.models import EnterpriseList
from fugong.registry.services import scope_regions

from . import rules as R
from .models import Policy

DATE = forms.DateInput(attrs={"type": "date"})
FILE_HELP = _("PDF、图片或 Office 文件，每个不超过 20 MB")


def _number(value: Decimal | None) -> int | float | None:
    """A bound as JSON keeps it: a whole number as an int, else a float (two decimals)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _output_bound(label: str, help_text: str = "") -> forms.DecimalField:
    """A bound of the annual-output rule (万元, as the registry keeps it)."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
    )


class PolicyForm(forms.ModelForm):
    files = MultipleFileField(
        label=_("政策原文附件"),
        required=False,
        help_text=FILE_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}),
    )

    class Meta:
        model = Policy
        fields = ["title", "issuer", "region", "valid_from", "valid_to", "support", "text"]
        widgets = {
            "valid_from": DATE,
            "valid_to": DATE,
            "text": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope_regions(user)


class RulesForm(forms.Form):
    """The eligibility rules, one section per kind; an empty section is no rule. Stored as
    `Rule` rows (kind + parameters), never as code."""

    prefix = "rule"
    SCALES = [("", _("不限")), ("above", _("规上")), ("below", _("规下"))]

    industries = forms.CharField(
        label=_("行业（门类和/或大类）"),
        required=False,
        help_text=_("如：C；H61；27，用“；”分隔；留空为不限"),
    )
    scale = forms.ChoiceField(label=_("规模"), choices=SCALES, required=False)
    lists = forms.ModelMultipleChoiceField(
        label=_("名单（属于其一）"),
        queryset=EnterpriseList.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lists_as_of = forms.DateField(
        label=_("名单截至日期"), required=False, widget=DATE, help_text=_("留空为匹配当日")
    )
    staff_min = forms.IntegerField(label=_("最少职工数"), required=False, min_value=0)
    staff_max = forms.IntegerField(label=_("最多职工数"), required=False, min_value=0)
    output_min = _output_bound(
        _("上年工业总产值不低于（万元）"), help_text=_("未填报产值的企业不符合产值条件")
    )
    output_max = _output_bound(_("上年工业总产值不超过（万元）"))
    resumed = forms.BooleanField(label=_("须已复工"), required=False)
    resumed_by = forms.DateField(
        label=_("复工截至日期"), required=False, widget=DATE, help_text=_("留空为匹配当日")
    )
    closed_loop = forms.BooleanField(label=_("须具有闭环生产资格"), required=False)
    losses = forms.BooleanField(label=_("须报告亏损"), required=False)
    losses_since = forms.DateField(label=_("亏损期间起"), required=False, widget=DATE)
    losses_until = forms.DateField(label=_("亏损期间止"), required=False, widget=DATE)

    def clean_industries(self):
        try:
            return R.parse_industries(self.cleaned_data["industries"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("“%(t)s”不是行业门类（如 C）或大类（如 27、C27）") % {"t": exc}
            ) from exc

    def clean(self):
        d = super().clean()
        low, high = d.get("staff_min"), d.get("staff_max")
        if low is not None and high is not None and low > high:
            self.add_error("staff_max", _("最多职工数不能小于最少职工数"))
        low, high = d.get("output_min"), d.get("output_max")
        if low is not None and high is not None and low > high:
            self.add_error("output_max", _("产值上限不能小于下限"))
        since, until = d.get("losses_since"), d.get("losses_until")
        if since and until and until < since:
            self.add_error("losses_until", _("亏损期间止不能早于起"))
        return d

    def rules(self) -> list[tuple[str, dict]]:
        d = self.cleaned_data
        iso = lambda day: day.isoformat() if day else None  # noqa: E731
        out = []
        industries = d.get("industries") or {}
        if industries.get("sections") or industries.get("divisions"):
            out.append((R.Kind.INDUSTRY.value, industries))
        if d.get("scale"):
            out.append((R.Kind.SCALE.value, {"scale": d["scale"]}))
        if d.get("lists"):
            ids = sorted(lst.pk for lst in d["lists"])
            out.append((R.Kind.LISTS.value, {"ids": ids, "as_of": iso(d.get("lists_as_of"))}))
        if d.get("staff_min") is not None or d.get("staff_max") is not None:
            out.append((R.Kind.STAFF.value, {"min": d.get("staff_min"), "max": d.get("staff_max")}))
        if d.get("output_min") is not None or d.get("output_max") is not None:
            bounds = {k: _number(d.get(f"output_{k}")) for k in ("min", "max")}
            out.append((R.Kind.OUTPUT.value, bounds))
        if d.get("resumed"):
            out.append((R.Kind.RESUMED.value, {"by": iso(d.get("resumed_by"))}))
        if d.get("closed_loop"):
            out.append((R.Kind.CLOSED_LOOP.value, {"as_of": None}))
        if d.get("losses"):
            params = {"since": iso(d.get("losses_since")), "until": iso(d.get("losses_until"))}
            out.append((R.Kind.LOSSES.value, params))
        return out

    @staticmethod
    def initial_from(policy) -> dict:
        by_kind = {r.kind: r.params for r in policy.rules.all()}
        initial = {}
        if p := by_kind.get(R.Kind.INDUSTRY):
            initial["industries"] = "；".join(
                [*p.get("sections", []), *(f"{d}" for d in p.get("divisions", []))]
            )
        if p := by_kind.get(R.Kind.SCALE):
            initial["scale"] = p.get("scale")
        if p := by_kind.get(R.Kind.LISTS):
            initial["lists"] = p.get("ids")
            initial["lists_as_of"] = as_date(p.get("as_of"))
        if p := by_kind.get(R.Kind.STAFF):
            initial["staff_min"], initial["staff_max"] = p.get("min"), p.get("max")
        if p := by_kind.get(R.Kind.OUTPUT):
            initial["output_min"], initial["output_max"] = p.get("min"), p.get("max")
        if (p := by_kind.get(R.Kind.RESUMED)) is not None:
            initial["resumed"], initial["resumed_by"] = True, as_date(p.get("by"))
        if R.Kind.CLOSED_LOOP in by_kind:
            initial["closed_loop"] = True
        if (p := by_kind.get(R.Kind.LOSSES)) is not None:
            initial["losses"] = True
            initial["losses_since"] = as_date(p.get("since"))
            initial["losses_until"] = as_date(p.get("until"))
        return initial


class ApplyForm(forms.Form):
    amount_requested = forms.DecimalField(
        label=_("申报金额（万元）"), required=False, min_value=0, decimal_places=2, max_digits=12
    )
    note = forms.CharField(
        label=_("申报说明"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField(
        label=_("申报材料"),
        required=False,
        help_text=FILE_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}),
    )


class ActForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("金额（万元）"), required=False, decimal_places=2, max_digits=12
    )
    granted_on = forms.DateField(label=_("兑现日期"), required=False, widget=DATE)
    comment = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

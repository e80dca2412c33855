from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.forms import MultipleFileField, MultipleFileInput

from .services import checklist_of

YES_NO = [("yes", _("已到位")), ("no", _("未到位"))]
FILE_HELP = _("PDF、图片或 Office 文件，每个不超过 20 MB")


class ResumptionForm(forms.Form):
    """The campaign's checklist (a yes/no and a note per item), staff expected back, the
    planned date and the prevention plan."""

    staff_expected = forms.IntegerField(label=_("预计返岗人数"), min_value=0)
    planned_date = forms.DateField(
        label=_("计划复工日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    files = MultipleFileField(
        label=_("疫情防控方案及附件"),
        required=False,
        help_text=FILE_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}),
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)

        self.items = checklist_of(campaign)
        for item in self.items:
            self.fields[f"done_{item['key']}"] = forms.ChoiceField(
                label=item["label"], choices=YES_NO, widget=forms.RadioSelect, required=False
            )
            self.fields[f"note_{item['key']}"] = forms.CharField(
                label=_("说明") + ("（必填）" if item.get("note_required") else ""),
                required=False,
                max_length=500,
            )
        self.order_fields(
            [f"{p}_{i['key']}" for i in self.items for p in ("done", "note")]
            + ["staff_expected", "planned_date", "contact_phone", "files"]
        )

    def data_for_service(self):
        d = self.cleaned_data
        return {
            "checklist": [
                {
                    "key": i["key"],
                    "done": {"yes": True, "no": False}.get(d.get(f"done_{i['key']}")),
                    "note": d.get(f"note_{i['key']}", ""),
                }
                for i in self.items
            ],
            "staff_expected": d.get("staff_expected"),
            "planned_date": d.get("planned_date"),
            "contact_phone": d.get("contact_phone"),
        }

    @staticmethod
    def initial_from(app):
        initial = {
            "staff_expected": app.staff_expected,
            "planned_date": app.planned_date,
            "contact_phone": app.contact_phone,
        }
        for a in app.checklist:
            initial[f"done_{a['key']}"] = "yes" if a["done"] else "no"
            initial[f"note_{a['key']}"] = a["note"]
        return initial


class ClosedLoopForm(forms.Form):
    """The three conditions (边界可封、食宿可保、备货可用) and the numbers that prove them."""

    boundary_sealable = forms.BooleanField(label=_("边界可封"), required=False)
    lodging_assured = forms.BooleanField(label=_("食宿可保"), required=False)
    stock_ready = forms.BooleanField(label=_("备货可用"), required=False)
    staff_inside = forms.IntegerField(label=_("闭环内员工数"), min_value=0)
    beds = forms.IntegerField(label=_("床位数"), min_value=0)
    food_days = forms.IntegerField(label=_("食品储备天数"), min_value=0)
    stock_days = forms.IntegerField(label=_("原料/备货天数"), min_value=0)
    boundary_plan = forms.CharField(
        label=_("封闭管理方案"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    files = MultipleFileField(
        label=_("附件（平面图、方案等）"),
        required=False,
        help_text=FILE_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx"}),
    )

    def data_for_service(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "files"}

    @staticmethod
    def initial_from(app):
        return {f: getattr(app, f) for f in ClosedLoopForm.base_fields if f != "files"}


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cleared_from = forms.DateField(
        label=_("准予复工日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

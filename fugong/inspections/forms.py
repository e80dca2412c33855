"""The plan form (the selection, up to three teams) and the parsing of the on-site checklist
that the phone posts (form fields named `outcome_<key>`, `note_<key>`, `points_<key>`,
`serious_<key>`, `photos_<key>`)."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Campaign
from fugong.core.services import campaigns_on, users_visible_to
from fugong.registry.models import Enterprise, EnterpriseList
from fugong.registry.services import scope_regions

TEAM_SLOTS = 3


class PlanForm(forms.Form):
    name = forms.CharField(label=_("计划名称"), max_length=100)
    campaign = forms.ModelChoiceField(label=_("应急事件"), queryset=None, empty_label=None)
    region = forms.ModelChoiceField(label=_("检查范围"), queryset=None, to_field_name="code")
    industry = forms.CharField(label=_("行业（门类或大类）"), required=False, max_length=4)
    scale = forms.ChoiceField(
        label=_("规模"), required=False, choices=[("", _("全部")), *Enterprise.Scale.choices]
    )
    enterprise_list = forms.ModelChoiceField(
        label=_("名单"), required=False, queryset=EnterpriseList.objects.all()
    )
    share = forms.IntegerField(
        label=_("按街镇分层随机抽查比例（%）"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("留空则检查全部符合条件的企业；每个街镇至少抽取一家"),
    )
    seed = forms.CharField(
        label=_("随机种子"),
        required=False,
        max_length=40,
        help_text=_("相同种子和企业名录得到相同样本；留空自动生成"),
    )
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        running = [c.pk for c in campaigns_on(timezone.localdate())]
        self.fields["campaign"].queryset = Campaign.objects.filter(pk__in=running)
        self.fields["region"].queryset = scope_regions(user).order_by("path")
        members = users_visible_to(user).filter(is_active=True).exclude(unit=None)
        for i in range(1, TEAM_SLOTS + 1):
            self.fields[f"team{i}_name"] = forms.CharField(
                label=_("第%(i)d组名称") % {"i": i}, required=False, max_length=50
            )
            self.fields[f"team{i}_members"] = forms.ModelMultipleChoiceField(
                label=_("第%(i)d组组员") % {"i": i}, required=False, queryset=members
            )

    def teams(self) -> list[tuple[str, list]]:
        return [
            (
                self.cleaned_data.get(f"team{i}_name", ""),
                list(self.cleaned_data[f"team{i}_members"]),
            )
            for i in range(1, TEAM_SLOTS + 1)
            if self.cleaned_data.get(f"team{i}_members")
        ]

    def criteria(self) -> dict:
        data = self.cleaned_data
        return {
            "industry": data.get("industry") or "",
            "scale": data.get("scale") or "",
            "list": str(data["enterprise_list"].pk) if data.get("enterprise_list") else "",
        }

    def team_rows(self) -> list[tuple]:
        return [(self[f"team{i}_name"], self[f"team{i}_members"]) for i in range(1, TEAM_SLOTS + 1)]


def checklist_answers(post: Any, files: Any, checklist: list[dict]) -> tuple[dict, dict]:
    """(answers, photos) by item key from a posted checklist."""
    answers, photos = {}, {}
    for item in checklist:
        key = item["key"]
        answers[key] = {
            "outcome": post.get(f"outcome_{key}", ""),
            "note": post.get(f"note_{key}", ""),
            "points": post.getlist(f"points_{key}"),
            "serious": post.get(f"serious_{key}") in ("1", "on", "true"),
        }
        photos[key] = files.getlist(f"photos_{key}")
    return answers, photos

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.registry.services import scope_regions

from .models import Line


class LineForm(forms.ModelForm):
    class Meta:
        model = Line
        fields = ["name", "topic", "phone", "hours", "region", "unit", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope_regions(user)


class CallForm(forms.Form):
    line = forms.ModelChoiceField(label=_("热线"), queryset=Line.objects.none())
    enterprise = forms.CharField(
        label=_("企业"), max_length=200, help_text=_("统一社会信用代码或企业全称")
    )
    caller = forms.CharField(label=_("来电人"), max_length=50, required=False)
    question = forms.CharField(label=_("咨询内容"), widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(
        label=_("答复"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.IntegerField(
        label=_("通话时长（分钟）"), required=False, min_value=0, max_value=600
    )
    needs_action = forms.BooleanField(label=_("需要办理（转为问题工单）"), required=False)
    action = forms.CharField(
        label=_("需办理事项"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines.filter(active=True)

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    skip_bad = forms.BooleanField(
        label=_("跳过错误行，只导入正确的行"),
        required=False,
        help_text=_("不勾选时，只要有一行出错就什么都不导入"),
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100, help_text=_("例如：园区数据对接"))

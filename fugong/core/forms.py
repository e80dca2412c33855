from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; their content is checked by core.uploads."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ImportForm(forms.Form):
    file = forms.FileField(label=_("表格文件（.xlsx、.xls、.ods 或 .csv）"))
    skip_bad = forms.BooleanField(
        label=_("跳过错误行，只导入正确的行"),
        required=False,
        help_text=_("不勾选时，只要有一行出错就什么都不导入"),
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100, help_text=_("例如：园区数据对接"))


def add_service_errors(form, exc, rename=None):
    """Put a service's ValidationError on the form: each field's messages on that field (or
    `rename[key]`), the rest above the form."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for key, messages in errors.items():
        name = (rename or {}).get(key, key)
        form.add_error(name if name in form.fields else None, messages)

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Unit, User
from fugong.core.permissions import commissioners
from fugong.core.validators import normalize_phone, normalize_uscc

from . import industry, services
from .models import Enterprise, EnterpriseList, Visit

SEARCH = forms.Select(attrs={"data-search": ""})  # a searchable select (static/fugong/forms.js)


class PhoneCleanMixin:
    phone_fields = ()

    def _clean_phones(self):
        for name in self.phone_fields:
            value = self.cleaned_data.get(name)
            if value:
                try:
                    self.cleaned_data[name] = normalize_phone(value)
                except ValidationError as exc:
                    self.add_error(name, exc)


class EnterpriseForm(PhoneCleanMixin, forms.ModelForm):
    phone_fields = ("contact_phone",)

    class Meta:
        model = Enterprise
        fields = services.ENTERPRISE_FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "address": forms.TextInput(attrs={"size": 50}),
            "active_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "active_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = services.scope_regions(user)
        self.fields["uscc"].help_text = _("18位，按 GB 32100 校验")

    def clean_uscc(self):
        return normalize_uscc(self.cleaned_data["uscc"])

    def clean(self):
        super().clean()
        self._clean_phones()
        return self.cleaned_data


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("名称/信用代码"), required=False)
    region = forms.ChoiceField(label=_("区划"), required=False)
    industry = forms.ChoiceField(
        label=_("行业"),
        required=False,
        choices=[("", "—")] + industry.SECTION_CHOICES + industry.DIVISION_CHOICES,
    )
    scale = forms.ChoiceField(
        label=_("规模"), required=False, choices=[("", "—"), *Enterprise.Scale.choices]
    )
    list = forms.ChoiceField(label=_("名单"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—")] + [
            (r.code, "　" * max(r.depth, 0) + r.name) for r in services.scope_regions(user)
        ]
        self.fields["list"].choices = [("", "—")] + [
            (lst.name, lst.name) for lst in EnterpriseList.objects.all()
        ]


class ListForm(forms.ModelForm):
    class Meta:
        model = EnterpriseList
        fields = ("name", "kind", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class MembershipForm(forms.Form):
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    on = forms.DateField(
        label=_("列入日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("原因"), required=False, max_length=255)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_uscc(self):
        uscc = normalize_uscc(self.cleaned_data["uscc"])
        self.enterprise = Enterprise.objects.visible_to(self.user).filter(uscc=uscc).first()
        if self.enterprise is None:
            raise ValidationError(_("没有找到该企业，或不在您的管辖范围内"))
        return uscc


class RemovalForm(forms.Form):
    on = forms.DateField(
        label=_("移出日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("移出原因"), max_length=255)


class AssignmentForm(PhoneCleanMixin, forms.Form):
    phone_fields = ("leader_phone",)
    leader_name = forms.CharField(label=_("包保领导"), required=False, max_length=50)
    leader_title = forms.CharField(label=_("领导职务"), required=False, max_length=100)
    leader_phone = forms.CharField(label=_("领导电话"), required=False, max_length=20)
    department = forms.ModelChoiceField(
        label=_("行业部门"), queryset=Unit.objects.none(), required=False, widget=SEARCH
    )
    township = forms.ModelChoiceField(
        label=_("属地街镇/园区"), queryset=Unit.objects.none(), required=False, widget=SEARCH
    )
    commissioners = forms.ModelMultipleChoiceField(
        label=_("特派员/联络员"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-search": ""}),
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        units = Unit.objects.filter(region__code__in=enterprise.region.chain_codes)
        self.fields["department"].queryset = units.filter(
            kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.COMMAND_CENTRE]
        )
        self.fields["township"].queryset = units.filter(
            kind__in=[Unit.Kind.TOWNSHIP, Unit.Kind.PARK]
        )
        self.fields["commissioners"].queryset = commissioners()

    def clean(self):
        super().clean()
        self._clean_phones()
        return self.cleaned_data


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ("visited_on", "observations", "problems")
        widgets = {
            "visited_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "observations": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 2}),
        }

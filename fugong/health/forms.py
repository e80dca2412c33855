from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import SYMPTOMS, TestResult

DATE = forms.DateInput(attrs={"type": "date"})


class EmployeeForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    department = forms.CharField(label=_("部门"), max_length=50, required=False)
    lives_on_site = forms.BooleanField(label=_("住厂"), required=False)
    in_bubble = forms.BooleanField(label=_("闭环人员"), required=False)


class DeclarationForm(forms.Form):
    temperature = forms.DecimalField(
        label=_("今日体温（℃）"),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("症状（没有则不选）"),
        choices=SYMPTOMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk_area = forms.BooleanField(label=_("本人或同住人近14天到过风险地区"), required=False)
    contact = forms.BooleanField(label=_("近14天接触过确诊或疑似病例"), required=False)
    test_result = forms.ChoiceField(
        label=_("最近一次核酸/抗原检测"), choices=TestResult.choices, initial=TestResult.NONE
    )

    def render(self, template_name=None, context=None, renderer=None):
        """The personal page is the morning's hot path, and rendering these widgets through
        the templates was a fifth of its CPU: an unbound form's HTML depends only on the
        language and the initial values, so each worker keeps it (a few hundred variants)."""
        if self.is_bound or template_name or context or renderer:
            return super().render(template_name, context, renderer)
        key = (get_language(), self.auto_id, self.prefix, repr(sorted(self.initial.items())))
        html = _RENDERED.get(key)
        if html is None:
            html = super().render()
            if len(_RENDERED) < 1024:
                _RENDERED[key] = html
        return html

    __str__ = render  # {{ form }} (the mixin binds these to its own render)
    __html__ = render


_RENDERED = {}  # DeclarationForm.render's HTML of unbound forms


class GateForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("方向"),
        choices=[("in", _("进")), ("out", _("出"))],
        initial="in",
        widget=forms.RadioSelect,
    )
    temperature = forms.DecimalField(
        label=_("体温（℃）"),
        max_digits=3,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    mask = forms.BooleanField(label=_("佩戴口罩"), required=False, initial=True)


class VisitorForm(forms.Form):
    visitor_name = forms.CharField(label=_("访客姓名"), max_length=50, required=False)
    visitor_phone = forms.CharField(label=_("访客手机号"), max_length=20, required=False)
    came_from = forms.CharField(label=_("来自何处"), max_length=100, required=False)
    host = forms.CharField(label=_("被访人"), max_length=50, required=False)
    reason = forms.CharField(label=_("事由"), max_length=100, required=False)


class RoundForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    day = forms.DateField(label=_("采样日期"), widget=DATE)


class SamplingForm(forms.Form):
    sampled = forms.IntegerField(label=_("采样人数"), min_value=0, required=False)
    positive = forms.IntegerField(label=_("阳性"), min_value=0, required=False, initial=0)
    pending = forms.IntegerField(label=_("待出结果"), min_value=0, required=False, initial=0)


class GrantForm(forms.Form):
    username = forms.CharField(label=_("被授权人账号"), max_length=150)
    reason = forms.CharField(label=_("流调事由"), max_length=200)
    start = forms.DateField(label=_("申报日期起"), widget=DATE)
    end = forms.DateField(label=_("申报日期止"), widget=DATE)

"""Forms that cannot trip a user, for every form through the form renderer: ISO values in date
inputs (a zh-Hans `2026/12/02` looked empty and failed the first submit), an error summary
linking to each field, 请选择… instead of ---------, full-width colons, fieldset and legend for
radio groups."""

import datetime
import re

from django import forms
from django.utils import timezone, translation

from fugong.core.models import Unit


class SampleForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.all())
    kind = forms.ChoiceField(
        label="类型", choices=[("a", "甲"), ("b", "乙")], widget=forms.RadioSelect
    )


def test_it_fills_date_inputs_with_iso_values(cast):
    day = datetime.date(2026, 12, 2)
    with translation.override("zh-hans"):
        html = str(SampleForm(initial={"day": day})["day"])
        assert 'value="2026-12-02"' in html
        form = SampleForm({"day": "2026-12-02", "unit": cast.units.gxj.pk, "kind": "a"})
        assert form.is_valid(), form.errors
        assert SampleForm({"day": "2026/12/02", "unit": cast.units.gxj.pk, "kind": "a"}).is_valid()


def test_it_summarises_errors_at_the_top_with_links(cast):
    with translation.override("zh-hans"):
        html = str(SampleForm({"day": "", "unit": "", "kind": ""}))
    summary = html.split('class="alert alert-danger fg-error-summary"', 1)[1].split("</div>", 1)[0]
    assert html.index("fg-error-summary") < html.index('name="day"')
    assert '<a href="#id_day">日期：' in summary and '<a href="#id_unit">单位：' in summary
    assert '<a href="#id_kind_0">类型：' in summary  # a radio group links to its first choice
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>类型：</legend>", html)
    assert '<label for="id_day">日期：</label>' in html
    assert '<option value="" selected>请选择…</option>' in html and "---------" not in html


def test_it_prefills_the_report_date_as_iso(cast, login, client):
    from fugong.core.models import Campaign

    today = timezone.localdate()
    Campaign.objects.create(
        name="本轮", region=cast.regions.yanbian, starts_on=today - datetime.timedelta(days=3)
    )
    page = login(cast.contact_a).get("/report/").content.decode()
    assert re.search(rf'name="date"[^>]*value="{today.isoformat()}"', page) or re.search(
        rf'value="{today.isoformat()}"[^>]*name="date"', page
    )


def test_it_marks_unit_pickers_for_search(cast, login):
    from fugong.workorders.forms import ActionForm

    assert "data-search" in ActionForm.base_fields["unit"].widget.attrs


def test_it_prefills_the_pass_form_with_a_date_the_input_can_show(cast, login):
    page = login(cast.contact_a).get("/passes/new/").content.decode()
    field = page.split('name="valid_from"', 1)[1].split(">", 1)[0]
    assert f'value="{timezone.localdate().isoformat()}"' in field

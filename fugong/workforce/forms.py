from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.models import Region

from .models import Match

DATE = forms.DateInput(attrs={"type": "date"})


class VacancyForm(forms.Form):
    post = forms.CharField(label=_("岗位"), max_length=100)
    number = forms.IntegerField(label=_("需求人数"), min_value=1, max_value=10000)
    pay = forms.CharField(label=_("薪酬"), max_length=50, help_text=_("如：4500–6000 元/月"))
    place = forms.CharField(label=_("工作地点"), max_length=200)
    lodging = forms.BooleanField(label=_("提供住宿"), required=False)


class MatchForm(forms.Form):
    kind = forms.ChoiceField(label=_("来源"), choices=Match.Kind.choices)
    workers = forms.IntegerField(label=_("人数"), min_value=1)
    from_enterprise = forms.CharField(
        label=_("调出企业（统一社会信用代码）"), max_length=18, required=False
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class TravelForm(forms.Form):
    origin = forms.CharField(label=_("出发地"), max_length=100)
    workers = forms.IntegerField(label=_("人数"), min_value=1, max_value=500)
    travel_on = forms.DateField(label=_("返岗日期"), widget=DATE)


class BubbleForm(forms.Form):
    site = forms.CharField(label=_("厂区"), max_length=100)
    lodging = forms.CharField(label=_("住宿点"), max_length=100)


class RegionalForm(forms.Form):
    region = forms.ModelChoiceField(label=_("区划"), queryset=Region.objects.none())

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class BusForm(RegionalForm):
    origin = forms.CharField(label=_("出发地"), max_length=100)
    destination = forms.CharField(label=_("目的地"), max_length=100)
    departs_on = forms.DateField(label=_("发车日期"), widget=DATE)
    seats = forms.IntegerField(label=_("座位数"), min_value=1, max_value=80)
    plate = forms.CharField(label=_("车牌号"), max_length=10, required=False)


class LineForm(RegionalForm):
    name = forms.CharField(label=_("线路名称"), max_length=100)
    stops = forms.CharField(label=_("站点（按顺序，用“；”分隔）"), max_length=1000)
    departures = forms.CharField(label=_("发车时间（HH:MM，用“；”分隔）"), max_length=500)
    capacity = forms.IntegerField(label=_("每班座位数"), min_value=1, max_value=80)
    enterprises = forms.CharField(
        label=_("服务企业（统一社会信用代码，用“；”分隔）"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BookingForm(forms.Form):
    day = forms.DateField(label=_("乘车日期"), widget=DATE)
    departure = forms.ChoiceField(label=_("班次"), choices=())
    seats = forms.IntegerField(label=_("座位数"), min_value=1)

    def __init__(self, *args, departures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departure"].choices = [(d, d) for d in departures]

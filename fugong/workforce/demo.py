"""Demo workers and commute for the demo city, after the seeds: enterprises short of workers
post vacancies and the 人社局 matches them (local hiring, transfers, returning workers);
returning workers from 汪清县 ride a charter bus with a subsidy per enterprise (兰州高新区);
a commuter line with ten runs a day serves the park's enterprises (吉林's 定制公交), and a
closed-loop site in 进学街道 has its own site–lodging line. Idempotent.

Call after the registry and approvals demos."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fugong.core.models import Region, Role, Unit, User
from fugong.registry.closed_loop import is_closed_loop
from fugong.registry.demo import DEMO_PASSWORD
from fugong.registry.models import Enterprise

from . import commutes, hiring
from .models import CommuterLine, Vacancy

POSTS = [
    ("普工", 30, "4500–6000 元/月"),
    ("电工", 4, "6000–8000 元/月"),
    ("质检员", 6, "5000 元/月"),
]
POSTS += [("叉车司机", 3, "5500 元/月"), ("缝纫工", 20, "计件，约 5000 元/月")]
RUNS = ["06:30", "07:00", "07:30", "08:00", "12:00", "13:00", "17:00", "17:30", "18:00", "21:00"]


def _officer() -> tuple[User, str]:
    user, created = User.objects.get_or_create(
        username="renshe",
        defaults={
            "name": "金春花",
            "role": Role.DEPARTMENT,
            "unit": Unit.objects.get(code="222400-rsj"),
            "email": "renshe@demo.fugong.invalid",
            "must_change_password": True,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user, "州人社局：用工对接、返岗包车"


@transaction.atomic
def build() -> tuple[int, list[tuple[str, str]]]:
    """Vacancies, a charter bus, commuter lines: (vacancies made, logins added)."""
    city = Region.objects.filter(code="222400").first()
    admin = User.objects.filter(username="admin").first()
    transport = User.objects.filter(username="jiaotong").first()
    if None in (city, admin, transport) or not Unit.objects.filter(code="222400-rsj").exists():
        return 0, []
    officer, desc = _officer()
    logins = [("renshe", desc)]
    if Vacancy.objects.exists():
        return 0, logins
    park = list(Enterprise.objects.filter(region__code="222401400").order_by("pk")[:5])
    for i, (enterprise, (post, number, pay)) in enumerate(zip(park, POSTS, strict=False)):
        data = {
            "post": post,
            "number": number,
            "pay": pay,
            "place": "延吉高新区",
            "lodging": i % 2 == 0,
        }
        vacancy = hiring.post_vacancy(admin, enterprise, data)
        if i == 0:
            hiring.record_match(officer, vacancy, {"kind": "local", "workers": 12})
            hiring.record_match(officer, vacancy, {"kind": "returning", "workers": 10})
        if i == 1 and len(park) > 2:
            transfer = {"kind": "transfer", "workers": 4, "from_enterprise": park[2].uscc}
            hiring.record_match(officer, vacancy, transfer)
    tomorrow = timezone.localdate() + timedelta(days=1)
    bus = commutes.create_bus(
        officer,
        {"region": city, "origin": "汪清县", "destination": "延吉高新区", "departs_on": tomorrow,
         "seats": 45, "plate": "吉H·A1234"},
    )  # fmt: skip
    for enterprise, workers in zip(park[:3], (18, 12, 9), strict=False):
        demand = commutes.request_travel(
            admin, enterprise, {"origin": "汪清县", "workers": workers, "travel_on": tomorrow}
        )
        commutes.board(officer, bus, demand)
        commutes.pay_subsidy(officer, demand, 100 * workers)
    yanji = Region.objects.get(code="222401")
    line = commutes.create_line(
        transport,
        {"region": yanji, "name": "延吉高新区定制公交1号线", "capacity": 40,
         "stops": ["延吉火车站", "延吉西市场", "进学街道", "高新区管委会"], "departures": RUNS,
         "enterprises": [e.uscc for e in park]},
    )  # fmt: skip
    commutes.book(admin, line, park[0], {"day": tomorrow, "departure": "07:00", "seats": 25})
    _bubble_line(admin, transport, yanji)
    return len(park), logins


def _bubble_line(admin: User, transport: User, region: Region) -> CommuterLine | None:
    """The closed-loop site of 进学街道 gets its own line between site and lodging."""
    today = timezone.localdate()
    site = next(
        (
            e
            for e in Enterprise.objects.filter(region__code="222401001").order_by("pk")
            if is_closed_loop(e.pk, today)
        ),
        None,
    )
    if site is None:
        return None
    bubble = commutes.save_bubble(admin, site, f"{site.name}厂区", f"{site.name}员工公寓")
    return commutes.create_line(
        transport,
        {"region": region, "name": f"{site.name}闭环专线", "capacity": 30,
         "stops": [bubble.lodging, bubble.site], "departures": ["07:00", "19:00"],
         "enterprises": [site.uscc]},
    )  # fmt: skip

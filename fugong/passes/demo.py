"""Demo passes in the running demo campaign: waiting, issued, one revoked. Idempotent."""

import datetime

from django.utils import timezone

from fugong.core.models import Campaign, User
from fugong.registry.demo import LIVE_CAMPAIGN
from fugong.registry.models import Enterprise

from . import services
from .models import Pass

VEHICLES = [
    ("吉H3A275", "heavy_truck", "王建国", "materials", "延吉", "长春", "敦化"),
    ("吉HD52731", "van", "李春花", "products", "延吉", "沈阳", ""),
    ("吉H6B810", "refrigerated", "金哲洙", "living", "图们", "延吉", ""),
    ("吉H27F35", "light_truck", "朴美玉", "epidemic", "延吉", "珲春", "图们"),
    ("吉H90C11", "heavy_truck", "赵大伟", "materials", "龙井", "延吉", ""),
    ("吉H12345D", "bus", "崔永吉", "living", "延吉", "和龙", ""),
]


def build():
    campaign = Campaign.objects.filter(name=LIVE_CAMPAIGN).first()
    if campaign is None or Pass.objects.filter(campaign=campaign).exists():
        return 0
    admin = User.objects.get(username="admin")
    officer = User.objects.get(username="jiaotong")
    enterprises = list(
        Enterprise.objects.filter(region__code__startswith="2224").order_by("pk")[:6]
    )
    today = timezone.localdate()
    for i, (plate, vtype, driver, cargo, origin, dest, via) in enumerate(VEHICLES):
        p = services.apply(
            admin,
            enterprises[i],
            {
                "plate": plate,
                "vehicle_type": vtype,
                "driver_name": driver,
                "driver_phone": f"1390433{i:04d}",
                "origin": origin,
                "destination": dest,
                "via": via,
                "cargo": cargo,
                "valid_from": today,
                "valid_until": today + datetime.timedelta(days=6),
            },
        )
        if i >= 2:
            p = services.decide(officer, p, "approve", p.version)
        if i == 5:
            services.decide(officer, p, "revoke", p.version, comment="超范围载客")
    return len(VEHICLES)

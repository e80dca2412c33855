"""Demo applications in the running demo campaign: some waiting at each step, some approved
with certificates, a closed-loop roster with one revocation. Idempotent."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from fugong.core.models import SEVEN_MUSTS, Campaign, User
from fugong.registry.demo import LIVE_CAMPAIGN
from fugong.registry.models import Enterprise

from . import services
from .models import Application

PLAN = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def build():
    campaign = Campaign.objects.filter(name=LIVE_CAMPAIGN).first()
    if campaign is None or Application.objects.filter(campaign=campaign).exists():
        return 0
    admin = User.objects.get(username="admin")
    park, township = User.objects.get(username="gaoxin"), User.objects.get(username="jinxue")
    county = User.objects.get(username="yanji")
    in_park = list(Enterprise.objects.filter(region__code="222401400").order_by("pk")[:10])
    in_jinxue = list(Enterprise.objects.filter(region__code="222401001").order_by("pk")[:4])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    created = 0
    for i, e in enumerate(in_park):
        answers = [{"key": m["key"], "done": True, "note": ""} for m in SEVEN_MUSTS]
        if i % 4 == 3:
            answers[-1] = {"key": "supplies", "done": False, "note": "口罩储备不足三天，已申请调拨"}
        plan = ContentFile(PLAN, name="疫情防控方案.pdf")
        app = services.submit(
            admin,
            e,
            "resumption",
            {"checklist": answers, "staff_expected": 40 + 7 * i, "planned_date": tomorrow},
            [plan],
        )
        if i >= 4:
            app = services.review(park, app, "approve", app.version, comment="现场核查通过")
        if i >= 7:
            app = services.review(county, app, "approve", app.version)
        created += 1
    for i, e in enumerate(in_jinxue):
        app = services.submit(
            admin,
            e,
            "closed_loop",
            {
                "boundary_sealable": True,
                "lodging_assured": True,
                "stock_ready": True,
                "staff_inside": 60 + 10 * i,
                "beds": 80 + 10 * i,
                "food_days": 14,
                "stock_days": 10,
                "boundary_plan": "厂区围挡封闭，只留一个出入口，物资无接触交接",
            },
        )
        app = services.review(township, app, "approve", app.version)
        app = services.review(county, app, "approve", app.version)
        if i == 3:
            services.review(county, app, "revoke", app.version, comment="员工私自出厂，边界失守")
        created += 1
    return created

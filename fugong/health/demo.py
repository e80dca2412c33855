"""A demo roster for the demo health officer's enterprise (fangyi1), with today's declarations
and gate checks. Idempotent."""

import random

from django.utils import timezone

from fugong.core.models import User
from fugong.core.services import campaign_for
from fugong.registry.models import enterprise_id_of

from . import services
from .models import Employee

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗金朴崔姜"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "永哲",
    "英子",
    "成浩",
    "美兰",
]
DEPARTMENTS = ["生产一车间", "生产二车间", "仓库", "质检", "行政"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card(seq, born="19900307", region="222401"):
    """A resident ID number with a correct GB 11643 check character."""
    first = f"{region}{born}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(first, _WEIGHTS, strict=True))
    return first + "10X98765432"[total % 11]


def build(size=30):
    officer = User.objects.filter(username="fangyi1").first()
    if officer is None or not enterprise_id_of(officer):
        return 0
    enterprise = officer.enterprise_account.enterprise
    if Employee.objects.filter(enterprise=enterprise).exists():
        return 0
    rng = random.Random(7)
    people = []
    for i in range(size):
        born = f"{rng.randint(1965, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        people.append(
            services.save_employee(
                officer,
                enterprise,
                {
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "id_number": id_card(100 + i, born=born),
                    "phone": f"139{rng.randint(10000000, 99999999)}",
                    "department": DEPARTMENTS[i % len(DEPARTMENTS)],
                    "lives_on_site": i % 3 == 0,
                    "in_bubble": i % 3 == 0,
                },
            )
        )
    if campaign_for(enterprise, timezone.localdate()) is None:
        return size
    for i, person in enumerate(people[: size - 4]):
        temperature = "37.8" if i == 5 else f"36.{rng.randint(1, 8)}"
        services.declare(enterprise, person, {"temperature": temperature})
        services.check(
            officer, enterprise, direction="in", temperature=temperature, employee=person
        )
    return size

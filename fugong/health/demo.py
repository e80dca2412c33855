"""A demo roster for the demo health officer's enterprise (fangyi1), with today's declarations
and gate checks. Idempotent."""

import multiprocessing
import random
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from fugong.core import bulk, crypto
from fugong.core.models import User
from fugong.core.services import campaign_for
from fugong.registry.models import Enterprise, enterprise_id_of

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


# --- a large roster for the health benchmarks (`fugong demo --employees N`) -----------------

_ROSTER_COLUMNS = (
    "enterprise_id, name, id_enc, id_hash, phone_enc, phone_hash, department, lives_on_site, "
    "in_bubble, active, link_hash, created_at, updated_at"
)
ROSTER_CHUNK = 50000
_BIRTH_FROM = date(1965, 1, 1)
_COUNTY_CODES = ("222401", "222402", "222403", "222404", "222405", "222406", "222424", "222426")


def roster_id_card(k):
    """Employee k's ID number: distinct for every k below 15 million (birth day k // 1000,
    sequence k % 1000), with a valid GB 11643 check character."""
    born = (_BIRTH_FROM + timedelta(days=(k // 1000) % 15000)).strftime("%Y%m%d")
    return id_card(k % 1000, born=born, region=_COUNTY_CODES[k % len(_COUNTY_CODES)])


def roster_rows(start, enterprise_ids, stamp):
    """COPY text of employees start … start + len(enterprise_ids) - 1, the k-th on the roster
    of enterprise_ids[k - start]: a pure function of its arguments, so chunks can be made in
    parallel processes."""
    lines = []
    for k, enterprise_id in enumerate(enterprise_ids, start):
        number = roster_id_card(k)
        name = SURNAMES[k % len(SURNAMES)] + GIVEN[(k // 7) % len(GIVEN)]
        flag = "t" if k % 3 == 0 else "f"
        lines.append(
            f"{enterprise_id}\t{name}\t{crypto.encrypt(number)}\t{crypto.blind_index(number)}"
            f"\t\t\t{DEPARTMENTS[k % len(DEPARTMENTS)]}\t{flag}\t{flag}\tt\t\t{stamp}\t{stamp}\n"
        )
    return "".join(lines).encode()


def _roster_chunk(args):
    return roster_rows(*args)


def _roster_places(n):
    """Which enterprise each of n employees works for: enterprises in order, each its staff
    (scaled up when n exceeds every enterprise's staff), skipping those with a roster."""
    staffed = list(
        Enterprise.objects.exclude(pk__in=Employee.objects.values("enterprise_id"))
        .order_by("pk")
        .values_list("pk", "total_staff")
    )
    total = sum(max(staff, 1) for _pk, staff in staffed)
    scale = max(1, -(-n // total)) if total else 1
    out = []
    for pk, staff in staffed:
        out.extend([pk] * (max(staff, 1) * scale))
        if len(out) >= n:
            break
    return out[:n]


def build_large_roster(n, workers=1):
    """n employees with encrypted and hashed ID numbers, on the rosters of the demo
    enterprises (PostgreSQL: COPY, chunks made by `workers` processes). Returns how many
    were written (0 when a large roster exists already)."""
    if n <= 0 or Employee.objects.count() >= n:
        return 0
    places = _roster_places(n)
    stamp = timezone.now().isoformat()
    chunks = [
        (start, places[start : start + ROSTER_CHUNK], stamp)
        for start in range(0, len(places), ROSTER_CHUNK)
    ]
    if connection.vendor != "postgresql":
        for start, ids, _stamp in chunks:
            bulk.insert(
                Employee,
                [_employee(k, enterprise_id) for k, enterprise_id in enumerate(ids, start)],
            )
        return len(places)
    with transaction.atomic(), bulk.indexes_deferred("health_employee"):
        pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
        made = pool.imap(_roster_chunk, chunks) if pool else map(_roster_chunk, chunks)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY health_employee ({_ROSTER_COLUMNS}) FROM STDIN") as copy:
                for data in made:
                    copy.write(data)
        if pool:
            pool.close()
            pool.join()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE health_employee")
    return len(places)


def _employee(k, enterprise_id):
    e = Employee(enterprise_id=enterprise_id)
    number = roster_id_card(k)
    services.fill_employee(
        e,
        {
            "name": SURNAMES[k % len(SURNAMES)] + GIVEN[(k // 7) % len(GIVEN)],
            "id_number": number,
            "phone": "",
        },
        {
            "department": DEPARTMENTS[k % len(DEPARTMENTS)],
            "lives_on_site": k % 3 == 0,
            "in_bubble": k % 3 == 0,
        },
    )
    return e

"""A demo city modelled on 延边州 (Yanbian, Jilin): real county codes, townships and parks under
them, the units that run an emergency, ~300 enterprises with lists and assignments, and a user
for every role. Deterministic: enterprise i is the same in every run, so the default data set is
a prefix of the large one built for benchmarks, and running it twice changes nothing."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fugong.core import bulk
from fugong.core.models import SEVEN_MUSTS, Campaign, Region, Role, Unit, User
from fugong.core.validators import USCC_ALPHABET, uscc_check_char

from . import industry
from .models import Assignment, Enterprise, EnterpriseAccount, EnterpriseList, ListMembership

DEMO_PASSWORD = "Fugong@2026"
ABOVE_SCALE = 274  # 延边州: 274 industrial enterprises above designated size
KEY = 50  # of which 50 key enterprises

COUNTIES = {
    "222401": (
        "延吉市",
        "延吉",
        [
            ("001", "进学街道"),
            ("002", "北山街道"),
            ("003", "新兴街道"),
            ("004", "公园街道"),
            ("005", "建工街道"),
            ("006", "河南街道"),
            ("100", "依兰镇"),
            ("101", "朝阳川镇"),
            ("102", "小营镇"),
        ],
        [("400", "延吉高新技术产业开发区")],
    ),
    "222402": (
        "图们市",
        "图们",
        [
            ("001", "向上街道"),
            ("002", "新华街道"),
            ("003", "月宫街道"),
            ("100", "石岘镇"),
            ("101", "长安镇"),
            ("102", "凉水镇"),
        ],
        [],
    ),
    "222403": (
        "敦化市",
        "敦化",
        [
            ("001", "胜利街道"),
            ("002", "民主街道"),
            ("003", "丹江街道"),
            ("004", "渤海街道"),
            ("100", "大石头镇"),
            ("101", "黄泥河镇"),
        ],
        [("400", "敦化经济开发区")],
    ),
    "222404": (
        "珲春市",
        "珲春",
        [
            ("001", "靖和街道"),
            ("002", "新安街道"),
            ("003", "河南街道"),
            ("100", "英安镇"),
            ("101", "春化镇"),
        ],
        [("400", "珲春国际合作示范区")],
    ),
    "222405": (
        "龙井市",
        "龙井",
        [("001", "安民街道"), ("002", "龙门街道"), ("100", "东盛涌镇"), ("101", "老头沟镇")],
        [],
    ),
    "222406": (
        "和龙市",
        "和龙",
        [("001", "文化街道"), ("002", "光明街道"), ("100", "八家子镇"), ("101", "南坪镇")],
        [],
    ),
    "222424": ("汪清县", "汪清", [("100", "汪清镇"), ("101", "大兴沟镇"), ("102", "天桥岭镇")], []),
    "222426": ("安图县", "安图", [("100", "明月镇"), ("101", "松江镇"), ("102", "二道白河镇")], []),
}
COUNTY_WEIGHTS = {
    "222401": 30,
    "222402": 8,
    "222403": 18,
    "222404": 16,
    "222405": 8,
    "222406": 7,
    "222424": 7,
    "222426": 6,
}

BRANDS = [
    "长白山",
    "海兰江",
    "图们江",
    "布尔哈通",
    "天池",
    "金达莱",
    "仁和",
    "鑫源",
    "宏达",
    "华美",
    "福源",
    "兴业",
    "恒通",
    "盛达",
    "新世纪",
    "东方",
    "瑞丰",
    "金桥",
    "白山",
    "松江",
    "明泰",
    "永信",
    "嘉禾",
    "安泰",
    "众诚",
    "远航",
    "百川",
    "腾飞",
    "富民",
    "汇通",
]
TRADES = {
    "13": ["农副食品", "粮油", "畜禽加工"],
    "14": ["食品", "参业食品", "冷面食品"],
    "15": ["酒业", "矿泉水", "饮品"],
    "16": ["卷烟"],
    "17": ["纺织"],
    "18": ["服饰", "制衣"],
    "20": ["木业"],
    "22": ["纸业"],
    "26": ["化工"],
    "27": ["药业", "制药", "生物工程"],
    "29": ["塑料制品"],
    "30": ["建材", "水泥"],
    "32": ["铜业", "有色金属"],
    "33": ["金属制品"],
    "34": ["机械"],
    "35": ["医疗器械", "装备"],
    "36": ["汽车零部件"],
    "38": ["电气"],
    "39": ["电子"],
    "44": ["热电", "发电"],
    "09": ["矿业"],
    "04": ["水产"],
}
INDUSTRY_WEIGHTS = {
    "13": 10,
    "14": 9,
    "15": 6,
    "16": 1,
    "17": 4,
    "18": 5,
    "20": 6,
    "22": 2,
    "26": 5,
    "27": 10,
    "29": 4,
    "30": 7,
    "32": 2,
    "33": 5,
    "34": 5,
    "35": 4,
    "36": 3,
    "38": 3,
    "39": 3,
    "44": 3,
    "09": 3,
    "04": 2,
}
STREETS = ["长白路", "光明街", "人民路", "友谊路", "新兴街"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡金朴崔郑韩"
GIVEN = [
    "明秀",
    "永康",
    "晓玲",
    "彩霞",
    "伟",
    "冲",
    "盛富",
    "易辉",
    "川",
    "晓珠",
    "秋月",
    "婷",
    "金铭",
    "国",
    "黎黎",
    "哲",
    "玉宇",
    "德胜",
    "海燕",
    "成哲",
    "英爱",
    "光洙",
]


def _phone(rng):
    return "139" + "".join(rng.choice("0123456789") for _ in range(8))


def _org_code(rng):
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng, county_code):
    first17 = "91" + county_code + _org_code(rng)
    assert all(c in USCC_ALPHABET for c in first17)
    return first17 + uscc_check_char(first17)


def _weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@transaction.atomic
def build_structure():
    """Regions, units, the campaign, lists. Idempotent."""

    def region(code, name, level, parent=None):
        r, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        return r

    def unit(code, name, kind, reg, parent=None, sector=""):
        u, _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "region": reg,
                "parent": parent,
                "sector": sector,
            },
        )
        return u

    province = region("220000", "吉林省", "province")
    city = region("222400", "延边朝鲜族自治州", "city", province)
    prov_cc = unit("220000-zb", "吉林省应对疫情工作领导小组", "command_centre", province)
    city_cc = unit("222400-zb", "延边州复工复产工作专班", "command_centre", city, prov_cc)
    for suffix, name, sector in [
        ("gxj", "延边州工业和信息化局", "industry"),
        ("jtj", "延边州交通运输局", "transport"),
        ("rsj", "延边州人力资源和社会保障局", "human_resources"),
        ("jrb", "延边州金融办", "finance"),
        ("wjw", "延边州卫生健康委员会", "health"),
        ("scjgj", "延边州市场监督管理局", "market"),
    ]:
        unit(f"222400-{suffix}", name, "department", city, city_cc, sector)
    for code, (name, short, towns, parks) in COUNTIES.items():
        county = region(code, name, "county", city)
        cc = unit(f"{code}-zb", f"{name}复工复产工作专班", "command_centre", county, city_cc)
        unit(f"{code}-gxj", f"{name}工业和信息化局", "department", county, cc, "industry")
        unit(f"{code}-jtj", f"{name}交通运输局", "department", county, cc, "transport")
        for suffix, tname in towns:
            t = region(code + suffix, tname, "township", county)
            unit(
                f"{code}{suffix}-gov",
                f"{short}{tname}" if tname.endswith("街道") else tname,
                "township",
                t,
                cc,
            )
        for suffix, pname in parks:
            p = region(code + suffix, pname, "park", county)
            unit(f"{code}{suffix}-gwh", f"{pname}管委会", "park", p, cc)
        unit(
            f"{code}-kk1",
            f"{name}高速出口检疫卡口",
            "checkpoint",
            county,
            Unit.objects.get(code=f"{code}-jtj"),
        )
    Campaign.objects.update_or_create(
        name="2020年新冠肺炎疫情复工复产",
        defaults={
            "region": city,
            "starts_on": date(2020, 1, 28),
            "ends_on": date(2020, 7, 31),
            "modules": list(Campaign.Module.values),
            "checklist": SEVEN_MUSTS,
            "report_fields": [{"key": "masks_stock", "label": "口罩库存(只)", "type": "number"}],
            "sla": {"workorder_hours": 72, "escalate_after_hours": 24},
        },
    )
    # a campaign running now, with daily reports up to today (reporting.demo), so that the demo
    # shows a live emergency and problems, applications and passes can be tried today
    live, _created = Campaign.objects.get_or_create(
        name=LIVE_CAMPAIGN,
        defaults={
            "region": city,
            "starts_on": timezone.localdate() - timedelta(days=3),
            "ends_on": None,
            "modules": list(Campaign.Module.values),
            "checklist": SEVEN_MUSTS,
            "sla": {"workorder_hours": 72, "approval_steps": 2, "pass_max_days": 14},
        },
    )
    if live.modules and Campaign.Module.REPORTS not in live.modules:  # a demo built before
        Campaign.objects.filter(pk=live.pk).update(modules=[*live.modules, Campaign.Module.REPORTS])
    for name, kind, desc in [
        ("重点企业", "key", "州级重点企业（涉及城市运行、生活必需品和防疫物资）"),
        ("市级白名单", "city_whitelist", "产业链供应链重点企业白名单（州级）"),
        ("省级白名单", "province_whitelist", "入选省级产业链供应链白名单的企业"),
    ]:
        EnterpriseList.objects.update_or_create(
            name=name, defaults={"kind": kind, "description": desc}
        )


def _places():
    """(county code, region) for every township and park, per county."""
    regions = {r.code: r for r in Region.objects.filter(level__in=["township", "park"])}
    return {code: [r for c, r in regions.items() if c.startswith(code)] for code in COUNTIES}


def enterprise_data(i, places):
    rng = random.Random(f"fugong-demo-{i}")
    county = _weighted(rng, COUNTY_WEIGHTS)
    name_c, short, _t, _p = COUNTIES[county]
    division = _weighted(rng, INDUSTRY_WEIGHTS)
    trade = rng.choice(TRADES[division])
    brand = rng.choice(BRANDS)
    suffix = "" if i < len(BRANDS) * 3 else str(i)
    place = rng.choice(places[county])
    staff = int(rng.lognormvariate(4.3, 0.9)) + 8
    above = i < ABOVE_SCALE if i < 300 else rng.random() < 0.3
    # 上年工业总产值 (万元): above-scale means at least 2,000万元 of revenue; its own generator,
    # so the rest of the demo city stays as it was
    out = random.Random(f"fugong-output-{i}")
    output = (2000 + staff * 3 * out.uniform(8, 40)) if above else staff * out.uniform(3, 15)
    return Enterprise(
        uscc=make_uscc(rng, county),
        name=f"{short}{brand}{trade}{suffix}有限公司"
        if i % 7
        else f"延边{brand}{trade}{suffix}股份有限公司",
        region=place,
        industry=division,
        industry_section=industry.section_of(division),
        industry_division=division,
        scale="above" if above else "below",
        total_staff=staff * (3 if above else 1),
        annual_output=Decimal(f"{output:.2f}"),
        address=f"{name_c}{place.name}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
        longitude=round(129.2 + rng.uniform(-1.2, 1.3), 6),
        latitude=round(42.9 + rng.uniform(-0.8, 0.6), 6),
        contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        contact_phone=_phone(rng),
    )


def insert_enterprises(enterprises):
    """Every demo enterprise is inserted here (COPY on PostgreSQL: the province demo's
    100,000 in seconds): the one place to fill a column derived at insert."""
    for start in range(0, len(enterprises), 20000):
        bulk.insert(Enterprise, enterprises[start : start + 20000])


@transaction.atomic
def build_enterprises(n):
    places = _places()
    wanted, seen = [enterprise_data(i, places) for i in range(n)], set()
    for i, e in enumerate(wanted):  # 8 random digits repeat among 100,000 enterprises
        attempt = 0
        while e.uscc in seen:
            attempt += 1
            e.uscc = make_uscc(random.Random(f"fugong-uscc-{i}-{attempt}"), e.uscc[2:8])
        seen.add(e.uscc)
    have = set(Enterprise.objects.values_list("uscc", flat=True))
    new = [e for e in wanted if e.uscc not in have]
    insert_enterprises(new)
    by_uscc = dict(Enterprise.objects.values_list("uscc", "pk"))
    ids = [by_uscc[e.uscc] for e in wanted]
    lists = {lst.kind: lst for lst in EnterpriseList.objects.all()}
    members = []
    for i, pk in enumerate(ids):
        if i < 250 and i % 5 == 0:
            members.append((lists["key"].pk, pk, "州级重点企业"))
        if i < ABOVE_SCALE and i % 9 == 0:
            members.append((lists["city_whitelist"].pk, pk, "产业链供应链重点企业"))
        if i < ABOVE_SCALE and i % 27 == 0:
            members.append((lists["province_whitelist"].pk, pk, "入选省级白名单"))
        if i >= 300 and i % 10 == 0:
            members.append((lists["key"].pk, pk, "州级重点企业"))
    current = set(ListMembership.objects.current().values_list("list_id", "enterprise_id"))
    bulk.insert(
        ListMembership,
        [
            ListMembership(list_id=lst, enterprise_id=e, reason=r, added_on=date(2020, 2, 1))
            for lst, e, r in members
            if (lst, e) not in current
        ],
    )
    units = {u.region_id: u for u in Unit.objects.filter(kind__in=["township", "park"])}
    county_gxj = {
        u.region.code: u
        for u in Unit.objects.filter(code__endswith="-gxj").select_related("region")
    }
    has = set(Assignment.objects.values_list("enterprise_id", flat=True))
    key_ids = {e for lst, e, _r in members if lst == lists["key"].pk}
    enterprises = {
        e.pk: e for e in Enterprise.objects.filter(pk__in=set(ids) - has).select_related("region")
    }
    new_assignments = []
    for pk, e in enterprises.items():
        rng = random.Random(f"fugong-assign-{e.uscc}")
        key = pk in key_ids
        new_assignments.append(
            Assignment(
                enterprise=e,
                township=units.get(e.region_id),
                department=county_gxj["222400" if key else e.uscc[2:8]],
                leader_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                leader_title="副州长" if key else "副市（县）长",
                leader_phone=_phone(rng),
            )
        )
    bulk.insert(Assignment, new_assignments)
    return len(new), ids


LIVE_CAMPAIGN = "冬季疫情防控应急响应（演示）"

USERS = [
    # username, name, role, unit code, enterprise index, description
    ("admin", "系统管理员", Role.ADMIN, None, None, "系统管理员（全部数据，管理后台）"),
    ("zhuanban", "崔成哲", Role.COMMAND_CENTRE, "222400-zb", None, "州专班：全州"),
    ("yanji", "金英爱", Role.COMMAND_CENTRE, "222401-zb", None, "延吉市专班：延吉市"),
    ("tumen", "朴光洙", Role.COMMAND_CENTRE, "222402-zb", None, "图们市专班：图们市"),
    ("gongxin", "张易辉", Role.DEPARTMENT, "222400-gxj", None, "州工信局：全州（部门）"),
    ("jiaotong", "李婷", Role.DEPARTMENT, "222400-jtj", None, "州交通运输局：全州（部门）"),
    ("jinxue", "王冲", Role.TOWNSHIP, "222401001-gov", None, "延吉市进学街道：本街道"),
    ("gaoxin", "刘盛富", Role.TOWNSHIP, "222401400-gwh", None, "延吉高新区管委会：本园区"),
    ("tepaiyuan", "柴永山", Role.COMMISSIONER, None, None, "特派员：包联的企业"),
    ("qiye1", "王明秀", Role.ENTERPRISE, None, 0, "企业联系人：本企业"),
    ("qiye2", "董永康", Role.ENTERPRISE, None, 1, "企业联系人：本企业"),
    ("fangyi1", "赵小雪", Role.HEALTH_OFFICER, None, 0, "企业防疫专员：本企业员工健康"),
    ("kakou", "孙彩霞", Role.CHECKPOINT, None, None, "卡口人员：只核验通行证"),
]


def _second_enterprise(ids):
    """qiye2 acts for an enterprise in another county than qiye1's."""
    first = Enterprise.objects.get(pk=ids[0])
    return next(pk for pk in ids[1:] if Enterprise.objects.get(pk=pk).uscc[2:8] != first.uscc[2:8])


@transaction.atomic
def build_users(ids):
    logins = []
    kakou_unit = Unit.objects.get(code="222401-kk1")
    for username, name, role, unit_code, ent_index, desc in USERS:
        unit = Unit.objects.get(code=unit_code) if unit_code else None
        if role == Role.CHECKPOINT:
            unit = kakou_unit
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "name": name,
                "role": role,
                "unit": unit,
                "phone": "13904330" + f"{len(logins):03d}",
                "email": f"{username}@demo.fugong.invalid",  # make run writes mail to the log
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
                "must_change_password": True,  # the demo password is public
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if ent_index is not None:
            pk = ids[0] if ent_index == 0 else _second_enterprise(ids)
            EnterpriseAccount.objects.get_or_create(user=user, defaults={"enterprise_id": pk})
        logins.append((username, desc))
    commissioner = User.objects.get(username="tepaiyuan")
    for pk in ids[:300:15]:
        Assignment.objects.get(enterprise_id=pk).commissioners.add(commissioner)
    return logins


def build(n=300):
    build_structure()
    created, ids = build_enterprises(n)
    logins = build_users(ids)
    return created, logins

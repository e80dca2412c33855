"""A generated, labelled corpus of enterprises' problem texts, one category each, for the
default triage model: the seeds' wording and well beyond it — other trades, short and long
texts, colloquial and dialect-flavoured phrasing, typos, and texts that mention a second
problem (labelled by the first). Predicates are shared between categories and subjects name
things of other categories, so a category is told by what is said, not by a template word;
the context people write around a problem is mixed into every category alike. Deterministic
for a given seed."""

import random

PROBLEMS = {
    "logistics": [
        "货车进不了城",
        "原料运不进来",
        "产品运不出去",
        "卡口劝返我们的车",
        "司机不愿意跑长途",
        "高速出口封了，车辆绕不过去",
        "物流停了，货发不出去",
        "找不到车拉货",
        "运输通行证办不下来",
        "跨省运输受阻",
        "快递停发，样品寄不出去",
        "冷链车进不了园区",
        "火车站货运暂停",
        "外省的货卡在检查站",
        "运费涨了三倍也没车",
    ],
    "labour": [
        "工人返不了岗",
        "外地员工回不来",
        "招不到工人",
        "用工缺口很大",
        "员工被隔离在家",
        "熟练工都在老家出不来",
        "一线工人不够，生产线开不满",
        "需要临时招聘二十个人",
        "员工住宿没地方安排",
        "工人上下班没有交通",
        "返岗人员要隔离十四天，人手不够",
    ],
    "finance": [
        "资金周转困难",
        "贷款到期还不上",
        "需要流动资金贷款",
        "银行抽贷",
        "工资发不出来",
        "想申请贴息贷款",
        "应收账款收不回来",
        "房租压力大",
        "税款申请延期缴纳",
        "急需一笔过桥资金",
        "融资担保办不下来",
        "现金流快断了",
    ],
    "supplies": [
        "口罩不够用",
        "缺消毒液",
        "体温枪买不到",
        "防护服紧缺",
        "酒精库存只够两天",
        "复工需要的防疫物资买不到",
        "测温仪坏了没地方买",
        "员工口罩每天要两千只",
        "消杀药品用完了",
        "缺一次性手套",
    ],
    "materials": [
        "原材料断供",
        "上游供应商没复工",
        "原料库存只能撑三天",
        "配件进不来",
        "包装材料缺货",
        "化工原料涨价还买不到",
        "主要原料从外省进，现在供不上",
        "钢材到不了货",
        "辅料供应商停产了",
        "纸箱供应不上",
    ],
    "permits": [
        "复工备案批不下来",
        "证照到期没法续",
        "消毒产品生产许可办不下来",
        "环评手续卡住了",
        "转产口罩需要的资质怎么办",
        "营业执照变更办不了",
        "审批窗口关了",
        "施工许可证还没批",
        "卫生许可证过期了",
    ],
    "prevention": [
        "不知道复工防疫方案怎么写",
        "车间怎么消毒才合格",
        "员工发热了怎么处理",
        "需要防控指导",
        "留观点怎么设置",
        "食堂怎么错峰就餐",
        "来访人员怎么登记",
        "核酸检测安排不过来",
        "闭环管理方案不会做",
    ],
    "energy": [
        "天然气供应不足",
        "电力容量不够",
        "限电影响生产",
        "燃气压力不稳",
        "柴油加不上",
        "锅炉用气断了",
        "供暖停了车间太冷",
        "电价太高",
        "变压器故障等不到维修",
    ],
    "infrastructure": [
        "厂区门口的路封了",
        "园区自来水停了",
        "网络断了",
        "道路施工车进不来",
        "排水管堵了",
        "厂房漏水",
        "园区路灯坏了",
        "污水处理设施跟不上",
    ],
    "policy": [
        "想了解稳岗补贴政策",
        "社保减免怎么申请",
        "有没有复工补贴",
        "租金减免政策问一下",
        "中小企业扶持政策咨询",
        "援企稳岗资金怎么领",
        "税收优惠怎么享受",
        "以工代训补贴怎么申报",
    ],
    "other": [
        "想咨询一下其他事情",
        "员工心理压力大",
        "食堂承包商不来了",
        "客户取消订单",
        "想找人帮忙代购生活物资",
        "宿舍管理有困难",
        "设备厂家工程师来不了",
    ],
}

# Fragments that combine into many more phrases: subject × predicate, per category. The
# predicates come largely from shared pools, and subjects name things of other categories
# ("运口罩的车" is logistics, "做口罩的熔喷布" materials, "转产口罩的资质" permits), so no category
# can be told by one template word: it is the combination that says what the problem is.
SHORT = ["供应不上", "断了", "停了", "不够", "跟不上", "没着落"]
BUY = ["买不到", "断货了", "涨价了还买不到", "库存见底"]
ADMIN = ["办不下来", "批不下来", "卡住了", "等了半个月", "材料被退回", "不知道去哪办"]
ASK = ["怎么申请", "有没有政策", "需要什么材料", "找哪个部门", "能不能帮协调"]
MOVE = ["进不来", "出不去", "被劝返", "过不了卡口", "送不到"]

PARTS = {
    "logistics": (
        ["货车", "运输车辆", "原料车", "送货的车", "冷链车", "物流", "快递", "我们的车队"]
        + ["运口罩的车", "拉钢材的车", "发往省外的货", "外省来的货"],
        MOVE + ["找不到司机", "没有通行证", "在高速口排了一天", "停运了", "运费涨了三倍", "停了"],
    ),
    "labour": (
        ["工人", "外地员工", "一线员工", "熟练技工", "新招的工人", "返岗职工", "操作工"]
        + ["接工人的大巴", "保洁和食堂人员"],
        ["回不来", "返不了岗", "招不到", "不够", "被隔离了", "不敢来上班", "缺三十多个"]
        + ["住宿安排不了", "进不来", "被劝返", "没着落"],
    ),
    "finance": (
        ["流动资金", "银行贷款", "工资", "货款", "房租", "税款", "资金链", "买原料的钱"]
        + ["信用贷款", "运费和工资"],
        ["周转不开", "到期还不上", "发不出来", "收不回来", "压力太大", "需要延期"]
        + ["断了", "申请不下来", "批不下来", "跟不上", "没着落"],
    ),
    "supplies": (
        ["口罩", "消毒液", "体温枪", "防护服", "酒精", "手套", "测温仪", "防疫物资"],
        BUY + ["不够", "供应不上", "每天都要很多", "只够两天", "送不到"],
    ),
    "materials": (
        ["原材料", "原料", "配件", "包装材料", "辅料", "钢材", "做口罩的熔喷布", "纸箱"]
        + ["上游的零部件", "化工原料"],
        SHORT[:3] + BUY + ["只能撑三天", "供应商没复工", "进不来", "送不到"],
    ),
    "permits": (
        ["复工备案", "生产许可", "营业执照", "环评手续", "卫生许可证", "施工许可"]
        + ["转产口罩的资质", "车辆通行证", "证照续期"],
        ADMIN + ["过期了", "怎么申请", "需要什么材料"],
    ),
    "prevention": (
        ["防疫方案", "车间消毒", "发热员工", "留观点", "错峰就餐", "来访登记", "核酸检测"]
        + ["闭环管理", "返岗工人的隔离", "口罩发放登记"],
        ["不知道怎么做", "需要指导", "怎么处理", "怎么设置才合格", "安排不过来", "标准是什么"]
        + ["有没有模板", "找哪个部门", "跟不上"],
    ),
    "energy": (
        ["天然气", "电力", "燃气", "柴油", "锅炉用气", "供暖", "变压器", "用电负荷"],
        ["供应不足", "容量不够", "限供了", "压力不稳", "加不上", "故障没人修", "价格太高"]
        + SHORT[:3],
    ),
    "infrastructure": (
        ["厂区门口的路", "园区自来水", "网络", "道路", "排水管", "厂房", "路灯", "污水管网"]
        + ["园区的电线", "宿舍的暖气管"],
        ["封了", "在施工", "堵了", "漏水", "坏了", "车进不来"] + SHORT[:3] + ["跟不上"],
    ),
    "policy": (
        ["稳岗补贴", "社保减免", "复工补贴", "租金减免", "扶持政策", "援企稳岗资金"]
        + ["税收优惠", "以工代训补贴", "贴息贷款", "运费补贴"],
        ASK + ["什么时候发", "符不符合条件", "申请不下来", "等了半个月"],
    ),
    "other": (
        ["员工心理", "食堂承包商", "客户订单", "生活物资", "宿舍管理", "设备厂家工程师"]
        + ["宣传报道", "其他事情", "外贸订单"],
        ["压力大", "不来了", "被取消", "想找人代购", "有困难", "来不了", "想咨询"]
        + ["需要协调", "没着落", "停了"],
    ),
}

# What people write around the problem itself, in every category alike.
CONTEXTS = [
    "",
    "",
    "",
    "节后复工以来，",
    "年前订单很多，现在",
    "上周已经跟街道反映过，",
    "主要做出口，",
    "产能现在只有三成，",
    "两百多人等着开工，",
    "这个事拖了好几天了，",
]
CLOSINGS = [
    "",
    "",
    "",
    "，客户一直在催",
    "，已经跟园区说过了",
    "，合同要违约了",
    "，不知道该找谁",
    "，这周再解决不了就得停产",
]

TRADES = [
    "我们厂",
    "我们公司",
    "本企业",
    "我司",
    "我们车间",
    "我们药厂",
    "我们食品厂",
    "我们服装厂",
    "我们化工厂",
    "我们机械厂",
    "我们人参加工厂",
    "我们水产公司",
    "我们木业公司",
    "我们矿上",
    "我们电子厂",
    "我们饭店",
    "我们超市",
    "",
]
OPENERS = [
    "",
    "你好，",
    "领导好，",
    "您好，",
    "请问一下，",
    "麻烦问下，",
    "急！",
    "反映个情况：",
    "各位领导，",
    "打扰了，",
]
ASKS = [
    "",
    "，请帮忙协调",
    "，希望政府帮忙解决",
    "，咋整",
    "，怎么办",
    "，急需帮助",
    "，能不能帮帮忙",
    "，谢谢",
    "，请尽快回复",
    "。已经影响生产了",
    "，再这样就要停产了",
    "，整不了了",
    "，麻烦给个说法哈",
    "，急死了",
    "。",
]
TYPOS = {
    "运": "云",
    "原": "元",
    "货": "或",
    "资": "咨",
    "金": "今",
    "工": "公",
    "员": "园",
    "罩": "照",
    "消": "销",
    "毒": "读",
    "料": "了",
    "证": "正",
    "电": "点",
    "气": "汽",
}


def _noisy(rng, text):
    if rng.random() < 0.25:
        chars = list(text)
        for i, c in enumerate(chars):
            if c in TYPOS and rng.random() < 0.3:
                chars[i] = TYPOS[c]
        text = "".join(chars)
    if rng.random() < 0.15:
        text = text.replace("，", " ").replace("。", "")
    return text


def phrases(code, part):
    """A category's whole phrases and subject × predicate combinations. Every fourth of each
    is kept out of training ("held-out"), so evaluation measures wording and combinations the
    model has not seen."""
    subjects, predicates = PARTS[code]
    bank = [(i, p) for i, p in enumerate(PROBLEMS[code])]
    bank += [(i + j, s + p) for i, s in enumerate(subjects) for j, p in enumerate(predicates)]
    if part == "train":
        return [p for k, p in bank if k % 4 != 3]
    if part == "held-out":
        return [p for k, p in bank if k % 4 == 3]
    return [p for _k, p in bank]


def generate(per_category=200, seed=2020, part="all"):
    """[(text, category code)], `per_category` of each category, shuffled; `part` is "train",
    "held-out" or "all" (the default model trains on all)."""
    rng = random.Random(seed)
    codes = list(PROBLEMS)
    out = []
    for code in codes:
        bank = phrases(code, part)
        for _ in range(per_category):
            text = rng.choice(bank)
            if rng.random() < 0.35:  # a second, different detail of the same problem
                text += "，" + rng.choice(bank)
            if rng.random() < 0.15:  # mentions another problem too (labelled by the first)
                text += "，另外" + rng.choice(PROBLEMS[rng.choice(codes)])
            text = rng.choice(CONTEXTS) + text + rng.choice(CLOSINGS)
            text = rng.choice(OPENERS) + rng.choice(TRADES) + text + rng.choice(ASKS)
            out.append((_noisy(rng, text), code))
    rng.shuffle(out)
    return out

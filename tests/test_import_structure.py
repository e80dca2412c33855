"""Regions, units, list memberships and assignments from Excel."""

from fugong.core.excel import IMPORTERS
from fugong.core.models import Region, Unit
from fugong.registry.models import Assignment, EnterpriseList, ListMembership

from .factories import uscc
from .xlsx import xlsx

REGION_HEADERS = ["行政区划代码", "名称", "级别", "上级代码"]
UNIT_HEADERS = ["单位编码", "单位名称", "类型", "行业", "行政区划代码", "上级单位编码", "联系电话"]


def run(kind, user, data, skip_bad=False):
    return IMPORTERS[kind](user).run(data, skip_bad=skip_bad)


def test_regions_import_with_parents_later_in_the_same_file(cast):
    report = run(
        "regions",
        cast.admin,
        xlsx(
            REGION_HEADERS,
            [
                ["222403100", "大石头镇", "街镇", "222403"],
                ["222403400", "敦化经济开发区", "园区", "222403"],
                ["222403", "敦化市", "县", "222400"],
            ],
        ),
    )
    assert report.errors == [] and report.created == 3
    town = Region.objects.get(code="222403100")
    assert town.path == "/220000/222400/222403/222403100/"
    assert Region.objects.get(code="222403400").level == "park"


def test_region_reimport_updates_and_moves_subtrees(cast):
    run("regions", cast.admin, xlsx(REGION_HEADERS, [["222401", "延吉市（新名）", "县", "222400"]]))
    assert Region.objects.get(code="222401").name == "延吉市（新名）"
    assert Region.objects.count() == 7


def test_region_rows_are_checked(cast):
    report = run(
        "regions",
        cast.admin,
        xlsx(
            REGION_HEADERS,
            [
                ["22240", "坏代码", "县", "222400"],
                ["222409", "无上级", "县", "222499"],
                ["222410", "级别错", "街镇", "222401001"],
                ["222411", "未知级别", "大区", "222400"],
                ["222412", "没有上级", "县", ""],
                ["222413", "重复", "县", "222400"],
                ["222413", "重复", "县", "222400"],
            ],
        ),
    )
    by_row = {e.row: (e.column, e.reason) for e in report.errors}
    assert by_row[2][0] == "行政区划代码"
    assert by_row[3] == ("上级代码", "上级代码 222499 不存在（数据库和本文件中都没有）")
    assert "高于本级" in by_row[4][1]
    assert by_row[5][0] == "级别"
    assert "必须填写上级代码" in by_row[6][1]
    assert "重复" in by_row[8][1]
    assert not Region.objects.filter(code="222413").exists()


def test_units_import_with_escalation_path(cast):
    report = run(
        "units",
        cast.admin,
        xlsx(
            UNIT_HEADERS,
            [
                [
                    "222401-gxj",
                    "延吉市工信局",
                    "行业部门",
                    "工信",
                    "222401",
                    "222401-zb",
                    "0433-2512345",
                ],
                ["222401002-gov", "北山街道办事处", "街镇", "", "222401002", "222401-zb", ""],
            ],
        ),
    )
    assert report.errors == [], report.errors
    gxj = Unit.objects.get(code="222401-gxj")
    assert (gxj.sector, gxj.parent.code) == ("industry", "222401-zb")
    assert [u.code for u in gxj.escalation_chain()] == ["222401-zb", "222400-zb"]


def test_unit_rows_are_checked(cast):
    report = run(
        "units",
        cast.admin,
        xlsx(
            UNIT_HEADERS,
            [
                ["u1", "部门无行业", "行业部门", "", "222401", "", ""],
                ["u2", "未知类型", "委员会", "", "222401", "", ""],
                ["u3", "未知区划", "街镇", "", "999999", "", ""],
                ["u4", "上级不含本级", "街镇", "", "222401001", "222402-zb", ""],
                ["u5", "坏电话", "卡口", "", "222401", "", "110"],
            ],
        ),
    )
    assert [e.row for e in report.errors] == [2, 3, 4, 5, 6]
    assert not Unit.objects.filter(code__startswith="u").exists()


LIST_HEADERS = ["名单名称", "统一社会信用代码", "操作", "日期", "原因", "名单类型"]


def test_list_import_adds_removes_and_keeps_history(cast):
    report = run(
        "lists",
        cast.zhuanban,
        xlsx(
            LIST_HEADERS,
            [
                ["省级白名单", cast.a.uscc, "列入", "2022-09-01", "入选省级白名单", "省级白名单"],
                ["重点企业", cast.b.uscc, "", "2020-02-01", "州级重点", ""],
            ],
        ),
    )
    assert report.errors == [] and report.created == 2
    assert EnterpriseList.objects.get(name="省级白名单").kind == "province_whitelist"
    report = run(
        "lists",
        cast.zhuanban,
        xlsx(LIST_HEADERS, [["重点企业", cast.b.uscc, "移出", "2020-03-01", "已退出", ""]]),
    )
    assert report.updated == 1
    history = ListMembership.objects.get(enterprise=cast.b)
    assert (str(history.removed_on), history.removal_reason, history.removed_by) == (
        "2020-03-01",
        "已退出",
        cast.zhuanban,
    )


def test_list_rows_are_checked_and_scoped(cast):
    report = run(
        "lists",
        cast.yanji,
        xlsx(
            LIST_HEADERS,
            [
                ["重点企业", cast.b.uscc, "列入", "", "", ""],  # 图们's enterprise: out of scope
                ["重点企业", cast.a.uscc, "删除", "", "", ""],
                ["重点企业", cast.a2.uscc, "", "2020-13-01", "", ""],
                [
                    "新名单",
                    cast.a.uscc,
                    "",
                    "",
                    "",
                    "",
                ],  # only the command centre of... yanji is one
            ],
        ),
    )
    rows = {e.row: e.column for e in report.errors}
    assert rows == {2: "统一社会信用代码", 3: "操作", 4: "日期"}
    report = run(
        "lists", cast.township, xlsx(LIST_HEADERS, [["新名单", cast.a.uscc, "", "", "", ""]])
    )
    assert "只有指挥部" in report.errors[0].reason


def test_removing_an_enterprise_not_on_the_list_is_an_error(cast):
    report = run(
        "lists", cast.admin, xlsx(LIST_HEADERS, [["重点企业", cast.a.uscc, "移出", "", "", ""]])
    )
    assert "当前不在名单中" in report.errors[0].reason
    assert not report.written


ASSIGN_HEADERS = [
    "统一社会信用代码",
    "包保领导",
    "领导职务",
    "领导电话",
    "行业部门",
    "属地街镇",
    "特派员",
]


def test_assignments_import_and_update(cast):
    data = xlsx(
        ASSIGN_HEADERS,
        [
            [
                cast.a.uscc,
                "张伟",
                "副州长",
                "13904330002",
                "222400-gxj",
                "进学街道办事处",
                "tepaiyuan",
            ],
        ],
    )
    assert run("assignments", cast.yanji, data).created == 1
    a = Assignment.objects.get(enterprise=cast.a)
    assert (a.leader_name, a.department.code, a.township.code) == (
        "张伟",
        "222400-gxj",
        "222401001-gov",
    )
    assert list(a.commissioners.all()) == [cast.commissioner]
    assert run("assignments", cast.yanji, data).updated == 1


def test_assignment_rows_are_checked(cast):
    report = run(
        "assignments",
        cast.yanji,
        xlsx(
            ASSIGN_HEADERS,
            [
                [cast.b.uscc, "", "", "", "", "", ""],
                [cast.a.uscc, "", "", "110", "", "", ""],
                [cast.a2.uscc, "", "", "", "没有的单位", "222401001-gov", "yanji"],
                [uscc(), "", "", "", "", "", ""],
            ],
        ),
    )
    by_row = {}
    for e in report.errors:
        by_row.setdefault(e.row, set()).add(e.column)
    assert by_row == {
        2: {"统一社会信用代码"},
        3: {"领导电话"},
        4: {"行业部门", "属地街镇", "特派员"},
        5: {"统一社会信用代码"},
    }

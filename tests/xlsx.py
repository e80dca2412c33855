"""Build real .xlsx files for import tests."""

import io

from openpyxl import Workbook

ENTERPRISE_HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "行政区划代码",
    "行业代码",
    "规模",
    "职工总数",
    "联系人",
    "联系电话",
    "地址",
    "名单",
    "备注",
]


def xlsx(headers, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def enterprise_row(
    uscc,
    name="新企业有限公司",
    region="222401001",
    industry="C27",
    scale="规上",
    staff=100,
    phone="13904330001",
    lists="",
):
    return [uscc, name, region, industry, scale, staff, "王明秀", phone, "延吉市", lists, ""]


REPORT_HEADERS = [
    "统一社会信用代码",
    "日期",
    "复工状态",
    "生产模式",
    "在岗人数",
    "职工总数",
    "当日产值(万元)",
    "产能利用率(%)",
    "原材料可用天数",
    "困难诉求",
]

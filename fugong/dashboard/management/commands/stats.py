import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.core.permissions import SYSTEM
from fugong.dashboard import crosscheck
from fugong.reporting import stats
from fugong.reporting.completeness import completeness
from fugong.reporting.shares import resumption_with_shares


class Command(BaseCommand):
    help = (
        "Resumption statistics: fugong stats resumption --region CODE --date YYYY-MM-DD "
        "[--list NAME] [--industry X] [--scale above|below] [--by region|industry|scale|list] "
        "[--json]; electricity cross-check: fugong stats power --region CODE --date YYYY-MM-DD "
        "[--by region|industry] [--json]; completeness of a data day: fugong stats completeness "
        "--region CODE --date YYYY-MM-DD [--campaign ID] [--json]; --confirmed counts only "
        "confirmed reports (逐级审核)"
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["resumption", "power", "completeness"])
        for name in ("region", "date", "list", "industry", "scale", "campaign"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--by", choices=stats.BY)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--confirmed", action="store_true")

    def handle(self, what, by, json, confirmed, **options):
        params = {
            k: options[k] for k in ("region", "date", "list", "industry", "scale", "campaign")
        }
        params["confirmed"] = confirmed
        try:
            query = stats.StatsQuery.parse(SYSTEM, params)
            if what == "power":
                if by not in (None, *crosscheck.BY):
                    raise ValidationError({"by": "by power: region or industry"})
                result = crosscheck.cross_check(SYSTEM, query, by=by)
            elif what == "completeness":
                result = completeness(SYSTEM, query)
            else:
                result = resumption_with_shares(SYSTEM, query, by=by)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        if json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(f"{result['region_name']} {result['date']} · {result['campaign']}")
        if what == "completeness":
            self.stdout.write(_completeness_line(result))
            return
        if what == "resumption":
            self.stdout.write(_weighted_line(result))
        line = _power_line if what == "power" else _line
        self.stdout.write(line(result["region_name"], result))
        for row in result.get("breakdown", []):
            self.stdout.write(line(row["label"], row))


def _line(label, r):
    rate = "—" if r["rate"] is None else f"{r['rate']:.1f}%"
    staff = "—" if r["staff_rate"] is None else f"{r['staff_rate']:.1f}%"
    done = "—" if r["completeness"] is None else f"{r['completeness']:.1f}%"
    return (
        f"  {label}: 复工 {r['resumed']}/{r['enterprises']} = {rate}"
        f"（全面 {r['resumed_full']}，部分 {r['resumed_partial']}，从未填报 "
        f"{r['never_reported']}）到岗 {r['staff_on_duty']}/{r['staff_total']} = {staff}"
        f" 今日填报 {r['reported_today']}/{r['enterprises']} = {done}"
    )


def _pct(value):
    return "—" if value is None else f"{value:.1f}%"


def _completeness_line(r):
    due = "" if r["due"] else "（该日无需填报）"
    counted = "" if r["late_reports_count"] else "（迟报不计入已报）"
    return (
        f"  应报 {r['expected']}{due}，已报 {r['reported']} = {_pct(r['completeness'])}{counted}"
        f"：按时 {r['on_time']} = {_pct(r['on_time_rate'])}，迟报 {r['late']} = "
        f"{_pct(r['late_rate'])}，未报 {r['missing']}；已审核 {r['confirmed']} = "
        f"{_pct(r['confirmed_rate'])}，待审核 {r['unconfirmed']}"
    )


def _weighted_line(r):
    w = r["weighted"]
    scope = "（仅已审核）" if r["confirmed_only"] else ""
    return "\n".join(
        f"  {label}{scope}: {w[key]['enterprises']} 家，占企业 {_pct(w[key]['share'])}，"
        f"占上年工业总产值 {_pct(w[key]['annual_output_share'])}"
        f"（{w['annual_output_known']} 家有产值），"
        f"占当日产值 {_pct(w[key]['day_output_share'])}；其中已审核 {w[key]['confirmed']} 家"
        for key, label in (("resumed", "复工"), ("closed_loop", "闭环生产"))
    )


def _power_line(label, r):
    return (
        f"  {label}: 有用电基准 {r['enterprises_with_baseline']}，按日报复工 "
        f"{r['resumed_by_report']}，按电力复工 {r['resumed_by_power']}，两者都是 {r['both']}，"
        f"仅日报 {r['report_only']}，仅电力 {r['power_only']}，当日无读数 {r['no_reading']}"
    )


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)

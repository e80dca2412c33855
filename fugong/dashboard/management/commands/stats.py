import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.core.permissions import SYSTEM
from fugong.dashboard import crosscheck
from fugong.reporting import stats


class Command(BaseCommand):
    help = (
        "Resumption statistics: fugong stats resumption --region CODE --date YYYY-MM-DD "
        "[--list NAME] [--industry X] [--scale above|below] [--by region|industry|scale|list] "
        "[--json]; electricity cross-check: fugong stats power --region CODE --date YYYY-MM-DD "
        "[--by region|industry] [--json]"
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["resumption", "power"])
        for name in ("region", "date", "list", "industry", "scale", "campaign"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--by", choices=stats.BY)
        parser.add_argument("--json", action="store_true")

    def handle(self, what, by, json, **options):
        params = {
            k: options[k] for k in ("region", "date", "list", "industry", "scale", "campaign")
        }
        try:
            query = stats.StatsQuery.parse(SYSTEM, params)
            if what == "power":
                if by not in (None, *crosscheck.BY):
                    raise ValidationError({"by": "by power: region or industry"})
                result = crosscheck.cross_check(SYSTEM, query, by=by)
            else:
                result = stats.resumption(SYSTEM, query, by=by)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        if json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(f"{result['region_name']} {result['date']} · {result['campaign']}")
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


def _power_line(label, r):
    return (
        f"  {label}: 有用电基准 {r['enterprises_with_baseline']}，按日报复工 "
        f"{r['resumed_by_report']}，按电力复工 {r['resumed_by_power']}，两者都是 {r['both']}，"
        f"仅日报 {r['report_only']}，仅电力 {r['power_only']}，当日无读数 {r['no_reading']}"
    )


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)

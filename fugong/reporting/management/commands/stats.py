import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.core.permissions import SYSTEM
from fugong.reporting import stats


class Command(BaseCommand):
    help = (
        "Resumption statistics: fugong stats resumption --region CODE --date YYYY-MM-DD "
        "[--list NAME] [--industry X] [--scale above|below] [--by region|industry|scale|list] "
        "[--json]"
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["resumption"])
        for name in ("region", "date", "list", "industry", "scale", "campaign"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--by", choices=stats.BY)
        parser.add_argument("--json", action="store_true")

    def handle(self, what, by, json, **options):
        params = {
            k: options[k] for k in ("region", "date", "list", "industry", "scale", "campaign")
        }
        try:
            result = stats.resumption(SYSTEM, stats.StatsQuery.parse(SYSTEM, params), by=by)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        if json:
            self.stdout.write(_dumps(result))
            return
        self.stdout.write(f"{result['region_name']} {result['date']} · {result['campaign']}")
        self.stdout.write(_line(result["region_name"], result))
        for row in result.get("breakdown", []):
            self.stdout.write(_line(row["label"], row))


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


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)

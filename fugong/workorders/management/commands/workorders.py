"""`fugong workorders scorecard [--region CODE] [--from D] [--to D] [--json]`: the scorecard
per unit, as a table or as the API's JSON."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.core.permissions import SYSTEM
from fugong.workorders.services import WorkOrderFilter
from fugong.workorders.services.scorecard_reports import COLUMNS, scorecard_for

SHOWN = ("rank", "unit", "received", "sign_rate", "response_rate", "resolution_rate")
SHOWN += ("satisfaction_rate", "overdue", "escalations", "refusals", "redos", "score")


class Command(BaseCommand):
    help = "Work orders: `scorecard` prints the scorecard per unit (考核)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        card = sub.add_parser("scorecard", help="the scorecard per unit")
        card.add_argument("--region", default="", help="region code (default: the whole tree)")
        card.add_argument("--from", dest="start", default="", help="first day, YYYY-MM-DD")
        card.add_argument("--to", dest="end", default="", help="last day, YYYY-MM-DD")
        card.add_argument("--json", action="store_true", help="the API's JSON")

    def handle(self, *args, what, region, start, end, **options):
        flt = WorkOrderFilter(region=region, start=start, end=end)
        errors = flt.errors()
        if errors:
            raise CommandError("; ".join(f"{k}: {v}" for k, v in errors.items()))
        try:
            _region, rows = scorecard_for(SYSTEM, region, flt.period())
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if options["json"]:
            for row in rows:
                row.pop("unit_id")
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        labels = dict(COLUMNS)
        self.stdout.write("\t".join(labels[key] for key in SHOWN))
        for row in rows:
            self.stdout.write("\t".join("—" if row[k] is None else str(row[k]) for k in SHOWN))

import json

from django.core.management.base import BaseCommand, CommandError

from fugong.core.excel import IMPORTERS, TEXT_IMPORTERS
from fugong.core.models import User
from fugong.core.permissions import SYSTEM


class Command(BaseCommand):
    help = (
        "Import a sheet (.xlsx, .xls, .ods, .csv): fugong import KIND FILE [--skip-bad] "
        "[--sheet NAME] (KIND: see --help)"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted([*IMPORTERS, *TEXT_IMPORTERS]))
        parser.add_argument("file")
        parser.add_argument(
            "--skip-bad", action="store_true", help="import the good rows and report the bad ones"
        )
        parser.add_argument("--user", help="act as this user (their data scope applies)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--sheet", help="the sheet to read (default: the one with the header)")

    def handle(self, kind, file, skip_bad, user, json, sheet=None, **options):
        actor = SYSTEM
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no such user: {user}")
            if kind in IMPORTERS and not IMPORTERS[kind].allowed(actor):
                raise CommandError(f"{user} may not import {kind}")
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        if kind in TEXT_IMPORTERS:
            report = TEXT_IMPORTERS[kind](actor, data.decode("utf-8", "replace"), skip_bad)
        else:
            report = IMPORTERS[kind](actor).run(data, skip_bad=skip_bad, sheet=sheet)
        if json:
            self.stdout.write(_json(report.as_dict()))
        else:
            for e in report.errors[:200]:
                where = f"第{e.row}行" if e.row else "文件"  # rows of a sheet, lines of a text
                col = f" [{e.column}]" if e.column else ""
                self.stderr.write(f"{where}{col}: {e.reason}")
            if len(report.errors) > 200:
                self.stderr.write(f"… {len(report.errors) - 200} more errors not shown")
            if report.written:
                self.stdout.write(
                    f"{kind}: {report.rows} rows, {report.created} created, "
                    f"{report.updated} updated, {report.skipped_rows} bad rows skipped"
                )
            else:
                self.stdout.write(
                    f"{kind}: nothing imported ({len(report.errors)} errors "
                    f"in {report.bad_rows} rows)"
                )
        if report.errors:
            raise SystemExit(1)


def _json(data):
    return json.dumps(data, ensure_ascii=False, indent=2)

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.core.excel import EXPORTERS
from fugong.core.models import User
from fugong.core.permissions import SYSTEM


class Command(BaseCommand):
    help = (
        "Export to .xlsx: fugong export KIND OUT.xlsx "
        "[--region CODE --industry X --scale above|below --list NAME --q TEXT] "
        "[--date YYYY-MM-DD (reports)]"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(EXPORTERS))
        parser.add_argument("out")
        for name in ("region", "industry", "scale", "list", "q", "date"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--user", help="export what this user may see")

    def handle(self, kind, out, user, **options):
        actor = SYSTEM
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no such user: {user}")
        params = {k: options[k] for k in ("region", "industry", "scale", "list", "q", "date")}
        try:
            data = EXPORTERS[kind](actor, params)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        with open(out, "wb") as fh:
            fh.write(data)
        self.stdout.write(f"wrote {out} ({len(data)} bytes)")

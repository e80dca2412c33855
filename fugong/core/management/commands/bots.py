from django.core.management.base import BaseCommand, CommandError

from fugong.core import bots
from fugong.core.models import Unit


class Command(BaseCommand):
    help = (
        "Group bots: fugong bots test UNIT_CODE sends a test message to the unit's bot and "
        "prints its answer (exit 1 when the bot refused it); fugong bots failing lists the "
        "units whose bot refused the last message."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["test", "failing"])
        parser.add_argument("unit", nargs="?", help="UNIT_CODE (test)")

    def handle(self, action, unit, **options):
        if action == "failing":
            for u in bots.failing_units():
                self.stdout.write(f"{u.code}\t{u.name}\t{u.webhook_kind}\t{u.bot_error}")
            return
        target = Unit.objects.filter(code=unit or "").first()
        if target is None:
            raise CommandError(f"no such unit: {unit}")
        answer = bots.send_test(target)
        self.stdout.write(f"{target.code} {target.webhook_kind or '-'}: {answer.body or answer}")
        if not answer.ok:
            raise CommandError(f"the bot refused the message: {answer}")
        self.stdout.write("ok")

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from fugong.core import crypto
from fugong.health import services


class Command(BaseCommand):
    help = (
        "Personal-data housekeeping: purge (retention), partitions (create day partitions "
        "ahead, PostgreSQL), new-key (print a fresh data key), rotate-keys (re-encrypt under "
        "the first key of FUGONG_DATA_KEYS)"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["purge", "partitions", "new-key", "rotate-keys"])
        parser.add_argument("--days", type=int, default=7, help="partitions: days ahead")

    def handle(self, action, days, **options):
        if action == "purge":
            self.stdout.write(str(services.purge()))
        elif action == "partitions":
            today = timezone.localdate()
            made = services.ensure_partitions(today, today + datetime.timedelta(days=days))
            self.stdout.write(f"{made} partitions created")
        elif action == "new-key":
            self.stdout.write(crypto.new_key())
        else:
            self.stdout.write(f"{services.rotate_keys()} rows re-encrypted")

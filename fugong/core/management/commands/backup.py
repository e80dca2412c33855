from django.core.management.base import BaseCommand

from fugong.core.backup import backup


class Command(BaseCommand):
    help = "fugong backup OUT.tar.gz: the database and the uploaded files, with a manifest"

    def add_arguments(self, parser):
        parser.add_argument("out")

    def handle(self, out, **options):
        manifest = backup(out)
        rows = sum(n for n, _digest in manifest["tables"].values())
        self.stdout.write(f"{out}: {len(manifest['tables'])} tables, {rows} rows")

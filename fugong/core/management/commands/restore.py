from django.core.management.base import BaseCommand, CommandError

from fugong.core.backup import restore


class Command(BaseCommand):
    help = (
        "fugong restore IN.tar.gz: replace the database and the uploaded files with a backup's, "
        "then compare every table with the backup's manifest (exit 1 when any differs)"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, archive, **options):
        try:
            manifest, differ = restore(archive)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if differ:
            self.stderr.write(f"restored, but these tables differ: {', '.join(differ)}")
            raise SystemExit(1)
        self.stdout.write(
            f"restored {len(manifest['tables'])} tables from {manifest['created']}; "
            "every table matches the backup"
        )

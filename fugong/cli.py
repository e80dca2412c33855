"""The `fugong` console command: Django's management commands under the project's name,
e.g. `fugong migrate`, `fugong import enterprises FILE.xlsx`, `fugong demo`."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fugong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fugong", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

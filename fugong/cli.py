"""The `fugong` console command: Django's management commands under the project's name,
e.g. `fugong migrate`, `fugong import enterprises FILE.xlsx`, `fugong demo`."""

import os
import sys

from django.core.management import execute_from_command_line


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fugong.settings")
    execute_from_command_line(["fugong", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

"""Production defaults (issue 12): only `make run` (the local demo) turns DEBUG on; every
other entry point leaves it off, and `make serve` keeps it off whatever the shell says."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.test import Client; r = Client().get('/no-such-page/'); "
    "print(settings.DEBUG, r.status_code, 'URLconf' in r.content.decode())"
)


def probe(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "fugong.settings",
            "FUGONG_VAR_DIR": str(tmp_path),
            **env,
        },
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_it_shows_no_debug_page_unless_asked(tmp_path):
    assert probe(tmp_path) == ["False", "404", "False"]
    assert probe(tmp_path, DEBUG="1") == ["True", "404", "True"]  # what `make run` asks for


def test_it_turns_debug_on_only_for_make_run(tmp_path):
    """The Makefile's own targets, with their recipes replaced by one that prints DEBUG."""
    makefile = tmp_path / "Makefile"
    shutil.copy(ROOT / "Makefile", makefile)
    (tmp_path / "pyproject.toml").write_text("")
    with makefile.open("a") as fh:
        fh.write('\n$(STAMP):\n\t@true\nrun serve:\n\t@echo "$@ DEBUG=[$$DEBUG]"\n')
    base = {k: v for k, v in os.environ.items() if k != "DEBUG"}

    def make(target, *args, **env):
        out = subprocess.run(
            ["make", "-s", "-f", str(makefile), target, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**base, **env},
        )
        return out.stdout.strip()

    assert make("run") == "run DEBUG=[1]"
    assert make("run", DEBUG="0") == "run DEBUG=[0]"
    assert make("serve") == "serve DEBUG=[0]"
    assert make("serve", DEBUG="1") == "serve DEBUG=[0]"
    assert make("serve", "DEBUG=1") == "serve DEBUG=[0]"

"""Backup and restore of the whole installation: the database (pg_dump custom format on
PostgreSQL, SQLite's online backup otherwise) and the uploaded files, in one .tar.gz with a
manifest of every table's row count and fingerprint."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone


def fingerprints() -> dict[str, list]:
    """{table: [rows, digest]} for every table: the digest is over the rows in a stable
    order, so two databases with the same content give the same fingerprints."""
    result = {}
    tables = sorted(connection.introspection.table_names(include_views=False))
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text),"
                    f" '')) FROM ONLY {quoted} t"
                )
                count, digest = cursor.fetchone()
            else:
                cursor.execute(f"SELECT * FROM {quoted}")
                rows = sorted(repr(r) for r in cursor.fetchall())
                count, digest = len(rows), hashlib.md5("|".join(rows).encode()).hexdigest()
            result[table] = [count, digest]
    return result


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        PGHOST=db.get("HOST") or "",
        PGPORT=str(db.get("PORT") or ""),
        PGUSER=db.get("USER") or "",
        PGDATABASE=db["NAME"],
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def backup(out: str | os.PathLike) -> dict:
    """Write the archive `out`; returns its manifest."""
    out = Path(out)
    manifest = {
        "created": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "tables": fingerprints(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        if connection.vendor == "postgresql":
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(dump)],
                env=_pg_env(),
                check=True,
                capture_output=True,
            )
        else:
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            connection.connection.backup(target)
            target.close()
        with tarfile.open(out, "w:gz") as tar:
            tar.add(dump, arcname="database")
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                tar.add(media, arcname="media")
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return manifest


def restore(archive: str | os.PathLike) -> tuple[dict, list[str]]:
    """Replace the database and the uploaded files with the archive's; returns (manifest, the
    tables whose content differs from the manifest after restoring: empty when exact)."""
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())
        if manifest["vendor"] != connection.vendor:
            raise ValueError(
                f"the archive holds a {manifest['vendor']} database, this installation runs "
                f"{connection.vendor}"
            )
        dump = Path(tmp) / "database"
        if connection.vendor == "postgresql":
            # a clean slate (pg_restore --clean cannot drop partitioned tables piece by piece)
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
            connection.close()
            run = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--dbname",
                    settings.DATABASES["default"]["NAME"],
                    str(dump),
                ],
                env=_pg_env(),
                capture_output=True,
                text=True,
            )
            if run.returncode:
                raise OSError(f"pg_restore failed: {run.stderr.strip()[-2000:]}")
        else:
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            source.backup(connection.connection)
            source.close()
        media = Path(tmp) / "media"
        if media.exists():
            shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    now = fingerprints()
    differ = sorted(t for t, fp in manifest["tables"].items() if now.get(t) != fp)
    return manifest, differ

"""Importing 10,000 enterprises from .xlsx (validation and writes), against only reading the
same file, in the same run: with python-calamine (the reader the import uses) and with openpyxl
in read-only mode (the floor the import used to pay). Aim: the whole import at most 1.0x the
bare openpyxl read.

    python bench/bench_import.py [--rows 10000] [--rounds 3]
    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/fg_bench python bench/bench_import.py
"""

import argparse
import io

from common import setup, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    vendor = setup()

    from openpyxl import Workbook, load_workbook
    from python_calamine import CalamineWorkbook

    from fugong.core.excel import IMPORTERS
    from fugong.core.permissions import SYSTEM
    from fugong.registry import demo
    from fugong.registry.models import Enterprise

    demo.build_structure()
    places = demo._places()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    columns = IMPORTERS["enterprises"].columns
    ws.append([c.header for c in columns])
    for i in range(args.rows):
        e = demo.enterprise_data(i, places)
        cells = {
            "uscc": e.uscc,
            "name": e.name,
            "region": e.region.code,
            "industry": e.industry,
            "scale": "规上" if e.scale == "above" else "规下",
            "total_staff": e.total_staff,
            "annual_output": e.annual_output,
            "contact_name": e.contact_name,
            "contact_phone": e.contact_phone,
            "address": e.address,
            "lists": "重点企业" if i % 10 == 0 else "",
        }
        ws.append([cells.get(c.key, "") for c in columns])  # by key: columns get added
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()

    def read_only():
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        n = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        return n

    def calamine_read():
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        n = len(book.get_sheet_by_index(0).to_python())
        book.close()
        return n

    def import_new():
        Enterprise.objects.all().delete()  # (with their list memberships) not timed
        seconds, report = timed(lambda: IMPORTERS["enterprises"](SYSTEM).run(data))
        assert report.written and report.created == args.rows, report.errors[:5]
        return seconds

    def import_again():
        seconds, report = timed(lambda: IMPORTERS["enterprises"](SYSTEM).run(data))
        assert report.written and report.created == report.updated == 0
        return seconds

    # rounds interleave the four measurements, so that the machine's load (shared, it moves
    # single runs by ±50 %) falls on all of them alike; each figure is its best round
    times = {"openpyxl": [], "calamine": [], "new": [], "again": []}
    for _round in range(args.rounds):
        seconds, n = timed(read_only)
        times["openpyxl"].append(seconds)
        seconds, n2 = timed(calamine_read)
        times["calamine"].append(seconds)
        assert n == n2
        times["new"].append(import_new())
        times["again"].append(import_again())
    assert Enterprise.objects.count() == args.rows
    baseline, fast, first, again = (min(times[k]) for k in ("openpyxl", "calamine", "new", "again"))
    spread = {k: f"{min(v):.2f}–{max(v):.2f} s" for k, v in times.items()}
    print(f"database: {vendor}; rows: {n - 1}; file: {len(data) / 1e6:.1f} MB")
    print(f"openpyxl read-only read (baseline): {baseline:.3f} s")
    print(f"calamine read:          {fast:.3f} s  ratio {fast / baseline:.2f}x")
    print(
        f"import, all new:        {first:.3f} s  ratio {first / baseline:.2f}x openpyxl, "
        f"{first / fast:.1f}x calamine"
    )
    print(
        f"re-import (unchanged):  {again:.3f} s  ratio {again / baseline:.2f}x openpyxl, "
        f"{again / fast:.1f}x calamine"
    )
    print(f"best of {args.rounds} interleaved rounds; range over the rounds: {spread}")


if __name__ == "__main__":
    main()

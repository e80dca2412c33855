"""Importing 10,000 enterprises from .xlsx (validation and writes), against only reading the
same file, in the same run: with python-calamine (the reader the import uses) and with openpyxl
in read-only mode (the floor the import used to pay). Aim: the whole import at most 1.0x the
bare openpyxl read.

    python bench/bench_import.py [--rows 10000]
    BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/fg_bench python bench/bench_import.py
"""

import argparse
import io

from common import setup, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
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
    ws.append([c.header for c in IMPORTERS["enterprises"].columns])
    for i in range(args.rows):
        e = demo.enterprise_data(i, places)
        ws.append(
            [
                e.uscc,
                e.name,
                e.region.code,
                e.industry,
                "规上" if e.scale == "above" else "规下",
                e.total_staff,
                e.contact_name,
                e.contact_phone,
                e.address,
                "重点企业" if i % 10 == 0 else "",
                "",
            ]
        )
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

    baseline, n = timed(read_only, repeat=3)
    fast, n2 = timed(calamine_read, repeat=3)
    assert n == n2
    first, report = timed(lambda: IMPORTERS["enterprises"](SYSTEM).run(data))
    assert report.written and report.created == args.rows, report.errors[:5]
    again, report2 = timed(lambda: IMPORTERS["enterprises"](SYSTEM).run(data))
    assert report2.written and report2.created == 0
    assert Enterprise.objects.count() == args.rows
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


if __name__ == "__main__":
    main()

"""Files a visitor downloads from a page (not protocol answers): named after what they hold, and
CSV with a byte-order mark, so that Excel on Chinese Windows reads UTF-8 rather than GBK.

`/sparql` answers stay as SPARQL 1.1 writes them; these are for people.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote, unquote

from flask import Response

BOM = "\ufeff"
# Characters no file system or browser keeps in a file name.
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(stem: str, values: list[str], extension: str) -> str:
    """`stem_value1_value2.ext`: the parameters in the name, so two downloads never overwrite."""
    parts = [stem, *(UNSAFE.sub("-", _short(v)).strip() for v in values if v)]
    return "_".join(parts)[:180] + "." + extension


def _short(value: str) -> str:
    """An IRI by its last segment (a report's key, a finding's number); any other value as given."""
    return unquote(value.rstrip("/").rsplit("/", 1)[-1]) if re.match(r"https?://", value) else value


def attach(response: Response, name: str) -> Response:
    """Mark the response a download called `name` (RFC 6266: an ASCII fallback and the UTF-8 name)."""
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return response


def with_bom(text: str) -> bytes:
    return (BOM + text).encode("utf-8")


def csv_text(header: list[str], body: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def xlsx_bytes(title: str, header: list[str], body: list[list[str]]) -> bytes:
    """One sheet, the header bold and frozen, columns wide enough to read."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = UNSAFE.sub("-", title)[:31] or "Sheet1"
    sheet.append(header)
    for row in body:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        longest = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, longest * 2 if longest < 20 else 60))
        for c in column[1:]:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

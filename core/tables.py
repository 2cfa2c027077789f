"""The one reader of the tables users edit: rule profiles, finance (单价) tables, structure-table
templates, 城镇村 rules and code mapping tables.

CSV (UTF-8 with or without BOM, UTF-16, GB18030 — what Excel/WPS write on zh-CN Windows; comma or
tab) or .xlsx (first sheet).  Every problem is a :class:`TableError` naming the file and the line
(as Excel shows it): a quote left open, a semicolon-delimited file, an old .xls, binary content —
never a silently shorter table.  What the columns mean is each table's own parser's business.
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import List, Tuple

_BLANKS = " \t\r\n\v\f\u3000\u00a0\ufeff\u200b"


class TableError(ValueError):
    """A user table that cannot be read; ``errors`` lists every problem found (one per line)."""

    def __init__(self, message: str, errors=None):
        super().__init__(message)
        self.errors = list(errors) if errors else [message]


def _fail(path: Path, zh: str, en: str) -> TableError:
    return TableError(f"{path.name}：{zh} / {path.name}: {en}")


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # superset of GBK (Excel "CSV" on zh-CN Windows)
    except UnicodeDecodeError:
        raise _fail(path, "无法解码（既不是 UTF-8 也不是 GBK 编码），请在 Excel/WPS 中另存为“CSV UTF-8”",
                    "cannot be decoded as UTF-8 or GBK; save it as 'CSV UTF-8'") from None


def cell_text_raw(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, what: Tuple[str, str]) -> List[Tuple[int, List[str]]]:
    try:
        import openpyxl  # lazy: only needed for .xlsx tables
    except ImportError:
        raise _fail(path, f"读取 .xlsx {what[0]}需要 openpyxl，请安装 openpyxl 或把{what[0]}另存为 CSV",
                    f"openpyxl is needed to read an .xlsx {what[1]}; install it or save the {what[1]} as CSV") from None
    try:
        wb = openpyxl.load_workbook(str(path), read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail(path, f"不是有效的 .xlsx 文件（{exc}）", f"not a valid .xlsx file ({exc})") from None
    try:
        ws = wb.worksheets[0]
        return [(n, [cell_text_raw(v) for v in row]) for n, row in enumerate(ws.iter_rows(values_only=True), 1)]
    finally:
        wb.close()


def read_table_records(path, what: Tuple[str, str] = ("表格", "table")) -> List[Tuple[int, List[str]]]:
    """[(row number as Excel shows it, cells)] of a CSV (UTF-8 with or without BOM, UTF-16, GB18030; comma
    or tab) or .xlsx (first sheet); ``what`` names the table in messages (中文, English).  Raises
    :class:`TableError` with a sentence naming the file and the line when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise _fail(path, f"{what[0]}文件不存在：{path}", f"{what[1]} not found: {path}")
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        data = f.read()
    if suffix in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, what)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(path, "是旧版 Excel (.xls) 文件，请另存为 .xlsx 或 CSV",
                    "is an old Excel .xls file; save it as .xlsx or CSV")
    if suffix not in (".csv", ".txt", ".tsv", ""):
        raise _fail(path, f"不是 CSV 或 .xlsx 文件（扩展名 {suffix}）",
                    f"is not a CSV or .xlsx file (extension {suffix})")
    text = _decode(path, data)
    if "\x00" in text:
        raise _fail(path, "不是文本 CSV 文件（含二进制内容）", "is not a text CSV file (binary content)")
    lines = text.splitlines()
    first_n, first = next(((n, line) for n, line in enumerate(lines, 1)
                           if line.strip(_BLANKS) and not line.lstrip(_BLANKS).startswith("#")), (1, ""))
    delimiter = "\t" if ("\t" in first and "," not in first) else ","
    if delimiter == "," and "," not in first:
        other = next((d for d in (";", "；", "|", "，") if d in first), None)
        if other is not None:
            raise _fail(path, f"第{first_n}行（表头）用“{other}”分隔各列；请用逗号（,）分隔（Excel：另存为“CSV UTF-8（逗号分隔）”）",
                        f"line {first_n} (header) separates its columns with '{other}'; use commas (Excel: save as CSV UTF-8, comma delimited)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out: List[Tuple[int, List[str]]] = []
    start = 1  # row number as Excel shows it (a quoted cell may hold a line break)
    try:
        for row in reader:
            out.append((start, row))
            # a quote left open swallows the next lines into one cell: never a silently shorter table
            for cell in row:
                if "\n" in cell and any(line.count(delimiter) >= 2 for line in cell.splitlines()[1:]):
                    raise _fail(path, f"第{start}行：引号未闭合，其后各行被并入同一单元格；请检查该行的引号",
                                f"line {start}: a quote is not closed, so the lines after it were read as one cell; "
                                "check the quotes on that line")
            start += 1
    except csv.Error as exc:
        raise _fail(path, f"第{start}行：CSV 格式错误（{exc}；多半是引号未闭合）",
                    f"line {start}: malformed CSV ({exc}; most likely a quote that is not closed)") from None
    return out


def plain_text(value) -> str:
    """A cell as written, blanks stripped but not NFKC-normalised: labels and notes keep their
    全角 punctuation."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(_BLANKS)

"""Reading a submitted file into rows of text: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030,
encoding detected from the bytes) or XLSX (the sheet named for the kind, else the first). Every cell comes
out as text, so one set of value parsers serves both formats; Excel dates come out as ISO dates.

A file that cannot be read at all raises `FileRejected` with a message naming the file (and the row where
that applies); nothing here lets a Python traceback reach a coordinator."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other Office binaries)
CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}
MAX_CONTROL_SHARE = 0.001  # text exported by any system has (almost) no control characters


class FileRejected(Exception):
    """The whole file is refused; `str()` is the message for people."""

    def __init__(self, file: str, problem: str, *, column: str | None = None, row: int | None = None):
        self.file, self.problem, self.column, self.row = file, problem, column, row
        where = "".join([f"，第 {row} 行" if row else "", f"，“{column}”列" if column else ""])
        super().__init__(f"{file}{where}：{problem}")


@dataclass(frozen=True)
class ReadLimits:
    """What a submitted file may be: beyond any of these it is refused before it costs memory or time."""

    max_rows: int = 1_000_000
    max_cell_chars: int = 2_000
    max_unzipped_bytes: int = 1_000_000_000
    max_compression_ratio: int = 200  # XLSX XML packs ~10-20×; a bomb packs hundreds or thousands

    @classmethod
    def from_settings(cls) -> ReadLimits:
        from tasks.settings import get_settings

        s = get_settings()  # an ingest runs from the sweep's flow and the command line, outside a run's context
        return cls(s.ingest_max_rows, s.ingest_max_cell_chars, s.ingest_max_unzipped_bytes)


@dataclass
class RawSheet:
    """The file's cells as text; `rows[i]` was spreadsheet row (or CSV line) `row_numbers[i]`."""

    rows: list[list[str]]
    row_numbers: list[int]
    format: str  # csv / xlsx
    encoding: str | None = None
    sheet: str | None = None


def read_file(path: Path, sheet_names: tuple[str, ...] = (), max_bytes: int | None = None,
              limits: ReadLimits | None = None) -> RawSheet:
    name = path.name
    limits = limits or ReadLimits()
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise FileRejected(name, f"文件有 {size:,} 字节，超过上限 {max_bytes:,} 字节，请拆分后分别报送 "
                                     f"/ file is {size:,} bytes, over the limit of {max_bytes:,} (split it, or "
                                     "raise CAMPAIGNS_INGEST_MAX_BYTES)")
        data = path.read_bytes()
    except OSError as exc:
        raise FileRejected(name, f"文件无法读取 / cannot be read: {exc.strerror or exc}") from exc
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileRejected(name, "文件是空的，请确认导出了数据后重新报送 / the file is empty")
    if data.startswith(XLSX_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        _refuse_bomb(name, data, limits)
        return _read_xlsx(name, data, sheet_names, limits)
    if data.startswith(OLE_MAGIC):
        raise FileRejected(name, "这是旧版 Excel 文件（.xls），请另存为 .xlsx 或 CSV 后重新报送 "
                                 "/ an old binary Excel file (.xls): save it as .xlsx or CSV and send it again")
    return _read_csv(name, data, limits)


def _refuse_bomb(name: str, data: bytes, limits: ReadLimits) -> None:
    """What the archive says it unpacks to, checked before anything is unpacked."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable archive: _read_xlsx says so
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limits.max_unzipped_bytes:
        raise FileRejected(name, f"工作簿解压后有 {unpacked:,} 字节，超过上限，请拆分后分别报送 "
                                 f"/ the workbook unpacks to {unpacked:,} bytes, over the limit of "
                                 f"{limits.max_unzipped_bytes:,} (a decompression bomb, or split it)")
    for entry in entries:
        ratio = entry.file_size // max(entry.compress_size, 1)
        if entry.file_size > 1_000_000 and ratio > limits.max_compression_ratio:
            raise FileRejected(name, f"工作簿内部异常（{entry.filename} 解压后放大 {ratio:,} 倍），不能接收 / part "
                                     f"{entry.filename} unpacks {ratio:,} times its size: refused as a "
                                     "decompression bomb")


def _check_row(name: str, cells: list[str], line: int, before: int, limits: ReadLimits,
               header: list[str] | None) -> None:
    """`before`: the non-empty rows above this one; the first of them is the header (or a title)."""
    if before > limits.max_rows:
        raise FileRejected(name, f"超过 {limits.max_rows:,} 行，请拆分后分别报送 / more than {limits.max_rows:,} rows "
                                 "(split the file, or raise CAMPAIGNS_INGEST_MAX_ROWS)", row=line)
    for index, cell in enumerate(cells):
        if len(cell) > limits.max_cell_chars:
            column = (header[index].strip() if header and index < len(header) else "") or f"#{index + 1}"
            raise FileRejected(name, f"单元格有 {len(cell):,} 个字，"
                                     f"超过上限 {limits.max_cell_chars:,}（是否把多列写进了一个"
                                     f"单元格？）/ a cell of {len(cell):,} characters, over the limit of "
                                     f"{limits.max_cell_chars:,}", row=line, column=column)


def decode(name: str, data: bytes) -> tuple[str, str]:
    """The text and the encoding it was found in: a BOM decides; else UTF-8 if the bytes are valid UTF-8;
    else GB18030 (a superset of GBK and GB2312) if they are valid in it; else the file is rejected."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise FileRejected(name, f"文件已损坏（声明为 {encoding} 编码，但第 {exc.start} 字节不符），请重新导出 "
                                         f"/ declares {encoding} with a byte-order mark but byte {exc.start} is "
                                         "not valid in it (damaged file?)") from exc
    if b"\x00" in data:
        raise FileRejected(name, "不是 CSV 或 XLSX 文件（含二进制内容），请按报送模板导出 "
                                 "/ binary content (NUL bytes): not a "
                                 "CSV or XLSX file")
    error = None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            # A file cut inside its last character (a truncated upload) is read up to that character;
            # the cut row then fails its own checks.
            if exc.start >= len(data) - 3:
                try:
                    return data[:exc.start].decode(encoding), encoding
                except UnicodeDecodeError:
                    pass
            error = exc
    line = data.count(b"\n", 0, error.start if error else 0) + 1
    raise FileRejected(name, "文字编码无法识别（应为 UTF-8 或 GBK），请另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX / "
                                 "not text in UTF-8, GBK or GB18030 (binary content or another encoding)", row=line)


def _read_csv(name: str, data: bytes, limits: ReadLimits) -> RawSheet:
    text, encoding = decode(name, data)
    sample = text[:100_000]
    if sample and sum(ch in CONTROL for ch in sample) > MAX_CONTROL_SHARE * len(sample) + 1:
        raise FileRejected(name, "不是 CSV 或 XLSX 文件（含控制字符），请按报送模板导出 "
                                 "/ binary content (control characters): "
                                 "not a CSV or XLSX file")
    delimiter = _delimiter(sample)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, numbers = [], []
    line = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                _check_row(name, record, line, len(rows), limits, rows[0] if rows else None)
                rows.append(record)
                numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileRejected(name, f"单元格超过 {csv.field_size_limit():,} 个字（是否有未闭合的引号？）/ a cell over "
                                     f"{csv.field_size_limit():,} characters, over the limit of "
                                     f"{limits.max_cell_chars:,}", row=line) from None
        raise FileRejected(name, f"CSV 格式有误（引号未闭合或文件不完整？），请重新导出 / not valid CSV ({exc}); an "
                           "unclosed quote or a truncated file?",
                           row=line) from None
    return RawSheet(rows, numbers, "csv", encoding=encoding)


def _delimiter(sample: str) -> str:
    """Comma, or tab for Excel's "Unicode text" export: whichever the first lines use more."""
    head = "\n".join(sample.splitlines()[:20])
    return "\t" if head.count("\t") > head.count(",") else ","


def _read_xlsx(name: str, data: bytes, sheet_names: tuple[str, ...], limits: ReadLimits) -> RawSheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        # (zipfile, zlib, XML parser, KeyError for a missing part … found by tests/faults/test_ingest_hostile.py)
        raise FileRejected(name, f"XLSX 工作簿无法打开（文件损坏或不完整？），请重新导出 / not a readable XLSX "
                                 f"workbook (damaged or truncated?): {type(exc).__name__}") \
            from None
    try:
        wanted = {s.strip() for s in sheet_names}
        chosen = next((s for s in book.sheetnames if s.strip() in wanted), book.sheetnames[0])
        sheet = book[chosen]
        rows, numbers = [], []
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = ["" if v is None else _cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    _check_row(name, cells, number, len(rows), limits, rows[0] if rows else None)
                    rows.append(cells)
                    numbers.append(number)
        except FileRejected:
            raise
        except Exception as exc:
            raise FileRejected(name, f"工作簿已损坏或不完整，请重新导出 / the workbook is damaged or truncated "
                           f"({type(exc).__name__})",
                               row=len(numbers) + 1 if numbers else None) from None
    finally:
        book.close()
    return RawSheet(rows, numbers, "xlsx", sheet=chosen)


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

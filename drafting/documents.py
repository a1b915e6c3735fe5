"""The lines of a policy document: plain text (UTF-8, GBK/GB18030, UTF-16), .docx, text PDF.

The format is told from the content, not the extension. Each line keeps its number in the
document's text (a .txt line, a .docx paragraph, a line of a PDF's text layer), so a task can
say where it came from.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from templates.textfile import UnknownEncoding, decode_text, looks_binary


@dataclass(frozen=True)
class SourceLine:
    number: int
    text: str
    wrapped: bool = False    # the line above ran to the right margin (PDF): this one continues it


class DocumentProblem(Exception):
    """A document that cannot be read; the message is Chinese and says what to do."""


def read_document(path: str | Path) -> list[SourceLine]:
    path = Path(path)
    if path.is_dir():
        raise DocumentProblem(f"{path} 是文件夹，请给出文件（.txt、.docx 或 .pdf）。")
    try:
        head = path.open("rb").read(8)
    except FileNotFoundError:
        raise DocumentProblem(f"找不到文件 {path}。") from None
    except OSError as exc:
        raise DocumentProblem(f"无法读取 {path}：{exc.strerror or exc}。") from None
    if head.startswith(b"%PDF"):
        return _pdf_lines(path)
    if head.startswith(b"PK\x03\x04"):
        return _docx_lines(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentProblem(f"{path.name} 是旧版 Word（.doc）或其他 Office 文件：请用 Word 或 WPS 另存为 .docx 后再试。")
    return _text_lines(path)


def _numbered(texts) -> list[SourceLine]:
    return [SourceLine(number, text) for number, text in enumerate(texts, start=1)]


# -- plain text ------------------------------------------------------------------------------

def decode_document(raw: bytes, name: str) -> str:
    """The text of a plain-text document (templates.textfile: UTF-8, GBK/GB18030, UTF-16)."""
    if looks_binary(raw):
        raise DocumentProblem(f"{name} 不是文字文件，也不是 .docx 或 PDF：请给出公文的文字版、Word 或 PDF。")
    try:
        return decode_text(raw, name)
    except UnknownEncoding as exc:
        raise DocumentProblem(exc.reason) from None


def _text_lines(path: Path) -> list[SourceLine]:
    text = decode_document(path.read_bytes(), path.name)
    return _numbered(text.splitlines())


# -- Word --------------------------------------------------------------------------------------

def _docx_lines(path: Path) -> list[SourceLine]:
    """Body paragraphs in order; a table's paragraphs row by row where the table stands."""
    from docx import Document
    from docx.table import Table
    try:
        document = Document(str(path))
    except Exception:   # python-docx, lxml and zipfile each raise their own kinds for a broken file
        raise DocumentProblem(f"{path.name} 不是 Word 文档（.docx），或文件已损坏：请用 Word 或 WPS 重新另存为 .docx。") from None
    texts = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            texts += [p.text for row in block.rows for cell in row.cells for p in cell.paragraphs]
        else:
            texts.append(block.text)
    return _numbered(texts)


# -- PDF ---------------------------------------------------------------------------------------

def _pdf_lines(path: Path) -> list[SourceLine]:
    """The text layer, line by line; a line after one that fills the column is marked `wrapped`.

    pypdfium2 (PDFium, the engine pdfplumber renders with) reads a 100-page PDF in a fraction of a
    second; pdfplumber's own text extraction took seconds."""
    import pypdfium2 as pdfium
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = "设了密码" if "password" in str(exc).lower() else "文件已损坏"
        raise DocumentProblem(f"{path.name} 无法打开（{reason}）：请去掉密码或重新导出 PDF，或换用 Word、文字版。") from None
    lines: list[SourceLine] = []
    images = False
    try:
        previous_full = False
        for page in pdf:
            for text, full in _page_lines(page.get_textpage()):
                lines.append(SourceLine(len(lines) + 1, text, wrapped=previous_full))
                previous_full = full
            images = images or (not lines and _has_image(page))
    finally:
        pdf.close()
    if not lines and images:
        raise DocumentProblem(f"{path.name} 是扫描件（PDF 里只有图片，没有文字层），fenjie 读不出文字：请找公文的 Word 或"
                              "文字版 PDF，或先用 OCR 软件转成文字后再试。")
    if not lines:
        raise DocumentProblem(f"{path.name} 里没有文字（也没有图片），是一份空白的 PDF：请检查是不是导出错了文件，"
                              "或换用公文的 Word、文字版。")
    return lines


def _has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _page_lines(textpage) -> list[tuple[str, bool]]:
    """(text, reaches the right margin) for each non-empty line of a page."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    spans, start = [], 0
    for piece in text.split("\r\n"):
        if piece.strip():
            spans.append((piece, start + len(piece.rstrip()) - 1))
        start += len(piece) + 2
    if len(text) != count:          # offsets are not char indexes: no geometry, no wrap marks
        return [(piece, False) for piece, _ in spans]
    boxes = [textpage.get_charbox(last) for _, last in spans]    # (left, bottom, right, top)
    margin = max((box[2] for box in boxes), default=0)
    return [(piece, box[2] >= margin - 1.5 * max(box[2] - box[0], 1.0)) for (piece, _), box in zip(spans, boxes)]

"""One way to turn the bytes of a text file into text, for every text input fenjie reads: CSV
returns (validators.read.csvfile), .tsv/.csv task lists (validators.records) and policy documents
(drafting.documents).

Chinese offices save text as UTF-8 (with or without a BOM), as GBK from Excel's 文本文件 or
Notepad's ANSI (decoded as GB18030, its superset), or as UTF-16 with a BOM (Excel's Unicode 文本).
"""
from __future__ import annotations

import codecs

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ADVICE = "请用记事本或 WPS 打开后另存为 UTF-8 编码再试。"


class UnknownEncoding(ValueError):
    """Bytes that are none of the encodings fenjie reads; `reason` is Chinese."""

    def __init__(self, name: str, advice: str = ADVICE):
        self.reason = f"无法识别 {name} 的文字编码（不是 UTF-8、GBK/GB18030 或 UTF-16）：{advice}"
        super().__init__(self.reason)


def encodings_to_try(data: bytes) -> list[tuple[str, bytes]]:
    """(encoding, bytes to decode) in the order to try: UTF-16 when it has its BOM, else UTF-8,
    then GB18030. A UTF-8 BOM is dropped first whatever follows it: some tools put one in front
    of GBK text too."""
    if data.startswith(_UTF16_BOMS):
        return [("utf-16", data)]
    body = data.removeprefix(codecs.BOM_UTF8)
    return [("utf-8", body), ("gb18030", body)]


def decode_text(data: bytes, name: str, advice: str = ADVICE) -> str:
    """The text of the file `name`; UnknownEncoding, naming the file and giving `advice` (what the
    clerk can do), when no encoding fits."""
    for encoding, body in encodings_to_try(data):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnknownEncoding(name, advice)


def looks_binary(data: bytes) -> bool:
    """NUL bytes outside UTF-16: not a text file (a picture, an Office file, a database …)."""
    return b"\x00" in data and not data.startswith(_UTF16_BOMS)


def decode_start(head: bytes) -> str | None:
    """The decoded first bytes of a file, or None when they are not text in any of the encodings above.
    A character cut at the end of the sample is dropped."""
    if looks_binary(head):
        return None
    for encoding, body in encodings_to_try(head):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(body) - 4:
                return body[:exc.start].decode(encoding, errors="ignore")
    return None

"""What a file is, told by its content (validators.read.sniff): OLE files by their streams (olefile),
and one text decoding (templates.textfile) for CSV returns, task lists and policy documents."""
from __future__ import annotations

import shutil

import pytest

from drafting.documents import DocumentProblem, read_document
from scripts.libreoffice import convert
from templates.kinds import KINDS
from templates.records import RecordsProblem
from templates.textfile import UnknownEncoding, decode_text
from tests.badinput import grain_table, write_csv, write_encrypted, write_xlsx
from tests.conftest import GAZETTE
from validators.read.errors import DAMAGED, ENCRYPTED, NOT_A_WORKBOOK, WPS_ET, UnreadableFile
from validators.read.workbook import read_workbook
from validators.records import read_records


def reason(path) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_workbook(path)
    return caught.value.reason


@pytest.fixture(scope="module")
def word_doc(tmp_path_factory):
    """A real Word 97 .doc, written by LibreOffice Writer."""
    folder = tmp_path_factory.mktemp("doc")
    text = folder / "粮食生产.txt"
    text.write_text("湘阴县2025年粮食生产计划\n新泉镇 22 万亩\n", encoding="utf-8")
    return convert([text], "doc:MS Word 97", folder / "out", infilter="Text (encoded):UTF8,LF,,,")[0]


@pytest.mark.libreoffice
@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".et"])
def test_a_word_doc_under_a_spreadsheet_name_is_called_a_word_document(word_doc, tmp_path, suffix):
    renamed = shutil.copy(word_doc, tmp_path / f"报表{suffix}")
    assert "Word 文档" in reason(renamed)


@pytest.mark.libreoffice
def test_an_ole_file_without_a_workbook_stream_is_not_a_workbook(word_doc, tmp_path):
    """The .doc with its one content stream renamed: an OLE file fenjie knows nothing about."""
    data = word_doc.read_bytes()
    stream = "WordDocument".encode("utf-16-le")
    assert data.count(stream) == 1
    other = tmp_path / "其他.xls"
    other.write_bytes(data.replace(stream, "DrawDocument".encode("utf-16-le")))
    assert reason(other) == NOT_A_WORKBOOK
    assert reason(shutil.copy(other, tmp_path / "其他.et")) == WPS_ET     # WPS's own older format


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".et"])
def test_an_encrypted_workbook_is_told_by_its_encryption_streams(tmp_path, suffix):
    clean = write_xlsx(tmp_path / "clean.xlsx", grain_table())
    encrypted = write_encrypted(tmp_path / f"加密{suffix}", clean)
    assert reason(encrypted) == ENCRYPTED


@pytest.mark.libreoffice
def test_a_real_xls_and_an_et_holding_one_are_read(tmp_path):
    clean = write_xlsx(tmp_path / "clean.xlsx", grain_table())
    xls = convert([clean], "xls:MS Excel 97", tmp_path / "xls")[0]
    et = shutil.copy(xls, tmp_path / "clean.et")
    for path in (xls, et):
        sheet = read_workbook(path).sheets[0]
        assert any(row and row[0] == "新泉镇" for row in sheet.rows)


def test_a_cut_off_ole_file_is_damaged(tmp_path):
    clean = write_xlsx(tmp_path / "clean.xlsx", grain_table())
    encrypted = write_encrypted(tmp_path / "加密.xlsx", clean).read_bytes()
    cut = tmp_path / "半截.xls"
    cut.write_bytes(encrypted[:1536])
    assert reason(cut) == DAMAGED


# -- one text decoding for every text input ------------------------------------------------------

GBK_TEXT = "乡镇\t粮食总面积(万亩)\n新泉镇\t22\n"


@pytest.mark.parametrize("data", [GBK_TEXT.encode("gbk"), b"\xef\xbb\xbf" + GBK_TEXT.encode("gbk"),
                                  GBK_TEXT.encode("utf-8"), b"\xef\xbb\xbf" + GBK_TEXT.encode("utf-8"),
                                  GBK_TEXT.encode("utf-16"), GBK_TEXT.encode("gb18030")])
def test_every_usual_encoding_gives_the_same_text(data):
    assert decode_text(data, "x.tsv") == GBK_TEXT


def test_no_known_encoding_is_named_in_chinese():
    with pytest.raises(UnknownEncoding) as caught:
        decode_text(b"\x80\x80\xff\xfe\xfd" * 8, "任务清单.tsv")
    assert "任务清单.tsv" in caught.value.reason and "文字编码" in caught.value.reason


def test_a_gbk_csv_return_is_read(tmp_path):
    path = write_csv(tmp_path / "新泉镇.csv", grain_table(), encoding="gbk")
    rows = read_workbook(path).sheets[0].rows
    assert ["新泉镇", 22, 9, 95000, 6, 0.7] == rows[4][:6]


def test_a_gbk_task_list_is_read(tmp_path):
    source = GAZETTE / "xiangyin-2025-grain-plan.tsv"
    gbk = tmp_path / "粮食.tsv"
    gbk.write_bytes(source.read_text(encoding="utf-8").encode("gbk"))
    grain = KINDS["grain-plan"]
    assert read_records(gbk, grain) == read_records(source, grain)


def test_a_gbk_policy_document_is_read(tmp_path):
    text = "关于做好春耕工作的通知\n1. 抓好粮食生产。（牵头单位：农业农村局）\n"
    gbk = tmp_path / "通知.txt"
    gbk.write_bytes(text.encode("gbk"))
    assert [line.text for line in read_document(gbk)] == text.splitlines()


def test_the_three_callers_refuse_an_unknown_encoding_with_the_same_words(tmp_path):
    garbage = b"\x80\x80\xff\xfe\xfd" * 8 + b"\n"
    for name in ("新泉镇.csv", "任务.tsv", "通知.txt"):
        (tmp_path / name).write_bytes(garbage)
    with pytest.raises(RecordsProblem) as records:
        read_records(tmp_path / "任务.tsv", KINDS["grain-plan"])
    with pytest.raises(DocumentProblem) as document:
        read_document(tmp_path / "通知.txt")
    messages = [reason(tmp_path / "新泉镇.csv"), str(records.value), str(document.value)]
    assert all("的文字编码（不是 UTF-8、GBK/GB18030 或 UTF-16）" in m for m in messages), messages
    assert "新泉镇.csv" in messages[0] and "任务.tsv" in messages[1] and "通知.txt" in messages[2]

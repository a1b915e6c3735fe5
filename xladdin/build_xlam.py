"""Rebuild xladdin.xlam: xlwings' stock ribbon add-in with our Chinese ribbon (ribbon.xml).

    python -m xladdin.build_xlam [--stock PATH] [-o PATH]

The stock add-in is the file `xlwings quickstart xladdin --addin --ribbon` copies (by default
taken straight from the installed xlwings package). Every part of it is kept byte for byte —
the VBA project above all — except the ribbon: the stock customUI/customUI.xml is replaced,
ribbon.xml goes in as customUI/customUI14.xml (what Office 2010 and later read) and, in the
2006 namespace, as customUI/customUI.xml (the fallback older readers use), with the package
relationships in _rels/.rels pointing at both. Run this again after upgrading xlwings: the add-in's VBA must match the
xlwings version installed next to fenjie.
"""
from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RIBBON = HERE / "ribbon.xml"
OUTPUT = HERE / "xladdin.xlam"

RIBBON_PART = "customUI/customUI14.xml"
STOCK_RIBBON_PARTS = ("customUI/customUI.xml", "customUI/customUI14.xml")
RELS_PART = "_rels/.rels"
# customUI14 parts (Office 2010 and later) are found through this relationship type …
UI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
# … and the same ribbon in the 2006 namespace is kept as the fallback part for Excel versions
# that only read customUI.xml; Excel versions that read both use customUI14.xml.
FALLBACK_PART = "customUI/customUI.xml"
FALLBACK_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
NS_2009 = "http://schemas.microsoft.com/office/2009/07/customui"
NS_2006 = "http://schemas.microsoft.com/office/2006/01/customui"
_UI_REL = re.compile(r'<Relationship\b[^>]*?Type="http://schemas\.microsoft\.com/office/'
                     r'200[67]/relationships/ui/extensibility"[^>]*?/>')


def stock_addin() -> Path:
    """The ribbon add-in template shipped with the installed xlwings."""
    import xlwings
    return Path(xlwings.__file__).resolve().parent / "quickstart_addin_ribbon.xlam"


def with_ribbon_relationship(rels: str) -> str:
    """_rels/.rels whose ui-extensibility relationships point at our two ribbon parts only."""
    ours = (f'<Relationship Id="rIdFenjieRibbon" Type="{UI_REL_TYPE}" Target="{RIBBON_PART}" />'
            f'<Relationship Id="rIdFenjieRibbon2006" Type="{FALLBACK_REL_TYPE}" Target="{FALLBACK_PART}" />')
    without = _UI_REL.sub("", rels)
    if "</Relationships>" not in without:
        raise ValueError("_rels/.rels 的格式不对：找不到 </Relationships>")
    return without.replace("</Relationships>", ours + "</Relationships>")


def build(stock: Path, ribbon: Path, output: Path) -> Path:
    ribbon_xml = ribbon.read_bytes()
    with zipfile.ZipFile(stock) as src:
        infos = src.infolist()
        stamp = infos[0].date_time
        parts = [(info, src.read(info.filename)) for info in infos
                 if info.filename not in STOCK_RIBBON_PARTS]
    tmp = output.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info, data in parts:
            if info.filename == RELS_PART:
                data = with_ribbon_relationship(data.decode("utf-8")).encode("utf-8")
            out.writestr(_copy_info(info), data)
        for name, xml in ((RIBBON_PART, ribbon_xml), (FALLBACK_PART, fallback(ribbon_xml))):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, xml)
    tmp.replace(output)
    return output


def fallback(ribbon_xml: bytes) -> bytes:
    """The customUI14 ribbon in the 2006 namespace (our ribbon uses nothing newer)."""
    if NS_2009.encode() not in ribbon_xml:
        raise ValueError(f"ribbon.xml 应使用 customUI14 的命名空间 {NS_2009}")
    return ribbon_xml.replace(NS_2009.encode(), NS_2006.encode())


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """Same name, time stamp and compression as the stock entry, so rebuilds are reproducible."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    return copy


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="重新生成 xladdin.xlam（xlwings 原版加载项 + 中文功能区）")
    parser.add_argument("--stock", type=Path, default=None,
                        help="原版加载项（默认取已安装 xlwings 自带的 quickstart_addin_ribbon.xlam）")
    parser.add_argument("--ribbon", type=Path, default=RIBBON)
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    path = build(args.stock or stock_addin(), args.ribbon, args.output)
    print(f"已生成 {path}")


if __name__ == "__main__":
    main()

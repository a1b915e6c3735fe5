"""Every reason a file cannot be read: UnreadableFile, with Chinese reasons that tell the clerk
what to do. Every reader in validators.read raises these and nothing else."""
from __future__ import annotations

from templates.config import Limits


class UnreadableFile(Exception):
    """A file fenjie cannot read; `reason` is Chinese and says what the clerk can do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


SAVE_AS_XLSX = "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿（.xlsx）再报送。"
DAMAGED = "文件已损坏或格式不对，无法打开：请用 Excel 或 WPS 打开后另存为 .xlsx 再报送。"
ENCRYPTED = ("文件设置了打开密码（已加密），无法读取：请在 Excel/WPS 中取消密码"
             "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后重新保存再报送。")
NOT_A_WORKBOOK = "文件不是 Excel 工作簿（旧版 Office 文件中找不到表格数据）：" + SAVE_AS_XLSX
WPS_ET = ("这是 WPS 表格自己的格式（.et），其中不是 Excel 能读的工作簿，fenjie 读不了："
          "请在 WPS 中“另存为” Excel 工作簿（.xlsx）再报送。")
CORRUPT = ("文件已损坏（压缩包结构不完整），无法打开：可能是下载或传输不完整，"
           "请重新保存或重新发送。")
BOMB = ("文件解压后异常巨大（{size}，超过上限），可能已损坏或是恶意文件：已停止读取。"
        "请用 Excel 或 WPS 打开后另存为新文件再报送。")
DTD = ("文件中含有不安全的 XML 内容（DTD/实体声明），已拒绝读取：正常的 Excel/WPS 文件不会这样，"
       "请用 Excel 或 WPS 打开后另存为新文件再报送。")


def too_many_cells(name: str, cells: int, limits: Limits) -> str:
    return (f"工作表「{name}」的数据区域过大（约 {cells:,} 个单元格，上限 {limits.max_cells:,}）："
            "请删去表格以外的内容（或整行整列的格式）后重新保存；确需检查可在 fenjie.toml 的 "
            "[limits] 中调高 max_cells。")


def refuse(name: str, cells: int, limits: Limits):
    """Stop reading a sheet larger than the limit allows."""
    raise UnreadableFile(too_many_cells(name, cells, limits))

"""The 校验 button: an xlwings add-in (xladdin.xlam) that checks the sheet open in Excel.

The ribbon button runs `import xladdin;xladdin.main()` (xlwings' stock RunMain, named after the
add-in file). Everything heavy is imported inside main(), so importing the package stays cheap.
"""

CALLER_FAILED = ("「校验」按钮没能连上正在使用的工作簿，没有校验。\n"
                 "请确认表格已「启用编辑」（窗口上方没有黄色的“受保护的视图”提示条），点选要校验的工作表，"
                 "再按一次「校验」；仍不行就关闭 Excel 重新打开。")


def main():
    """Entry point of the 校验 button: check the caller's active sheet and show the result."""
    import xlwings as xw

    from xladdin.press import press
    from xladdin.settings import logger

    try:
        book = xw.Book.caller()
    except Exception:           # no workbook to show an alert in: the system's own message box
        logger().exception("xw.Book.caller() 失败")
        alert_without_excel(CALLER_FAILED)
        return None
    return press(book)


def alert_without_excel(text: str) -> None:
    """Show `text` when there is no xlwings book to show it in (Windows or macOS)."""
    import sys

    from xladdin.report import ALERT_TITLE
    from xladdin.settings import logger

    try:
        if sys.platform == "darwin":
            import subprocess
            script = ('display alert "{}" message "{}" as critical'
                      .format(ALERT_TITLE, text.replace("\\", "\\\\").replace('"', '\\"')))
            subprocess.run(["osascript", "-e", script], check=False, timeout=600)
            return
        import win32api  # pywin32, always there next to xlwings on Windows
        win32api.MessageBox(0, text, ALERT_TITLE, 0x30)     # MB_OK | MB_ICONWARNING
    except Exception:           # nothing left to show it with: the log has it
        logger().exception("无法显示提示框")

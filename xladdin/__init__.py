"""The 校验 button: an xlwings add-in (xladdin.xlam) that checks the sheet open in Excel.

The ribbon button runs `import xladdin;xladdin.main()` (xlwings' stock RunMain, named after the
add-in file). Everything heavy is imported inside main(), so importing the package stays cheap.
"""


def main():
    """Entry point of the 校验 button: check the caller's active sheet and show the result."""
    import xlwings as xw

    from xladdin.press import press
    from xladdin.settings import logger

    try:
        book = xw.Book.caller()
    except Exception:           # not started from Excel: nothing to show an alert in
        logger().exception("xw.Book.caller() 失败：请从 Excel 的「校验」按钮运行")
        return None
    return press(book)

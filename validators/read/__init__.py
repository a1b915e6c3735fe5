"""Bytes -> WorkbookData: the only code that touches input files.

errors (every unreadable reason), sheet (the data model), inputs (which files), sniff (what a file
is), package (zip safety), ooxml, ods, biff, csvfile (the formats), workbook (read_workbook)."""

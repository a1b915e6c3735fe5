"""WorkbookData -> findings: locating the table, reading its numbers, the rule catalogue and the checks.

No files and no processes here: validators/read/ turns bytes into WorkbookData below this package,
validators/batch.py runs files and the S-rules above it.
"""

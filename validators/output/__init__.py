"""What fenjie writes from findings: text and JSON (render), the --report workbook (report),
annotated copies (annotate) and the 汇总 workbook of `fenjie merge` (summary)."""

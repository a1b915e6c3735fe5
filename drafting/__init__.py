"""Drafting a 目标任务分解表 from the policy text it comes from (`fenjie draft`).

documents: the lines of a .txt / .docx / text PDF; tasks: numbered items carrying a
responsibility clause, with their headings; clauses: 牵头单位 / 相关单位 from the clause;
figures: the quantified targets of a task; draft: names matched to the county's directory and
the rows for fenjie's own task-breakdown template writer.
Sits beside validators/ above templates/: imports templates/, nothing from cli/ or xladdin/.
"""

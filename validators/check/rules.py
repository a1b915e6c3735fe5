"""The rule catalogue: every finding fenjie can report, with a stable code.

Like ruff: a code, a one-line message (a format string), and a longer explanation for
`fenjie rules CODE`. Cross-column and plausibility rules are derived from the table-kind
declarations, so adding a CrossRule to a kind adds its rule here.
Pure Python: imported by `fenjie rules` without pandas.
"""
from __future__ import annotations

from dataclasses import dataclass

from templates.kinds import KINDS
from validators.findings import ERROR, WARNING, Finding


@dataclass(frozen=True)
class Rule:
    code: str
    name: str            # ASCII slug
    severity: str
    message: str         # str.format template, Chinese
    explanation: str     # Chinese, shown by `fenjie rules CODE`
    kinds: tuple[str, ...] = ()  # empty: applies to every kind
    defaults: tuple[tuple[str, str], ...] = ()   # message fields a caller may leave out

    def finding(self, *, sheet=None, cell=None, value=None, suggestion=None, **fields) -> Finding:
        text = None if value is None else str(value)
        message = self.message.format(value="" if text is None else text, **{**dict(self.defaults), **fields})
        return Finding(self.code, self.severity, message, sheet, cell, text,
                       None if suggestion is None else str(suggestion))


_BASE = [
    # -- F: the file --------------------------------------------------------
    Rule("F001", "unreadable-file", ERROR, "无法读取：{reason}",
         "文件打不开或不是电子表格：损坏、加密、空文件、扩展名与内容不符、超过大小或单元格数量上限。"
         "请让报送单位用 Excel 或 WPS 重新“另存为”.xlsx 后再报送。"),
    Rule("F002", "hidden-sheet", WARNING, "工作簿中有隐藏的工作表「{name}」",
         "隐藏的工作表里可能藏着数据，汇总时容易漏看。请取消隐藏，确认其内容后再报送。"),
    Rule("F003", "hidden-row", WARNING, "第 {row} 行被隐藏，其中有内容",
         "隐藏行里的数字仍参与合计，但看表的人看不到。请取消隐藏，确认这一行是否应保留。"),
    Rule("F004", "formula-no-value", WARNING, "公式 {formula} 没有保存计算结果，已按它求和的单元格重新计算",
         "文件由不计算公式的程序生成或保存，公式的结果没有存进文件。fenjie 像 Excel 打开时那样，"
         "按公式引用的范围（=SUM(C4:C13) 只加 C4 到 C13）重新计算，"
         "不信任空结果。请在 Excel 或 WPS 中打开后保存一次。"),
    Rule("F005", "table-not-found", ERROR, "未找到{what}：{detail}",
         "在工作表中找不到分解表的表头。fenjie 按声明的列名（及常见写法）查找表头行；"
         "请确认表头未被改写、合并或删除，或用 --kind 指定表格类型。"),
    Rule("F006", "missing-column", ERROR, "缺少必填列「{column}」",
         "表中缺少这一列。请按模板补上该列，不要删除或改名模板中的列。"),
    Rule("F007", "formula-error", ERROR, "单元格显示错误值 {value}",
         "单元格中的公式出错（如 #REF!、#VALUE!、#DIV/0!），合计无法核对。请修正公式或改填数字。"),
    Rule("F008", "internal-error", ERROR, "核对这份文件时程序出错（{detail}），详情已记入日志",
         "这是 fenjie 自身的问题，不是表格的问题。请把文件和日志发给维护人员；其他文件的核对不受影响。"),
    Rule("F010", "second-table-below", WARNING, "第 {row} 行起还有一张表（合计下面又有表头），只核对了上面的一张",
         "同一工作表中表格的合计行下面又有一个表头：可能是另一个版本或另一张表。fenjie 只核对第一张表，"
         "下面的表不核对、不汇总。请删去不需要的表，或把它移到单独的文件中报送。"),
    Rule("F011", "table-on-another-sheet", WARNING, "工作表「{name}」中还有一张{title}，只核对了工作表「{checked}」中的一张",
         "工作簿中有不止一个工作表含有分解表，两张内容相同，或其中一张是没填的空白模板。fenjie 只核对一张："
         "第一张填了数的（可见的工作表优先），其余不核对、不汇总。请只保留要报送的那一张。"
         "两张都填了、内容却不同，是错误 F018。"),
    Rule("F018", "table-copies-differ", ERROR,
         "工作表「{name}」和「{checked}」中各有一张填好的{title}，内容不同：{detail}；不知道哪一张算数",
         "工作簿中有两个工作表都填了这张表（比如另加了一个「修改后」的工作表），两张的数字或名称不同。fenjie "
         "核对的是第一张（可见的工作表优先），但不知道乡镇要报的是哪一张：按哪一张汇总都可能是错的，"
         "所以这是错误，这份表不计入汇总。请删去不用的那一张，只保留要报送的表，再重新报送。"
         "两张内容相同，或另一张是没填的空白模板，只是提醒 F011。"),
    Rule("F012", "duplicate-column-differs", ERROR,
         "「{column}」有两列（{first} 列和 {second} 列），内容不同：{detail}",
         "表头中同一列出现了两次，且两列的数字不同：不知道哪一列算数。fenjie 核对的是第一列。"
         "请删去多余的一列。"),
    Rule("F013", "duplicate-column", WARNING, "「{column}」有两列（{first} 列和 {second} 列），内容相同，只核对了 {first} 列",
         "表头中同一列出现了两次，两列内容相同。请删去多余的一列，以免以后只改了其中一列。"),
    Rule("F014", "unit-differs", WARNING,
         "「{column}」的单位是{unit}，{title}规定的单位是{declared}：已按 1 {unit} = {factor} {declared} 换算后与目标核对、汇总",
         "表头（或表头下的单位行；表头没写单位时，表格上方「单位：亩、吨」这一行）写的单位与这类表规定的单位不同，"
         "但两者可以换算（亩/万亩/公顷，"
         "吨/万吨/公斤，元/万元/亿元，本县表格类型自己的单位与它的万、亿倍数，如 头/万头）。"
         "合计按表中的单位与各行核对；与县下达的目标比较、各列之间比较（早稻面积不大于粮食总面积、"
         "亩产）和汇总时，先换算成规定的单位（44000 亩 = 4.4 万亩）。请确认数字确是按表头的单位填的。"),
    Rule("F016", "unit-unknown", ERROR, "「{column}」的单位是{unit}，不能换算成{title}规定的{declared}",
         "表头（或表头下的单位行）写的单位与这类表规定的单位不同，且两者不能换算（如面积写成了斤）："
         "不知道数字是什么意思，合计不能与目标比较，也不能汇总。请改用规定的单位。"),
    Rule("F017", "far-cell", WARNING, "离表格很远的单元格里有「{value}」：它不核对、也不汇总，请确认后删去{more}",
         "表格下方或右侧很远处（比如第 1048576 行、XFD 列）有单元格填了内容，打开表格时看不到：表格下面"
         "隔了 100 多行空行，或在表格最后一列右边 26 列以外。fenjie 照常核对表格，但这个单元格不在表内，不参与合计核对，也不计入汇总；若它是漏填进表里的数字，"
         "表中的数就少了。请用“定位”（Ctrl+G）找到它，确认后删去，或把数字填回表中该填的位置。"),
    Rule("F015", "formula-value-unknown", ERROR, "公式 {formula} 没有保存计算结果，不知道它的值",
         "文件由不计算公式的程序生成或保存，这个公式的结果没有存进文件。fenjie 只会按表中数字重新计算"
         "合计行的 SUM，别的公式不会当作空白，也不会猜它的值，合计也就无法核对。"
         "请在 Excel 或 WPS 中打开后保存一次，或把公式改成数字。"),
    # -- N: numbers -----------------------------------------------------------
    Rule("N001", "number-as-text", ERROR, "数字存成了文本「{value}」，Excel 的求和会跳过它",
         "单元格内容是数字，但以文本形式保存（常见于从 PDF 或网页复制、或单元格格式设为“文本”）。"
         "Excel 的 SUM 会跳过文本，合计因此偏小。请把单元格格式改为“常规”或“数值”后重新输入数字。"),
    Rule("N002", "full-width-digits", ERROR, "数字用了全角字符「{value}」，应为 {number}",
         "全角数字（如 ２２．０）看起来像数字，但 Excel 把它当作文字，不参与求和。请切换到半角输入法重新输入。"),
    Rule("N003", "thousands-separator-text", ERROR, "千分位逗号写成了文字「{value}」，应为 {number}",
         "“95,000”这样手工输入带逗号的数字会被存成文本。请只输入数字，需要千分位时用单元格格式显示。"),
    Rule("N004", "unit-in-cell", ERROR, "单元格中写了单位「{value}」，应只填数字 {number}",
         "单位已在表头中注明（如 万亩、吨），单元格里只填数字；“22万亩”会被当作文字，不参与求和。"),
    Rule("N005", "approximate-number", ERROR, "数字带有“约/左右”等字样「{value}」，应填确数 {number}",
         "分解表中的任务数必须是确数，不能写“约”“左右”“以上”等字样。"),
    Rule("N006", "stray-spaces", ERROR, "数字前后有空格「{value}」，应为 {number}",
         "数字前后或中间的空格会使单元格变成文本，不参与求和。请删除空格。"),
    Rule("N007", "not-a-number", ERROR, "「{column}」应填数字，现在是「{value}」",
         "这一列只能填数字。请填入数字；没有任务时填 0。"),
    Rule("N008", "out-of-bounds", ERROR, "「{column}」的值 {value} 超出允许范围（{bounds}）",
         "数值超出该列允许的范围，例如面积、产量不能为负数。"),
    Rule("N009", "required-number-missing", ERROR, "「{column}」未填写",
         "该列是必填的数字列，这一行留空了。没有任务时请填 0，不要留空。"),
    Rule("N010", "integer-expected", ERROR, "「{column}」应为整数，现在是 {value}",
         "序号等列只能是整数。"),
    Rule("N011", "unit-not-convertible", ERROR,
         "单元格中写了「{value}」，它的单位与「{column}」的单位（{unit}）不同，无法换算",
         "单元格里写了数字和单位，而这个单位不能换算成本列表头的单位（如在“万亩”列写“10%”、"
         "“22吨”）。fenjie 只在同类单位之间换算（亩/万亩/公顷，公斤/吨/万吨，元/万元/亿元，"
         "本县表格类型自己的单位与它的万、亿倍数），"
         "其余不猜，不给建议值。请按表头的单位只填数字。"),
    Rule("N012", "percent-format", WARNING,
         "「{column}」的单元格设成了百分比格式：显示为 {shown}，实际数值是 {number}",
         "数字列（单位如万亩、吨）的单元格设成了“百分比”格式：在这样的单元格里输入 5，Excel 存的是 0.05，"
         "显示为 5%，合计和汇总都按 0.05 计算。请把单元格格式改为“常规”或“数值”，再核实数字。"),
    Rule("N013", "date-format", WARNING,
         "「{column}」的单元格设成了{what}格式：显示为「{shown}」，实际数值是 {number}",
         "数字列（单位如万亩、吨）的单元格设成了“时间”或“日期”格式：Excel 存的仍是数字，合计和汇总都按这个数"
         "计算（0.61 显示为 14:38:24，45663 显示为 2025-01-06），只是表上看不出是多少。fenjie 按数字核对。"
         "请把单元格格式改为“常规”或“数值”，再核实数字。"),
    # -- T: totals -------------------------------------------------------------
    Rule("T001", "total-mismatch", ERROR, "「{column}」合计为 {total}，各行相加为 {sum}，相差 {diff}",
         "合计行的数字与上面各行之和不符。合计应是各行之和按合计自己写到的小数位四舍五入的数：合计比各行"
         "少写几位小数（各行相加 22.55，合计写 22.6）不算错；合计比各行多写了小数（各行都是整数、加起来 15，"
         "合计写 15.5）而与各行之和不符，就是错的。"
         "常见原因：某个单元格是文本未被求和、手工改了合计、插入的行不在求和范围内。"),
    Rule("T002", "target-mismatch", ERROR, "「{column}」{what}为 {total}，县下达目标为 {target}，相差 {diff}",
         "合计与县下达的总目标不符。目标来自 --target、配置文件 [targets] 或模板自带的身份信息。"
         "合计与各行之和不符（T001）而正好写成了目标数时，按各行实际分下去的数（各行相加）与目标核对："
         "照抄目标数的合计掩盖不了分少了或分多了；合计四舍五入少写了小数时也按各行相加核对。",
         defaults=(("what", "合计"),)),
    Rule("T003", "assigned-mismatch", ERROR,
         "「{column}」{what}为 {total}，县里分配给{scope}的任务是 {target}，相差 {diff}",
         "乡镇自己的分解表（分到村）合计应等于县分解表分给本乡镇的数。合计与各行之和不符（T001）而正好"
         "写成了分配数时，按各行实际分下去的数（各行相加）核对：照抄分配数的合计掩盖不了分少了或分多了；"
         "合计四舍五入少写了小数时也按各行相加核对。",
         defaults=(("what", "合计"),)),
    Rule("T004", "total-row-missing", ERROR, "表中没有合计行",
         "分解表应有“合计”行，便于核对。请在表尾加上合计行，用 SUM 公式求和。"),
    Rule("T005", "total-missing-value", ERROR, "合计行的「{column}」是空的",
         "合计行中该列没有数字。请填入 SUM 公式。"),
    Rule("T006", "row-below-total", ERROR,
         "「{name}」这一行在合计行（第 {total} 行）下面：它的数不在合计内，也没有核对",
         "合计行下面又填了一行（名称和数字），多半是漏填了一个村（单位）后补在表尾。表格到合计行为止："
         "合计的 SUM 不含这一行，fenjie 也只核对合计行以上的各行，这一行的数既不在合计里，也不汇总。"
         "请把它移到合计行上面（插入行后确认合计的求和范围包含它），或删去。表尾的填报人、联系电话、"
         "注、日期，模板的「县下达任务」「差额」两行都不是这样的行。"),
    Rule("T010", "subtotal-mismatch", ERROR,
         "「{column}」{label}为 {total}，本组各行（{rows}）相加为 {sum}，相差 {diff}",
         "小计应等于它所在那一组各行之和：小计在组下面时，是上一个小计（或表头）以下到它为止的各行；"
         "表中第一行就是小计时，小计在组上面，是它到下一个小计之间的各行。合计只与各行（不含小计）"
         "相加比较，每一行只算一次。"),
    # -- R: rows ---------------------------------------------------------------
    Rule("R001", "row-missing", ERROR, "缺少「{name}」这一行",
         "配置文件中的每个乡镇（或村）都应在表中恰好有一行。"),
    Rule("R002", "row-duplicate", ERROR, "「{name}」出现了 {count} 次（第 {rows} 行）",
         "同一个乡镇（或村）在表中出现了不止一次，合计会重复计算。请合并为一行。"),
    Rule("R003", "row-unknown", ERROR, "「{name}」不在本县的名单中",
         "这一行的名称不在配置文件的乡镇（或村）名单中，可能是错别字。建议值是名单中最接近的名称。"),
    Rule("R004", "row-key-missing", ERROR, "这一行有数字但没有填名称",
         "每一行都要写明乡镇（或村）的名称，否则无法核对。"),
    # -- K: task tables --------------------------------------------------------
    Rule("K001", "lead-unit-missing", ERROR, "{task}没有牵头单位",
         "每项任务必须有牵头单位，否则无人负责。只写了「/」「、」「—」之类的符号或「无」「待定」的，也算没有填写。", ("task-breakdown",)),
    Rule("K002", "leader-missing", ERROR, "{task}没有责任领导",
         "每项任务必须写明责任领导。只写了符号（「/」「—」）或「无」「待定」的，也算没有填写。", ("task-breakdown",)),
    Rule("K003", "owner-missing", ERROR, "{task}缺少{which}责任人",
         "责任人分“县政府”和“牵头单位”两栏，两栏都要填写；只写了符号（「/」「—」）或「无」「待定」的，也算没有填写。", ("task-breakdown",)),
    Rule("K004", "unknown-unit", ERROR, "「{name}」不是已知的单位、乡镇或统称",
         "牵头单位、相关单位中的每个名称都应是配置文件 units、aliases、townships 或 collectives "
         "中的名称（比较时忽略空格、全角半角）。建议值是最接近的已知名称。", ("task-breakdown",)),
    Rule("K005", "sequence-broken", ERROR, "序号{number}{problem}",
         "序号应从 1 开始连续编排，不跳号、不重号。", ("task-breakdown",)),
    Rule("K006", "owner-inconsistent", WARNING, "牵头单位「{unit}」的责任人写作「{value}」，其他行写作「{other}」",
         "同一牵头单位在不同任务中填写了不同的责任人：可能是同一人的名字写法不一，也可能是填错了行。",
         ("task-breakdown",)),
    Rule("K007", "task-missing", ERROR, "{item}没有填写目标任务",
         "每一行都要写明目标任务的内容；只写了符号（「/」「—」）或「无」的，也算没有填写。", ("task-breakdown",)),
    # -- S: the batch of returns -----------------------------------------------
    Rule("S001", "not-submitted", ERROR, "「{name}」尚未报送",
         "配置文件中的这个乡镇没有任何一份报送文件与之对应。"),
    Rule("S002", "submitted-twice", WARNING, "「{name}」报送了 {count} 份：{files}；{counted}",
         "同一个乡镇有多份报送文件，请确认以哪一份为准，删去其余的。汇总时计入其中无错的最新一份"
         "（按工作簿保存时记下的修改时间，没有时按文件的修改时间）；都有错时一份也不计入。"),
    Rule("S003", "unmatched-file", WARNING, "无法确定这份文件是哪个乡镇报送的",
         "fenjie 依次按模板身份信息、“填报单位”一行、文件名判断报送单位，都没有找到。"),
    Rule("S004", "township-not-in-config", ERROR, "「{name}」不是{county}的乡镇（配置文件中没有），不能算通过",
         "按模板身份信息，这份表是一个不在本县配置文件 townships 里的乡镇报的："
         "可能是别的县的表，或用错了配置文件。这份表不计入汇总。"),
    Rule("S005", "template-of-another-round", ERROR, "这是{found}的模板，配置文件是{wanted}的：不是本次要报的表",
         "模板的身份信息（隐藏的 fenjie_id 表）记下的县或年度与配置文件不同：多半是拿往年或外县的模板"
         "填的，下达数和名单都可能不对。请用本县本年度的模板重新填报。这份表不计入汇总。"),
    Rule("S008", "title-of-another-round", ERROR, "标题「{title}」写的是{found}，配置文件是{wanted}的：不是本次要报的表",
         "没有 fenjie 模板身份信息的表，按标题中的县名和年份判断是哪一次的表。标题写的县或年份与配置文件不同："
         "可能是别县的表或往年的表改了数字。请用本次下发的模板重新填报，或改正标题。"),
    Rule("S009", "identity-target-differs", ERROR,
         "「{column}」表中「{label}」写的是 {shown}，模板隐藏的身份信息中是 {hidden}：两者不一致",
         "fenjie 模板把县下达的目标既写在表中（锁定的「县下达任务」/「全县目标」行），也存在隐藏的身份信息里。"
         "两处不同，说明其中一处被改过，不知道哪个是县下达的数。请用县里下发的原模板重新填报。"),
    Rule("S006", "county-table-reallocated", WARNING,
         "「{column}」模板里县下达的数是 {old}，县分解表现在是 {new}：按县分解表核对",
         "模板发出后县里调整了分配：乡镇模板隐藏的身份信息里记的下达数与 --from 给出的县分解表不同。"
         "以县分解表为准核对合计；只是提醒。"),
    Rule("S007", "not-in-county-table", ERROR, "无法确定这份分到村的表是哪个乡镇的，不能与县分解表核对",
         "给了县分解表（--from）时，每份报回的表都要与本乡镇在县分解表中的那一行核对。fenjie 依次按"
         "模板身份信息、“填报单位”一行、文件名判断报送乡镇，都没有找到本县的乡镇。请在表尾“填报单位”"
         "写明乡镇名，或把乡镇名写进文件名。"),
    Rule("S010", "kind-changed", WARNING,
         "模板生成后，表格类型「{name}」改过了（模板：{made}；现在：{now}）",
         "报回的表是用旧的表格类型文件生成的模板填的：之后有人改了这种表的列或规则（版本号或声明的"
         "摘要不同）。fenjie 按现在的表格类型核对；如果列有增减，请核对表头是否对得上，必要时重新发模板。"
         "只是提醒。"),
    Rule("S011", "unfilled-template", ERROR,
         "「{name}」报回的是 fenjie 下发的模板，与生成时完全相同：什么也没有填写",
         "这份表和 fenjie 生成的模板逐字节相同：发下去以后没有人填过、保存过（可能发错了文件）。它算这个"
         "乡镇（单位）报回了表，所以不列为未报送；但要填的数（乡镇分到各村的数，单位自己那一行的数）一个也"
         "没有填，不能通过，汇总时也不计入。请填好后保存再报送。在报送文件夹里，没人改过的模板只在这个乡镇"
         "（单位）没有别的报送文件时才这样报告；另有报回的表时，它是县里自己留的模板，照旧不核对。"),
    # -- W: returns uploaded through a link of `fenjie serve` -------------------------
    Rule("W001", "other-township", ERROR, "这份表是「{other}」的，不是「{name}」的",
         "通过一个乡镇的链接上传的表，模板身份信息、“填报单位”一行或文件名写的却是另一个乡镇："
         "可能传错了文件。请上传本乡镇自己的表。"),
]


def _slug(text: str) -> str:
    return text.replace("_", "-")


def _derived_rules() -> list[Rule]:
    return [rule for kind in KINDS.values() for rule in kind_rules(kind)]


def kind_rules(kind) -> list[Rule]:
    """The cross-column and plausibility rules a kind declares."""
    rules = []
    for cr in kind.cross_rules:
        left, right = kind.column(cr.left).header, kind.column(cr.right).header
        rules.append(Rule(cr.code, _slug(f"{cr.left}-exceeds-{cr.right}"), ERROR,
                          f"{left} {{left}} 大于{right} {{right}}",
                          f"每一行的{left}不能超过{right}。两列表头写的单位不同时（如 亩 与 万亩），"
                          f"先换算成这类表规定的单位再比较。", (kind.name,)))
    for rr in kind.ratio_rules:
        num, den = kind.column(rr.numerator).header, kind.column(rr.denominator).header
        rules.append(Rule(rr.code, _slug(f"{rr.numerator}-per-{rr.denominator}"), WARNING,
                          f"{rr.name} {{ratio}} {rr.unit}，不在常见范围 {rr.low:g}–{rr.high:g} {rr.unit} 内",
                          f"{num} ÷ {den} 算出的{rr.name}明显偏高或偏低，可能是单位填错"
                          f"（吨与公斤、亩与万亩）或数字错位。表头写了别的单位时，先换算成这类表规定的单位再算。"
                          f"只是提醒，不算错误。", (kind.name,)))
    return rules


def registry(rules: list[Rule]) -> dict[str, Rule]:
    """code -> rule; a code declared twice is a programming error, never a silent overwrite."""
    found: dict[str, Rule] = {}
    for rule in rules:
        if rule.code in found:
            raise ValueError(f"rule code {rule.code} is declared twice ({found[rule.code].name}, {rule.name})")
        found[rule.code] = rule
    return found


RULES: dict[str, Rule] = registry([*_BASE, *_derived_rules()])


def get_rule(code: str) -> Rule:
    return RULES[code.upper()]


def rules_for(config=None) -> dict[str, Rule]:
    """Every rule, with the rules of the county's own kinds (fenjie.toml `kinds`)."""
    from templates.kinds import kinds_for
    rules = dict(RULES)
    for kind in kinds_for(config).values():
        for rule in kind_rules(kind):
            rules.setdefault(rule.code, rule)
    return rules


def rule_of(code: str, kind=None) -> Rule:
    """A rule by code; a county kind's own cross rules are found through the kind."""
    rule = RULES.get(code)
    if rule is None and kind is not None:
        rule = next((r for r in kind_rules(kind) if r.code == code), None)
    if rule is None:
        raise KeyError(code)
    return rule

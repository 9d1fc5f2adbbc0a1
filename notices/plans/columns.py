"""The columns of a rectification plan (整改方案 / 问题清单·任务清单·责任清单) and their synonyms.

Headers are compared as `cases.names.comparison_key` does (width, spaces and punctuation do not
count); a header holding a synonym ("牵头单位（部门）") is placed too, by its longest synonym.
"""

from __future__ import annotations

from cases.names import comparison_key

# key → header texts seen in real plans, the first being the one shown.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序"),
    "category": ("问题类别", "问题类型", "类别", "方面", "问题分类", "所属方面"),
    "problem": ("反馈问题", "存在问题", "问题清单", "问题描述", "具体问题", "问题表现", "反馈意见", "巡视反馈问题",
                "巡察反馈问题", "审计发现问题", "督察反馈问题", "主要问题", "问题"),
    "measure": ("整改措施", "整改举措", "任务清单", "整改任务", "具体措施", "整改目标及措施", "整改目标和措施",
                "工作措施", "措施"),
    "leader": ("责任领导", "牵头领导", "分管领导", "包保领导", "责任领导干部", "领导"),
    "lead_unit": ("牵头单位", "牵头部门", "主责单位", "牵头责任单位", "主办单位"),
    "units": ("责任单位", "责任部门", "责任清单", "整改责任单位"),
    "supporting": ("配合单位", "协办单位", "协同单位", "配合部门", "参与单位"),
    "person": ("责任人", "具体责任人", "经办人", "联系人"),
    "deadline": ("完成时限", "整改时限", "完成时间", "整改期限", "时限要求", "时限"),
    "kind": ("整改类型", "整改方式", "整改性质", "类型"),
    # 问题清单·任务清单·责任清单 as separate sheets: a task names its problem's number, a duty its task's.
    "problem_ref": ("问题序号", "对应问题序号", "问题编号", "所属问题序号", "对应问题编号"),
    "measure_ref": ("任务序号", "措施序号", "对应任务序号", "任务编号", "措施编号", "对应措施序号"),
    "ignore": ("备注", "整改进展", "完成情况", "整改目标", "督办单位", "联系电话", "电话", "联系方式", "手机号码",
               "办公电话"),
}
LABELS = {key: names[0] for key, names in SYNONYMS.items()}
KEYS = tuple(k for k in SYNONYMS if k != "ignore")
_EXACT = {comparison_key(name): key for key, names in SYNONYMS.items() for name in names}
_BY_LENGTH = sorted(_EXACT.items(), key=lambda item: -len(item[0]))


def place_header(text: str) -> str | None:
    """The column key of a header text, or None when it cannot be placed."""
    key = comparison_key(text)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    for synonym, column in _BY_LENGTH:
        if len(synonym) >= 2 and synonym in key:
            return column
    return None

"""Plan documents written for tests and benchmarks: the same shape as a real 工作要点."""

NUMERALS = "一二三四五六七八九十"


def synthetic_plan_text(*, items: int, sections: int = 6, year: int = 2030, organization: str = "测试市总工会") -> str:
    """A plan of `items` items spread over `sections` sections, each with departments and targets."""
    lines = [f"{organization}{year}年工作要点", f"{year}年的总体要求是：稳中求进。"]
    per_section = -(-items // sections)
    number = 0
    for s in range(sections):
        lines.append(f"{NUMERALS[s]}、第{NUMERALS[s]}部分工作")
        for _ in range(per_section):
            number += 1
            if number > items:
                break
            lines.append(
                f"{number}.第{number}项工作。年内创建X家示范点，为{number}名职工送体检，实现档案全覆盖。"
                f"（责任部室：部门{number % 7}、部门{(number + 1) % 7}<科室{number % 3}>）"
            )
    return "\n".join(lines) + "\n"

"""Run axe-core (bundled by the axe-playwright-python package) on the page a test has open.

`assert_no_axe_violations(page)` fails with every violation listed (rule, impact, help and the
first few offending elements), so a failing run says what to fix without re-running by hand.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

_axe = Axe()

# axe-core leaves a few rules off by default; the issue measured `target-size` (WCAG 2.2 AA),
# so it is switched on here too.
OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


def axe_violations(page) -> list[dict]:
    return _axe.run(page, options=OPTIONS).response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} [{len(violation['nodes'])} nodes]"
        )
        for node in violation["nodes"][:5]:
            lines.append(
                f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    __tracebackhide__ = True
    violations = axe_violations(page)
    if violations:
        pytest.fail(f"axe-core found violations on {page.url}:\n{describe(violations)}", pytrace=False)

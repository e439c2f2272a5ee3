"""
WCAG 2.1 A and AA, measured by axe-core inside the page the browser test is looking at.

axe-core's script comes from the ``axe-playwright-python`` wheel (requirements/test.in),
so a fresh checkout needs nothing but pip; the page under test gets it through Playwright's
``add_script_tag`` and the verdict is axe's own ``axe.run``.
"""
from importlib.resources import files

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SCRIPT = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def violations(page):
    """axe's violations of WCAG 2.0/2.1 A and AA on ``page`` as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA)
    return result["violations"]


def describe(found):
    """One paragraph per rule: its id, impact and help, then every element it caught."""
    lines = []
    for rule in found:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']} <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


def assert_no_violations(page):
    """Fail with axe's findings when ``page`` breaks any WCAG 2.1 A or AA rule axe checks."""
    found = violations(page)
    assert not found, f"{len(found)} WCAG 2.1 A/AA rule(s) broken:\n{describe(found)}"

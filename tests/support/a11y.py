"""axe-core, from the npm registry (pinned in package-lock.json, installed by `make test`
with `npm ci`), run inside the page under test at desktop and phone sizes."""

from pathlib import Path
from typing import Any

import pytest

from tests.support.web import DESKTOP, PHONE, REQUIRE_BROWSER

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: What the pages promise: WCAG 2.1 A and AA.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    if not AXE.is_file():
        reason = f"axe-core is not installed at {AXE}; `make test` installs it with `npm ci`"
        if REQUIRE_BROWSER:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return "\n".join(lines)


async def violations(page: Any) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 AA violations of the page as it is now."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol: the pages' CSP does not apply to it
        await page.evaluate(axe_source())
    return await page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then((r) => r.violations)",
        TAGS,
    )


async def audit(page: Any, state: str) -> None:
    """No axe violation in this page state, at desktop and at phone size."""
    found = {}
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(viewport)
        if problems := await violations(page):
            found[size] = describe(problems)
    await page.set_viewport_size(DESKTOP)
    assert not found, f"axe found violations in {state!r}:\n" + "\n".join(
        f"[{size}]\n{text}" for size, text in found.items()
    )

"""The layering rules, read from the source: each test names a rule and every place that
breaks it.

- Only the store speaks SQL: nothing outside `store/` (and its Alembic migrations)
  imports SQLAlchemy or touches a unit of work's connection.
- Only the surfaces (and the app that wires them) import FastAPI; the use cases never
  import a surface, so they cannot build an HTTP reply.
- `scheduling/` is pure: it imports nothing but the standard library's pure modules.
- Only `booking/transitions.py` writes booking state: the statements that change
  `bookings` or `slots` live in `store/bookings/booking_writes.py`, which nothing else imports.
- Surfaces never import each other; what they share is in `surfaces/http/`.
- A unit of work runs through `engine.attempts()`, so a connection that dropped before
  the commit reruns it on a fresh one; only the change-news readers of `realtime/` open
  units directly (a failed read there is answered uncached, or read again at the next
  poll).
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "slotbook"

#: modules scheduling may import: the standard library's pure parts, and itself
PURE_MODULES = {
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "itertools",
    "math",
    "typing",
    "zoneinfo",
    "slotbook.scheduling",
}
#: where the surfaces' shared plumbing lives: any surface may import it
SURFACE_PLUMBING = "slotbook.surfaces.http"
#: other surface modules that are helpers, not surfaces: any surface may import them
SURFACE_HELPERS = {
    "slotbook.surfaces.documents.board_messages",
    "slotbook.surfaces.documents.schedule_text",
    "slotbook.web.assets",  # the pages' scripts and styles, served compressed and cached
}
WRITER = "slotbook.booking.transitions"
WRITE_STATEMENTS = "slotbook.store.bookings.booking_writes"
BOOKING_TABLES = {"bookings", "slots"}
RAW_WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(bookings|slots)\b", re.I)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), ast.parse(path.read_text(), str(path))


#: packages (folders), which group modules and are not modules of their own
PACKAGES = {module_name(p) for p in PACKAGE.rglob("__init__.py")}


def imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import; `from a import b` counts as `a.b` too."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def breaking(rule: str, found: list[str]) -> None:
    assert not found, f"{rule}:\n  " + "\n  ".join(found)


SOURCE = list(modules())


def test_only_the_store_speaks_sql() -> None:
    found = [
        f"{name}:{line} imports {imported}"
        for name, tree in SOURCE
        if not within(name, "slotbook.store", "slotbook.migrations")
        for line, imported in imports(tree)
        if within(imported, "sqlalchemy", "alembic")
    ]
    found += [
        f"{name}:{node.lineno} uses a connection"
        for name, tree in SOURCE
        if not within(name, "slotbook.store", "slotbook.engine")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "conn"
    ]
    breaking("SQL outside the store", found)


def test_only_surfaces_and_the_app_know_the_web_framework() -> None:
    web = ("slotbook.surfaces", "slotbook.web", "slotbook.app")
    found = [
        f"{name}:{line} imports {imported}"
        for name, tree in SOURCE
        if not within(name, *web)
        for line, imported in imports(tree)
        if within(imported, "fastapi", *web)
    ]
    breaking("web framework or a surface imported outside the surfaces", found)


def test_scheduling_imports_no_io() -> None:
    found = [
        f"{name}:{line} imports {imported}"
        for name, tree in SOURCE
        if within(name, "slotbook.scheduling")
        for line, imported in imports(tree)
        if not within(imported, *PURE_MODULES)
    ]
    breaking("scheduling must stay pure", found)


def _names_a_booking_table(node: ast.AST) -> bool:
    """`bookings` or `slots`, bare or reached through a module (`tables.bookings`)."""
    if isinstance(node, ast.Name):
        return node.id in BOOKING_TABLES
    return isinstance(node, ast.Attribute) and node.attr in BOOKING_TABLES


def _writes_booking_tables(node: ast.AST) -> bool:
    """An `insert(...)`/`update(...)`/`delete(...)` of bookings or slots (also as
    `sa.update(...)`), a table's own `.insert()`/`.update()`/`.delete()`, or raw SQL
    that writes them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return RAW_WRITE.search(node.value) is not None
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    verb = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if verb not in {"insert", "update", "delete"}:
        return False
    if any(_names_a_booking_table(a) for a in node.args):
        return True
    return isinstance(func, ast.Attribute) and _names_a_booking_table(func.value)


def test_only_the_transitions_module_writes_booking_state() -> None:
    found = [
        f"{name}:{node.lineno} writes bookings or slots"
        for name, tree in SOURCE
        if name not in {WRITE_STATEMENTS, "slotbook.migrations.versions.0001_schema"}
        for node in ast.walk(tree)
        if _writes_booking_tables(node)
    ]
    found += [
        f"{name}:{line} imports {imported}"
        for name, tree in SOURCE
        if name != WRITER
        for line, imported in imports(tree)
        if within(imported, WRITE_STATEMENTS)
    ]
    breaking(f"booking state written outside {WRITER}", found)


def test_surfaces_never_import_each_other() -> None:
    surfaces = {
        name
        for name, _ in SOURCE
        if within(name, "slotbook.surfaces", "slotbook.web")
        and not within(name, SURFACE_PLUMBING)
        and name not in SURFACE_HELPERS | PACKAGES
    }
    found = [
        f"{name}:{line} imports {imported}"
        for name, tree in SOURCE
        if name in surfaces
        for line, imported in imports(tree)
        if any(within(imported, other) for other in surfaces - {name})
    ]
    shared = [SURFACE_PLUMBING, *sorted(SURFACE_HELPERS)]
    breaking(f"a surface imports another (share through {shared})", found)


#: modules that may open a unit of work without `engine.attempts()` (see the docstring)
DIRECT_UNITS = {"slotbook.engine", "slotbook.realtime.pg_notify", "slotbook.realtime.change_log"}


def test_units_of_work_run_through_attempts() -> None:
    found = [
        f"{name}:{node.lineno} opens a unit of work without engine.attempts()"
        for name, tree in SOURCE
        if name not in DIRECT_UNITS
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "unit"
    ]
    breaking("a unit of work that a dropped connection would not rerun", found)


@pytest.mark.parametrize(
    ("source", "writes"),
    [
        ("update(bookings).values(status='x')", True),
        ("insert(slots)", True),
        ("bookings.delete()", True),
        ("text('UPDATE bookings SET status = 1')", True),
        ("sa.update(bookings)", True),
        ("update(tables.bookings)", True),
        ("sqlalchemy.insert(tables.slots)", True),
        ("tables.bookings.update()", True),
        ("update(users)", False),
        ("sa.update(tables.users)", False),
        ("select(bookings)", False),
        ("select(tables.slots).with_for_update()", False),
    ],
)
def test_the_write_detector_sees_every_form(source: str, writes: bool) -> None:
    tree = ast.parse(source)
    assert any(_writes_booking_tables(n) for n in ast.walk(tree)) is writes

"""A served process tunes its garbage collector once its app has started; an app made
any other way (tests, tools) leaves the process's collector alone."""

import subprocess
import sys
import textwrap
from pathlib import Path

from slotbook.gc_tuning import YOUNG_THRESHOLD
from tests.support.databases import create_sqlite_database
from tests.support.servers import SRC

#: in a process of its own: a frozen collector would stay frozen in the test process
SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    from asgi_lifespan import LifespanManager
    from slotbook.app import create_app, create_served_app
    from slotbook.settings import Settings

    async def main():
        settings = Settings(database_url=sys.argv[1], run_jobs=False, _env_file=None)
        for make in (create_app, create_served_app):
            async with LifespanManager(make(settings)):
                print(gc.get_freeze_count(), gc.get_threshold()[0])

    asyncio.run(main())
    """
)


def test_only_a_served_app_freezes_what_start_up_made_and_collects_less_often(tmp_path: Path):
    url = create_sqlite_database(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (plain_frozen, plain_young), (served_frozen, served_young) = [
        tuple(map(int, line.split())) for line in done.stdout.splitlines()
    ]
    assert plain_frozen == 0 and plain_young == 700  # CPython's default, untouched
    assert served_frozen > 10_000  # FastAPI's routes, SQLAlchemy's tables, ...
    assert served_young == YOUNG_THRESHOLD

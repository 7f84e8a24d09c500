"""The directory prometheus-client's multiprocess mode shares between workers.

Deliberately free of prometheus-client imports: the variable must be set before any
worker imports it (prometheus-client picks its storage at import time).
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory(workers: int) -> Iterator[None]:
    """For the life of a server with several workers, point PROMETHEUS_MULTIPROC_DIR at a
    directory of this run's own (a fresh one, or the operator's, emptied of old samples)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
    elif workers == 1:
        yield
    else:
        with tempfile.TemporaryDirectory(prefix="slotbook-metrics-") as directory:
            os.environ[MULTIPROC_ENV] = directory
            try:
                yield
            finally:
                del os.environ[MULTIPROC_ENV]

"""The Maildir writer: a batch lands whole in `new/` (flushed with one `syncfs`, or an
`fsync` per file where there is none), readable by any Maildir reader, and a batch that
fails leaves nothing half-written behind."""

import mailbox
import os
from pathlib import Path

import pytest

from slotbook.notify.mail import maildir


def messages(count: int) -> list[bytes]:
    return [f"To: p{i}@x.org\nSubject: letter {i}\n\nHello {i}\n".encode() for i in range(count)]


def subjects(path: Path) -> list[str]:
    return sorted(str(m["Subject"]) for m in mailbox.Maildir(path, create=False))


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync-per-file"])
def test_a_batch_lands_whole_in_new_and_nothing_stays_in_tmp(tmp_path, monkeypatch, syncfs):
    if not syncfs:
        monkeypatch.setattr(maildir, "_syncfs", None)
    box = tmp_path / "mail"
    maildir.write(box, messages(3))
    maildir.write(box, messages(2))
    assert subjects(box) == sorted(["letter 0", "letter 1", "letter 2", "letter 0", "letter 1"])
    assert len(os.listdir(box / "new")) == 5
    assert os.listdir(box / "tmp") == []


def test_a_batch_that_cannot_be_flushed_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(fds: list[int]) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(maildir, "_flush", broken)
    box = tmp_path / "mail"
    with pytest.raises(OSError):
        maildir.write(box, messages(3))
    assert os.listdir(box / "new") == []
    assert os.listdir(box / "tmp") == []

"""The key that signs access tokens: the configured one, or one the service made.

There is no built-in key. With none configured, the first instance to start makes a
random one and keeps it in the database (`signing_keys`), where every other instance on
that database finds it; that is logged, so an operator knows to set one of their own.
"""

import logging
import secrets
from weakref import WeakKeyDictionary

from slotbook.engine import Engine
from slotbook.store.signing_keys import store_key_unless_present, stored_key

log = logging.getLogger("slotbook.keys")
ACCESS_TOKENS = "access_tokens"
#: the shortest configured key accepted on a non-loopback address
MIN_KEY_BYTES = 32
_known: WeakKeyDictionary[Engine, str] = WeakKeyDictionary()


async def _load_or_make(engine: Engine) -> str:
    async for attempt in engine.attempts():
        async with attempt as uow:
            key = await stored_key(uow, ACCESS_TOKENS)
    if key is not None:
        return key
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            if await store_key_unless_present(
                uow, ACCESS_TOKENS, secrets.token_urlsafe(48), uow.now
            ):
                log.warning(
                    "no SLOTBOOK_SECRET_KEY is set: made a random access-token signing key and "
                    "stored it in the database (every instance on it shares the key)"
                )
            key = await stored_key(uow, ACCESS_TOKENS)  # ours, or another instance's
    assert key is not None
    return key


async def signing_key(engine: Engine) -> str:
    """The access-token signing key of this engine's deployment."""
    configured = engine.settings.secret_key
    if configured:
        return configured
    key = _known.get(engine)
    if key is None:
        key = _known[engine] = await _load_or_make(engine)
    return key


def too_short(key: str | None) -> bool:
    """Whether a configured key is too short to guard a server others can reach."""
    return key is not None and len(key.encode()) < MIN_KEY_BYTES

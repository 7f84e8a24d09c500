"""Sign-in for the surfaces: the bearer token, roles, and strict mode.

`CurrentUser` needs a valid token (401 otherwise); `require_role(...)` also the role
(403 otherwise). `StrictUser` is for the owner-side routes of surfaces 001-003: in open
mode it is None and nothing is checked; with SLOTBOOK_AUTH=strict it is the signed-in
user, to be passed to `accounts.permissions.check_owner` / `owner_of_new_calendar`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from slotbook.accounts import permissions
from slotbook.accounts import users as accounts
from slotbook.accounts.users import User
from slotbook.errors import Unauthorized
from slotbook.surfaces.http.deps import EngineDep

bearer = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)
BearerToken = Annotated[str | None, Depends(bearer)]


async def current_user(engine: EngineDep, token: BearerToken) -> User:
    if not token:
        raise Unauthorized()
    return await accounts.user_for_token(engine, token)


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], Awaitable[User]]:
    """A dependency: the signed-in user, who must have one of `roles`."""

    async def signed_in_with_role(user: CurrentUser) -> User:
        permissions.check_role(user, roles)
        return user

    return signed_in_with_role


async def strict_user(engine: EngineDep, token: BearerToken) -> User | None:
    """Strict mode: the signed-in user (401 without a valid token). Open mode: None."""
    if engine.settings.auth != "strict":
        return None
    return await current_user(engine, token)


StrictUser = Annotated[User | None, Depends(strict_user)]


async def optional_user(engine: EngineDep, token: BearerToken) -> User | None:
    """Whoever sent a bearer token (401 if it is not valid); None without one."""
    return await current_user(engine, token) if token else None


OptionalUser = Annotated[User | None, Depends(optional_user)]

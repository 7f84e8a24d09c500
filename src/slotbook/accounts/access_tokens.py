"""Access tokens: HS256 JWTs naming a user, with an expiry checked against the engine's clock.

A token also carries a fingerprint of the password hash it was issued under, so a
password reset ends every session at once.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from slotbook.errors import Unauthorized
from slotbook.settings import Settings

ALGORITHM = "HS256"
INVALID = "Could not validate credentials"


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    fingerprint: str

    def issued_under(self, password_hash: str) -> bool:
        return hmac.compare_digest(self.fingerprint, _fingerprint(password_hash))


def issue(settings: Settings, user_id: int, password_hash: str, now: datetime) -> str:
    expires = now + timedelta(minutes=settings.access_token_expire_minutes)
    claims = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "pwd": _fingerprint(password_hash),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def read(settings: Settings, token: str, now: datetime) -> Claims:
    """The claims of a token signed with our key and HS256 (nothing else, never `none`)
    that has not expired at `now`; Unauthorized otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            # PyJWT would judge exp/iat by the system clock; `now` is the engine's.
            options={"require": ["sub", "exp", "pwd"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(INVALID) from exc
    expires, subject, fingerprint = claims["exp"], claims["sub"], claims["pwd"]
    if not isinstance(expires, int | float) or not isinstance(fingerprint, str):
        raise Unauthorized(INVALID)
    if expires <= now.timestamp():
        raise Unauthorized("Token has expired")
    if not isinstance(subject, str) or not subject.isdigit():
        raise Unauthorized(INVALID)
    return Claims(int(subject), fingerprint)

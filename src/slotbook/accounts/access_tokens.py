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

ALGORITHM = "HS256"
INVALID = "Could not validate credentials"
#: user ids are positive 31-bit integers
MAX_USER_ID = 2**31 - 1
#: how far a token's expiry may lie beyond the configured lifetime (clock skew between
#: instances); a token that claims to live longer was not issued here
EXPIRY_SLACK_SECONDS = 300


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    fingerprint: str

    def issued_under(self, password_hash: str) -> bool:
        return hmac.compare_digest(self.fingerprint, _fingerprint(password_hash))


def issue(key: str, lifetime: timedelta, user_id: int, password_hash: str, now: datetime) -> str:
    expires = now + lifetime
    claims = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "pwd": _fingerprint(password_hash),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read(key: str, lifetime: timedelta, token: str, now: datetime) -> Claims:
    """The claims of a token signed with `key` and HS256 (nothing else, never `none`)
    that has not expired at `now` and expires no later than a token issued now would;
    Unauthorized otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            # PyJWT would judge exp/iat by the system clock; `now` is the engine's.
            options={"require": ["sub", "exp", "pwd"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(INVALID) from exc
    expires, subject, fingerprint = claims["exp"], claims["sub"], claims["pwd"]
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise Unauthorized(INVALID)
    if not isinstance(fingerprint, str):
        raise Unauthorized(INVALID)
    if expires <= now.timestamp():
        raise Unauthorized("Token has expired")
    if expires > now.timestamp() + lifetime.total_seconds() + EXPIRY_SLACK_SECONDS:
        raise Unauthorized(INVALID)
    if not isinstance(subject, str) or not (subject.isascii() and subject.isdigit()):
        raise Unauthorized(INVALID)
    if not 0 < len(subject) <= 10 or not 0 < int(subject) <= MAX_USER_ID:
        raise Unauthorized(INVALID)
    return Claims(int(subject), fingerprint)

"""Who uses slotbook: users and their roles."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a signed-in user may do (the values are the database's)."""

    PROVIDER = "provider"  # owns a calendar
    PATIENT = "patient"  # reserves a provider's time
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    email: str
    role: str
    created_at: datetime
    password_hash: str = field(repr=False)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

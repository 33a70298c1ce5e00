"""Who is asking: the scopes of the API and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    """What a request may do; each scope includes everything below it."""

    ANONYMOUS = 0  # public data, submitting one's own complaints
    PARTNER = 1  # higher limits, submitting on behalf of citizens
    ADMIN = 2  # cache invalidation, the details of every source

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: an API key's name and scope, or an anonymous client."""

    name: str
    role: Role

    def allows(self, needed: Role) -> bool:
        return self.role >= needed

    @property
    def anonymous(self) -> bool:
        return self.role is Role.ANONYMOUS


ANONYMOUS = Principal("anonymous", Role.ANONYMOUS)

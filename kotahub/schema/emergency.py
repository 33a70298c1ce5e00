"""The city's emergency numbers, in Indonesian and English."""

from __future__ import annotations

import strawberry

from kotahub.records import EmergencyContact as EmergencyContactRecord
from kotahub.schema.common import Lang, in_lang, maybe_in_lang
from kotahub.schema.context import Info


@strawberry.type(description="A number to call in an emergency.")
class EmergencyContact:
    record: strawberry.Private[EmergencyContactRecord]

    @strawberry.field(description="What the number is for: general, ambulance, police, fire, …")
    def service(self) -> str:
        return self.record.service

    @strawberry.field(description="The number to dial.")
    def number(self) -> str:
        return self.record.number

    @strawberry.field(description="In Indonesian unless lang or Accept-Language asks for English.")
    def name(self, info: Info, lang: Lang | None = None) -> str:
        return in_lang(self.record.name, lang, info.context.scope.lang)

    @strawberry.field
    def description(self, info: Info, lang: Lang | None = None) -> str | None:
        text = self.record.description
        return maybe_in_lang(text, lang, info.context.scope.lang)


def resolve_emergency_contacts(info: Info) -> list[EmergencyContact]:
    return [EmergencyContact(record=c) for c in info.context.scope.emergency_contacts]

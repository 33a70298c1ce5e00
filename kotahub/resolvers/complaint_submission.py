"""Checking a citizen's complaint against its category, then recording it for delivery."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from kotahub.hub.outbox import OutboxUnavailable
from kotahub.records import (
    CategoryAttribute,
    ComplaintCategoryRecord,
    ComplaintSubmission,
    Contact,
    Delivery,
    GeoPoint,
)
from kotahub.resolvers.complaints import categories
from kotahub.resolvers.scope import RequestScope

DESCRIPTION_LIMIT = 4000  # Open311's limit
TEXT_LIMITS = {"address": 500, "mediaUrl": 2000, "answers": 1000, "reporter": 200}
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]+$")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one input field; never quotes contact details back."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A complaint as the API received it, before any checks."""

    category: str
    description: str
    location: GeoPoint | None = None
    address: str | None = None
    # Each question's answers: one for most kinds, several for a multiple-choice question.
    attributes: Mapping[str, list[str]] = field(default_factory=dict)
    media_url: str | None = None
    contact: Contact = field(default_factory=Contact)
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Submitted:
    delivery: Delivery | None = None
    problems: tuple[FieldProblem, ...] = ()


async def submit(scope: RequestScope, draft: Draft, idempotency_key: str | None) -> Submitted:
    """Check the draft; if it passes, record it durably and say it is queued."""
    adapters = scope.catalog.complaints
    source = draft.source or (adapters[0].source if adapters else None)
    if source is None or source not in {a.source for a in adapters}:
        return Submitted(problems=(FieldProblem("source", "no complaints source by that name"),))
    if scope.outbox is None:
        raise OutboxUnavailable("complaints cannot be recorded: this hub has no queue store")
    known = await categories(scope)
    category = next(
        (c for c in known.value if c.source == source and c.code == draft.category), None
    )
    problems = check(scope, draft, category, categories_known=not known.failures)
    if problems:
        return Submitted(problems=tuple(problems))
    submission = ComplaintSubmission(
        source=source,
        category_code=draft.category,
        description=draft.description.strip(),
        lat=draft.location.lat if draft.location else None,
        lon=draft.location.lon if draft.location else None,
        address=draft.address,
        attributes=_typed_answers(draft.attributes, category),
        media_url=draft.media_url,
        contact=draft.contact,
    )
    return Submitted(delivery=await scope.outbox.record(submission, idempotency_key))


def check(
    scope: RequestScope,
    draft: Draft,
    category: ComplaintCategoryRecord | None,
    categories_known: bool,
) -> list[FieldProblem]:
    """Every fault in the draft, each naming its field and what was expected."""
    problems = _place_problems(scope, draft) + _text_problems(draft) + _contact_problems(draft)
    problems += _length_problems(draft)
    if category is None and categories_known:
        problems.append(
            FieldProblem(
                "category",
                f"unknown category {draft.category!r}; see complaintCategories for the codes",
            )
        )
    if category is not None:
        problems += _attribute_problems(draft.attributes, category.attributes)
    return problems


def _place_problems(scope: RequestScope, draft: Draft) -> list[FieldProblem]:
    if draft.location is None and not (draft.address or "").strip():
        return [FieldProblem("location", "give a location (lat, lon) or an address")]
    if draft.location is not None and not scope.complaint_rules.bounds.contains(draft.location):
        b = scope.complaint_rules.bounds
        return [
            FieldProblem(
                "location",
                f"({draft.location.lat}, {draft.location.lon}) is "
                f"outside the city: expected lat {b.min_lat}..{b.max_lat}, "
                f"lon {b.min_lon}..{b.max_lon}",
            )
        ]
    return []


def _text_problems(draft: Draft) -> list[FieldProblem]:
    problems = []
    text = draft.description.strip()
    if not text:
        problems.append(FieldProblem("description", "describe the problem"))
    elif len(text) > DESCRIPTION_LIMIT:
        problems.append(
            FieldProblem("description", f"at most {DESCRIPTION_LIMIT} characters, got {len(text)}")
        )
    if draft.media_url is not None:
        parts = urlsplit(draft.media_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(FieldProblem("mediaUrl", "expected an http:// or https:// URL"))
    return problems


def _length_problems(draft: Draft) -> list[FieldProblem]:
    texts: dict[str, list[str | None]] = {
        "address": [draft.address],
        "mediaUrl": [draft.media_url],
        "answers": [v for values in draft.attributes.values() for v in values],
        "reporter": [
            draft.contact.first_name,
            draft.contact.last_name,
            draft.contact.email,
            draft.contact.phone,
        ],
    }
    return [
        FieldProblem(name, f"at most {TEXT_LIMITS[name]} characters each")
        for name, values in texts.items()
        if any(value and len(value) > TEXT_LIMITS[name] for value in values)
    ]


def _contact_problems(draft: Draft) -> list[FieldProblem]:
    problems = []
    if draft.contact.email is not None and not EMAIL.match(draft.contact.email):
        problems.append(FieldProblem("reporter.email", "not a valid e-mail address"))
    phone = draft.contact.phone
    digits = sum(char.isdigit() for char in phone or "")
    if phone is not None and not (PHONE.match(phone) and 7 <= digits <= 15):
        problems.append(
            FieldProblem(
                "reporter.phone",
                "expected a phone number of 7 to 15 digits, e.g. +62 812 3456 7890",
            )
        )
    return problems


def _attribute_problems(
    answers: Mapping[str, list[str]], questions: tuple[CategoryAttribute, ...]
) -> list[FieldProblem]:
    asked = {q.code: q for q in questions if q.variable}
    problems = [
        FieldProblem(
            f"attributes.{code}",
            f"this category has no attribute {code!r}; expected one of {sorted(asked)}",
        )
        for code in answers
        if code not in asked
    ]
    for question in asked.values():
        given = [answer.strip() for answer in answers.get(question.code, []) if answer.strip()]
        fault = _answers_fault(question, given)
        if fault:
            problems.append(FieldProblem(f"attributes.{question.code}", fault))
    return problems


def _answers_fault(question: CategoryAttribute, given: list[str]) -> str | None:
    if not given:
        return f"required: {question.description}" if question.required else None
    if question.datatype == "multivaluelist":
        keys = [value.key for value in question.values]
        wrong = [answer for answer in given if answer not in keys]
        return f"{wrong} not among {keys}" if wrong else None
    if len(given) > 1:
        return f"expected one answer, got {len(given)}"
    return _answer_fault(question, given[0])


def _answer_fault(question: CategoryAttribute, answer: str) -> str | None:
    keys = [value.key for value in question.values]
    if question.datatype == "number":
        try:
            if not math.isfinite(float(answer)):
                raise ValueError(answer)
        except ValueError:
            return f"expected a number, got {answer!r}"
    elif question.datatype == "datetime":
        try:
            moment = datetime.fromisoformat(answer.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError(answer)
        except ValueError:
            example = "2026-11-28T09:30:00+08:00"
            return f"expected a date and time with its zone, e.g. {example}, got {answer!r}"
    elif question.datatype == "singlevaluelist" and answer not in keys:
        return f"{answer!r} is not one of {keys}"
    return None


def _typed_answers(
    answers: Mapping[str, list[str]], category: ComplaintCategoryRecord | None
) -> dict[str, str | list[str]]:
    """Lists for multiple-choice questions, a single string for the rest."""
    kinds = {q.code: q.datatype for q in category.attributes} if category else {}
    typed: dict[str, str | list[str]] = {}
    for code, values in answers.items():
        kept = [value.strip() for value in values if value.strip()]
        if kept:
            multiple = kinds.get(code) == "multivaluelist" or (not kinds and len(kept) > 1)
            typed[code] = kept if multiple else kept[0]
    return typed

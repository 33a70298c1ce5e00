"""Checking a citizen's complaint against its category, then recording it for delivery."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from kotahub.outbox.store import IdempotencyKey, OutboxUnavailable
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
ANSWER_LIMIT = 50  # answers in one complaint: more than any category asks questions
VALUE_LIMIT = 20  # values in one answer: the choices of a multiple-choice question
PROBLEM_LIMIT = 20  # field errors in one reply; the rest are counted, not listed
CODES_LISTED = 30  # category codes an unknown category's error lists
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]+$")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one input field; never quotes contact details back."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one of the category's questions, as given."""

    code: str
    # One value for most kinds of question, several for a multiple-choice question.
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Draft:
    """A complaint as the API received it, before any checks."""

    category: str
    description: str
    location: GeoPoint | None = None
    address: str | None = None
    answers: tuple[Answer, ...] = ()
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
    shape = _shape_problems(draft.answers)  # before anything is looked up
    if shape:
        return Submitted(problems=_capped(shape))
    if scope.outbox is None:
        raise OutboxUnavailable("complaints cannot be recorded: this hub has no queue store")
    known = await categories(scope)
    offered = [c for c in known.value if c.source == source]
    category = next((c for c in offered if c.code == draft.category), None)
    # A source whose list cannot be read now takes the complaint as it is: the outbox
    # holds it until the source answers, and the source itself judges it then.
    listed = source not in {failure.source for failure in known.failures}
    problems = check(scope, draft, category, [c.code for c in offered] if listed else None)
    if problems:
        return Submitted(problems=_capped(problems))
    submission = ComplaintSubmission(
        source=source,
        category_code=draft.category,
        description=draft.description.strip(),
        lat=draft.location.lat if draft.location else None,
        lon=draft.location.lon if draft.location else None,
        address=draft.address,
        attributes=_typed_answers(draft.answers, category),
        media_url=draft.media_url,
        contact=draft.contact,
    )
    key = IdempotencyKey(scope.caller, idempotency_key) if idempotency_key is not None else None
    return Submitted(delivery=await scope.outbox.record(submission, key))


def _shape_problems(answers: tuple[Answer, ...]) -> list[FieldProblem]:
    """Too many answers or values, or a question answered twice: found in one pass."""
    if len(answers) > ANSWER_LIMIT:
        return [FieldProblem("answers", f"at most {ANSWER_LIMIT} answers, got {len(answers)}")]
    problems = []
    first: dict[str, int] = {}
    for index, answer in enumerate(answers):
        if len(answer.values) > VALUE_LIMIT:
            message = f"at most {VALUE_LIMIT} values in one answer, got {len(answer.values)}"
            problems.append(FieldProblem(f"answers[{index}].values", message))
        earlier = first.setdefault(answer.code, index)
        if earlier != index:
            message = f"the same question as answers[{earlier}]; give all its values in one answer"
            problems.append(FieldProblem(f"answers[{index}].code", message))
    return problems


def _capped(problems: list[FieldProblem]) -> tuple[FieldProblem, ...]:
    """At most PROBLEM_LIMIT problems, the last of them counting those left out."""
    if len(problems) <= PROBLEM_LIMIT:
        return tuple(problems)
    left_out = len(problems) - PROBLEM_LIMIT + 1
    note = FieldProblem("input", f"{left_out} more problems are not listed; fix these first")
    return (*problems[: PROBLEM_LIMIT - 1], note)


def check(
    scope: RequestScope,
    draft: Draft,
    category: ComplaintCategoryRecord | None,
    codes: Sequence[str] | None,
) -> list[FieldProblem]:
    """Every fault in the draft, each naming its field and what was expected; ``codes``
    are the source's categories, None when its list could not be read."""
    problems = _place_problems(scope, draft) + _text_problems(draft) + _contact_problems(draft)
    problems += _length_problems(draft)
    if category is None and codes is not None:
        problems.append(FieldProblem("category", _unknown_category(codes)))
    if category is not None and category.questions_known:
        problems += _attribute_problems(draft.answers, category.attributes)
    return problems


def _unknown_category(codes: Sequence[str]) -> str:
    """What to send instead of an unknown code (never quoted back: it may be anything)."""
    known = sorted(set(codes))
    if not known:
        return "no category has this code: this source lists no categories now"
    shown = known[:CODES_LISTED]
    more = f" and {len(known) - len(shown)} more" if len(known) > len(shown) else ""
    return f"no category has this code; expected one of {shown}{more} (see complaintCategories)"


def _place_problems(scope: RequestScope, draft: Draft) -> list[FieldProblem]:
    if draft.location is None and not (draft.address or "").strip():
        return [FieldProblem("location", "give a location (lat, lon) or an address")]
    if draft.location is not None and not scope.complaint_rules.bounds.contains(draft.location):
        b = scope.complaint_rules.bounds
        return [
            FieldProblem(
                "location",
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
        "answers": [value for answer in draft.answers for value in answer.values],
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
    answers: tuple[Answer, ...], questions: tuple[CategoryAttribute, ...]
) -> list[FieldProblem]:
    asked = {q.code: q for q in questions if q.variable}
    expected = sorted(asked)
    problems = [
        FieldProblem(
            f"answers[{index}].code",
            f"this category asks no question with this code; expected one of {expected}",
        )
        for index, answer in enumerate(answers)
        if answer.code not in asked
    ]
    given = {answer.code: answer.values for answer in answers}
    for question in asked.values():
        kept = [value.strip() for value in given.get(question.code, ()) if value.strip()]
        fault = _answers_fault(question, kept)
        if fault:
            problems.append(FieldProblem(f"attributes.{question.code}", fault))
    return problems


def _answers_fault(question: CategoryAttribute, given: list[str]) -> str | None:
    if not given:
        return f"required: {question.description}" if question.required else None
    if question.datatype == "multivaluelist":
        keys = [value.key for value in question.values]
        known = set(keys)
        wrong = sum(1 for answer in given if answer not in known)
        return f"{wrong} of the values given are not among {keys}" if wrong else None
    if len(given) > 1:
        return f"expected one answer, got {len(given)}"
    return _answer_fault(question, given[0])


def _answer_fault(question: CategoryAttribute, answer: str) -> str | None:
    """What is wrong with an answer, without quoting it (it may be anything the sender typed)."""
    keys = [value.key for value in question.values]
    if question.datatype == "number":
        try:
            if not math.isfinite(float(answer)):
                raise ValueError(question.code)
        except ValueError:
            return "expected a number"
    elif question.datatype == "datetime":
        try:
            moment = datetime.fromisoformat(answer.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError(question.code)
        except ValueError:
            return "expected a date and time with its zone, e.g. 2026-11-28T09:30:00+08:00"
    elif question.datatype == "singlevaluelist" and answer not in keys:
        return f"not one of {keys}"
    return None


def _typed_answers(
    answers: tuple[Answer, ...], category: ComplaintCategoryRecord | None
) -> dict[str, str | list[str]]:
    """Lists for multiple-choice questions, a single string for the rest."""
    kinds = {q.code: q.datatype for q in category.attributes} if category else {}
    typed: dict[str, str | list[str]] = {}
    for answer in answers:
        kept = [value.strip() for value in answer.values if value.strip()]
        if kept:
            multiple = kinds.get(answer.code) == "multivaluelist" or (not kinds and len(kept) > 1)
            typed[answer.code] = kept if multiple else kept[0]
    return typed

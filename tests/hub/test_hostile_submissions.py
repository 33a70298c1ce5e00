"""Hostile complaint submissions: bounded answers, no value echoed back, keys scoped to callers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from kotahub.resolvers.complaint_submission import ANSWER_LIMIT, PROBLEM_LIMIT, VALUE_LIMIT
from kotahub.schema.input_errors import UNKNOWN_REASON, without_values
from tests.conftest import HubFactory
from tests.support.api_keys import PARTNER, api_keys
from tests.support.complaints import REPORTER, SUBMIT, road_complaint

EMAIL, PHONE = "siti.rahma@example.com", "+62 812 4444 9090"
SECRETS = (EMAIL, PHONE, "siti.rahma", "4444 9090", "RAHASIA")
SECRET = f"RAHASIA {EMAIL} {PHONE}"  # what a sender put where it does not belong
QUIET = {"rate_limits": {"enabled": False}}
NETWORKS = ("203.0.113", "198.51.100", "192.0.2")  # documentation addresses (RFC 5737)


def answers(count: int, code: Callable[[int], str] = lambda n: f"unknown-{n}") -> list[Any]:
    return [{"code": code(n), "values": ["berat"]} for n in range(count)]


def literal_answers(count: int) -> str:
    listed = ", ".join(f'{{code: "q{n}", values: ["x"]}}' for n in range(count))
    return (
        'mutation { submitComplaint(input: {category: "jalan-rusak", description: "Lubang", '
        f'address: "Jl. Sudirman", answers: [{listed}]}}) {{ trackingId }} }}'
    )


ANSWERS_VARIABLE = """mutation ($a: [AnswerInput!]!) { submitComplaint(input: {
  category: "jalan-rusak", description: "Lubang", address: "Jl. Sudirman", answers: $a })
  { trackingId errors { field message } } }"""

# (name, query, variables, what the one error or the field errors must say)
TOO_MANY: list[tuple[str, str, dict[str, Any], str]] = [
    ("20,000 unknown codes", SUBMIT, {"input": road_complaint(answers=answers(20_000))}, ""),
    (
        "2,000 answers",
        SUBMIT,
        {"input": road_complaint(answers=answers(2_000))},
        f"$input.answers holds 2000 items; it takes at most {ANSWER_LIMIT}",
    ),
    (
        "answers as a variable of their own",
        ANSWERS_VARIABLE,
        {"a": answers(2_000)},
        f"'answers' holds 2000 items; it takes at most {ANSWER_LIMIT}",
    ),
    (
        "answers written in the document",
        literal_answers(ANSWER_LIMIT + 10),
        {},
        f"'answers' holds {ANSWER_LIMIT + 10} items",
    ),
    (
        "1,000 values in one answer",
        SUBMIT,
        {"input": road_complaint(answers=[{"code": "jenis_kerusakan", "values": ["x"] * 1000}])},
        f"$input.answers.values holds 1000 items; it takes at most {VALUE_LIMIT}",
    ),
    (
        "one answer, not a list, with 1,000 values",
        SUBMIT,
        {"input": road_complaint(answers={"code": "jenis_kerusakan", "values": ["x"] * 1000})},
        "$input.answers.values holds 1000 items",
    ),
]


@pytest.mark.parametrize(
    ("query", "variables", "says"), [c[1:] for c in TOO_MANY], ids=[c[0] for c in TOO_MANY]
)
async def test_too_many_answers_are_refused_before_they_cost_anything(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    query: str,
    variables: dict[str, Any],
    says: str,
) -> None:
    async with hub(hub_settings()) as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    assert len(response.content) < 2_000, response.text[:500]  # was 3.1 MB for 20,000 codes
    assert not (body.get("data") or {}).get("submitComplaint")
    (error,) = body["errors"]
    assert says in error["message"]


@pytest.mark.parametrize(
    "given",
    [
        answers(ANSWER_LIMIT),  # every code unknown
        answers(ANSWER_LIMIT, code=lambda _: "tingkat_kerusakan"),  # one question, 50 times
    ],
    ids=["unknown codes", "the same code"],
)
async def test_field_errors_are_capped_and_the_rest_counted(
    hub: HubFactory, hub_settings: Callable[..., Settings], given: list[Any]
) -> None:
    async with hub(hub_settings()) as client:
        body = (await post(client, SUBMIT, {"input": road_complaint(answers=given)})).json()
    answer = body["data"]["submitComplaint"]
    assert answer["trackingId"] is None and len(answer["errors"]) == PROBLEM_LIMIT
    last = answer["errors"][-1]
    assert last["field"] == "input" and "more problems are not listed" in last["message"]
    assert all(e["field"].startswith("answers[") for e in answer["errors"][:-1])


SUBMIT_I = """mutation ($i: SubmitComplaintInput!) {
  submitComplaint(input: $i) { trackingId errors { field message } } }"""
FILTERED = "query ($f: ComplaintFilter) { complaints(filter: $f) { totalCount } }"


def literal(fields: str) -> str:
    return f"mutation {{ submitComplaint(input: {{{fields}}}) {{ trackingId }} }}"


# (name, query, variables, a part of the place the error must still name)
ECHOES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "unknown reporter field",
        SUBMIT_I,
        {"i": road_complaint(reporter={**REPORTER, "x": 1})},
        "at .reporter",
    ),
    (
        "unknown field beside a value with a ';'",
        SUBMIT_I,
        {"i": road_complaint(reporter={"email": f"a; at '{EMAIL}", "phone": PHONE, "nick": 1})},
        "unknown field 'nick'",
    ),
    ("unknown input field", SUBMIT_I, {"i": {**road_complaint(), "nick": SECRET}}, "'nick'"),
    (
        "unknown field in an answer",
        SUBMIT_I,
        {"i": road_complaint(answers=[{"code": "c", "values": [SECRET], "x": SECRET}])},
        ".answers[0]",
    ),
    (
        "a key that is the secret",
        SUBMIT_I,
        {"i": road_complaint(reporter={EMAIL: PHONE})},
        "unknown fields",
    ),
    ("reporter as text", SUBMIT_I, {"i": road_complaint(reporter=SECRET)}, "to be an object"),
    (
        "required field missing",
        SUBMIT_I,
        {"i": {"category": "jalan-rusak", "reporter": REPORTER, "note": SECRET}},
        "required field 'description'",
    ),
    (
        "phone as a number",
        SUBMIT_I,
        {"i": road_complaint(reporter={"phone": 6281244449090})},
        ".reporter.phone",
    ),
    ("enum", FILTERED, {"f": {"status": SECRET}}, "enum 'ComplaintStatus'"),
    (
        "enum with a spoofed ending",
        FILTERED,
        {"f": {"status": f"{SECRET}' does not exist in 'ComplaintStatus' enum."}},
        ".status",
    ),
    ("date and time", FILTERED, {"f": {"since": SECRET}}, ".since"),
    ("filter as text", FILTERED, {"f": SECRET}, "ComplaintFilter"),
    (
        "literal unknown field",
        literal(f'category: "x", description: "y", reporter: {{nick: "{SECRET}"}}'),
        {},
        "'nick'",
    ),
    (
        "literal text for a number",
        literal(f'category: "x", description: "y", location: {{lat: "{SECRET}", lon: 1}}'),
        {},
        "Float",
    ),
    ("literal enum", "{ complaints(filter: {status: RAHASIA_SITI}) { totalCount } }", {}, "enum"),
    ("unknown category", SUBMIT_I, {"i": road_complaint(category=SECRET)}, ""),
    (
        "unknown answer code",
        SUBMIT_I,
        {"i": road_complaint(answers=[{"code": SECRET, "values": ["berat"]}])},
        "",
    ),
    (
        "wrong choice",
        SUBMIT_I,
        {"i": road_complaint(answers=[{"code": "tingkat_kerusakan", "values": [SECRET]}])},
        "",
    ),
    (
        "text for a number",
        SUBMIT_I,
        {
            "i": road_complaint(
                answers=[
                    {"code": "tingkat_kerusakan", "values": ["berat"]},
                    {"code": "lebar_lubang_cm", "values": [SECRET]},
                ]
            )
        },
        "",
    ),
    (
        "text for a date",
        SUBMIT_I,
        {
            "i": road_complaint(
                category="drainase-banjir",
                answers=[
                    {"code": "ketinggian_air_cm", "values": ["30"]},
                    {"code": "mulai_tergenang", "values": [SECRET]},
                ],
            )
        },
        "",
    ),
    (
        "wrong choices",
        SUBMIT_I,
        {
            "i": road_complaint(
                category="sampah", answers=[{"code": "jenis_sampah", "values": [SECRET]}]
            )
        },
        "",
    ),
    (
        "place outside the city",
        SUBMIT_I,
        {"i": road_complaint(location={"lat": -6.2, "lon": 106.8})},
        "",
    ),
]


@pytest.mark.parametrize(
    ("query", "variables", "names"), [c[1:] for c in ECHOES], ids=[c[0] for c in ECHOES]
)
async def test_no_error_quotes_what_was_sent(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
    query: str,
    variables: dict[str, Any],
    names: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with hub(hub_settings()) as client:
            response = await post(client, query, variables)
    body = response.json()
    said = [e["message"] for e in body.get("errors") or []]
    said += [
        e["message"]
        for e in ((body.get("data") or {}).get("submitComplaint") or {}).get("errors") or []
    ]
    assert said and names in " ".join(said), body
    for secret in (*SECRETS, "6281244449090", "-6.2", "106.8"):
        assert secret not in response.text, secret
        assert secret not in caplog.text, secret


UNSEEN_FORMS = [
    # graphql-core 3.2 put the value first, and a reason after it
    f"Variable '$i' got invalid value {{'email': '{EMAIL}'}} at 'i.reporter'; Field 'x' is not "
    "defined by type 'ReporterInput'.",
    # a custom scalar's own words after a place graphql-core names
    f"Variable '$i' has invalid value at .reporter.email: cannot parse {SECRET}",
    f"Argument 'input' has invalid value at .reporter: {SECRET}",
]


@pytest.mark.parametrize("message", UNSEEN_FORMS, ids=["older form", "scalar", "argument"])
def test_a_reason_of_no_known_form_is_told_in_general_terms(message: str) -> None:
    told = without_values(message)
    assert told.endswith(UNKNOWN_REASON) and told.split(" ")[0] in ("Variable", "Argument")
    assert not any(secret in told for secret in SECRETS)


async def test_a_key_reused_by_another_caller_makes_a_complaint_of_its_own(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    settings = hub_settings(trusted_proxies=["127.0.0.1"], api_keys=api_keys(), **QUIET)
    mine, elsewhere, third = ({"x-forwarded-for": f"{net}.10"} for net in NETWORKS)
    key = "1"  # a counter, as a careless portal would send
    other = road_complaint(description="Lampu jalan mati di depan pasar")
    async with hub(settings) as client:
        tracking_id = await submitted(client, road_complaint(), key, mine)
        texts = [
            await post_text(client, road_complaint(), key, elsewhere),  # the same complaint
            await post_text(client, road_complaint(), key, PARTNER),  # from a partner's key
            await post_text(client, other, key, third),  # another complaint, same key
        ]
        again = await submitted(client, road_complaint(), key, mine)
    assert again == tracking_id  # the same caller's retry is still recognised
    for text in texts:
        assert tracking_id not in text and '"deliveryStatus":"QUEUED"' in text.replace(" ", "")


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables})


async def post_text(
    client: httpx.AsyncClient, complaint: dict[str, Any], key: str, headers: dict[str, str]
) -> str:
    payload = {"query": SUBMIT, "variables": {"input": complaint, "key": key}}
    response = await client.post("/graphql", json=payload, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


async def submitted(
    client: httpx.AsyncClient, complaint: dict[str, Any], key: str, headers: dict[str, str]
) -> str:
    payload = {"query": SUBMIT, "variables": {"input": complaint, "key": key}}
    body = (await client.post("/graphql", json=payload, headers=headers)).json()
    tracking_id: str = body["data"]["submitComplaint"]["trackingId"]
    assert tracking_id, body
    return tracking_id

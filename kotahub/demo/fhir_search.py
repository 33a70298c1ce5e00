"""FHIR R4 search for the reference upstream: parses the query, filters, pages and includes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from kotahub.demo.fhir_near import Near, nearest, parse_near
from kotahub.demo.fhir_outcome import FhirError
from kotahub.demo.fhir_params import (
    PARAMETERS,
    STRING_MODIFIERS,
    SearchParam,
    includes_from,
    revincludes_to,
)
from kotahub.demo.fhir_store import FhirStore, Resource, key_of, local_reference
from kotahub.demo.request_values import quoted

DEFAULT_COUNT = 20
MAX_COUNT = 500
PAGE_OFFSET = "_getpagesoffset"
RESULT_PARAMETERS = ("_count", PAGE_OFFSET, "_include", "_revinclude")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_ABSOLUTE = re.compile(r"https?://")
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})

TokenQuery = tuple[str | None, str | None]
"""(system, code): system None means any system and "" means none; code None means any code."""


@dataclass(frozen=True, slots=True)
class Criterion:
    """One search parameter occurrence: the resource matches when any of its values does."""

    param: SearchParam
    modifier: str | None
    name: str
    raw: str
    texts: tuple[str, ...] = ()
    tokens: tuple[TokenQuery, ...] = ()

    def matches(self, resource: Resource) -> bool:
        """Whether ``resource`` matches at least one value of this criterion."""
        if self.param.tokens is not None:
            coded = self.param.tokens(resource)
            return any(_token_matches(coded, query) for query in self.tokens)
        if self.param.references is not None:
            keys = [local_reference(r) for r in self.param.references(resource)]
            return any(_reference_matches(keys, query) for query in self.texts)
        texts = self.param.strings(resource) if self.param.strings else []
        return any(_string_matches(texts, query, self.modifier) for query in self.texts)


@dataclass(frozen=True, slots=True)
class Inclusion:
    """One ``_include`` or ``_revinclude``: the reference parameter to follow."""

    source: str
    param: SearchParam
    target: str | None
    raw: str


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A validated search of one resource type."""

    resource_type: str
    criteria: tuple[Criterion, ...] = ()
    near: Near | None = None
    includes: tuple[Inclusion, ...] = ()
    revincludes: tuple[Inclusion, ...] = ()
    count: int = DEFAULT_COUNT
    offset: int = 0
    ignored: tuple[str, ...] = ()

    def accepts(self, resource: Resource) -> bool:
        """Whether ``resource`` matches every criterion (``near`` is applied separately)."""
        return all(criterion.matches(resource) for criterion in self.criteria)

    def parameters(self, offset: int) -> list[tuple[str, str]]:
        """The parameters actually used, for the page starting at ``offset``."""
        pairs = [(c.name, c.raw) for c in self.criteria]
        if self.near is not None:
            pairs.append(("near", self.near.raw))
        pairs.extend(("_include", i.raw) for i in self.includes)
        pairs.extend(("_revinclude", i.raw) for i in self.revincludes)
        pairs.extend([("_count", str(self.count)), (PAGE_OFFSET, str(offset))])
        return pairs


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of matches, the resources they include, and distances when ``near`` was used."""

    total: int
    page: tuple[Resource, ...]
    included: tuple[Resource, ...]
    distances: dict[str, float] = field(default_factory=dict)


def parse_search(
    resource_type: str, pairs: Sequence[tuple[str, str]], *, lenient: bool, base: str
) -> SearchQuery:
    """Validates a search; raises FhirError (400) naming the first bad parameter.

    With ``lenient``, unknown and unsupported parameters are ignored (and listed in
    ``ignored``) instead. ``base`` is the server's base URL, so references to it given as
    absolute URLs match.
    """
    parser = _Parser(resource_type, lenient, base)
    for name, value in pairs:
        parser.add(name, value)
    return parser.query()


class _Parser:
    def __init__(self, resource_type: str, lenient: bool, base: str) -> None:
        self.resource_type = resource_type
        self.lenient = lenient
        self.base = base
        self.params = PARAMETERS[resource_type]
        self.criteria: list[Criterion] = []
        self.inclusions: dict[str, list[Inclusion]] = {"_include": [], "_revinclude": []}
        self.paging: dict[str, int] = {}
        self.near: Near | None = None
        self.ignored: list[str] = []

    def add(self, name: str, value: str) -> None:
        if name == "_format":
            _check_format(value)
        elif name in ("_count", PAGE_OFFSET):
            self._paging(name, value)
        elif name in self.inclusions:
            self._inclusion(name, value)
        else:
            self._search_parameter(name, value)

    def query(self) -> SearchQuery:
        return SearchQuery(
            resource_type=self.resource_type,
            criteria=tuple(self.criteria),
            near=self.near,
            includes=tuple(self.inclusions["_include"]),
            revincludes=tuple(self.inclusions["_revinclude"]),
            count=min(self.paging.get("_count", DEFAULT_COUNT), MAX_COUNT),
            offset=self.paging.get(PAGE_OFFSET, 0),
            ignored=tuple(self.ignored),
        )

    def _unsupported(self, what: str, problem: str) -> None:
        if self.lenient:
            self.ignored.append(what)
            return
        known = ", ".join([*self.params, *RESULT_PARAMETERS])
        raise FhirError(
            400,
            "not-supported",
            f"{problem} Parameters supported when searching {self.resource_type}: {known}. "
            "Send the header 'Prefer: handling=lenient' to have unsupported parameters ignored.",
        )

    def _search_parameter(self, name: str, value: str) -> None:
        base_name, _, modifier = name.partition(":")
        param = self.params.get(base_name)
        if param is None:
            self._unsupported(name, f"Unknown search parameter {quoted(name)}.")
        elif modifier and (param.type != "string" or modifier not in STRING_MODIFIERS):
            problem = f"Modifier ':{modifier}' of parameter {quoted(name)} is not supported"
            self._unsupported(name, f"{problem} (string parameters take :exact or :contains).")
        elif not [v for v in _split(value, ",") if v]:
            return  # FHIR: a parameter without a value is ignored
        elif param.type == "special":
            self._near(value)
        else:
            self.criteria.append(self._criterion(param, modifier or None, name, value))

    def _criterion(
        self, param: SearchParam, modifier: str | None, name: str, raw: str
    ) -> Criterion:
        values = [v for v in _split(raw, ",") if v]
        if param.type == "token":
            tokens = tuple(_token_query(param, name, v) for v in values)
            return Criterion(param, modifier, name, raw, tokens=tokens)
        texts = [_unescape(v) for v in values]
        if param.type == "reference":
            texts = [self._reference_query(param, name, t) for t in texts]
        return Criterion(param, modifier, name, raw, texts=tuple(texts))

    def _reference_query(self, param: SearchParam, name: str, value: str) -> str:
        key = local_reference(value, self.base)
        if key is not None and key.partition("/")[0] in param.targets:
            return key
        if key is None and (_FHIR_ID.fullmatch(value) or _ABSOLUTE.match(value)):
            return value  # an id, or a URL on another server (which matches nothing here)
        raise FhirError(
            400,
            "invalid",
            f"Parameter {quoted(name)} must reference a {' or '.join(param.targets)} of this "
            f"server as [type]/[id], [id] or an absolute URL under {self.base}; "
            f"got {quoted(value)}.",
        )

    def _paging(self, name: str, value: str) -> None:
        if not value:
            return
        if name in self.paging:
            raise FhirError(400, "invalid", f"Parameter '{name}' was given more than once.")
        if not _WHOLE_NUMBER.fullmatch(value):
            limit = f" (values above {MAX_COUNT} are reduced to {MAX_COUNT})"
            raise FhirError(
                400,
                "invalid",
                f"Parameter '{name}' must be a whole number of 0 or more"
                f"{limit if name == '_count' else ''}; got {quoted(value)}.",
            )
        self.paging[name] = int(value) if len(value) <= 18 else 10**18

    def _inclusion(self, name: str, value: str) -> None:
        if not value:
            return
        parts = value.split(":")
        allowed = (includes_from if name == "_include" else revincludes_to)(self.resource_type)
        if len(parts) in (2, 3) and ":".join(parts[:2]) in allowed:
            param = PARAMETERS[parts[0]][parts[1]]
            target = parts[2] if len(parts) == 3 else None
            if target is None or target in param.targets:
                self.inclusions[name].append(Inclusion(parts[0], param, target, value))
                return
        choices = ", ".join(allowed) or "none"
        problem = f"{name} value {quoted(value)} is not supported when searching"
        self._unsupported(f"{name}={value}", f"{problem} {self.resource_type} (use: {choices}).")

    def _near(self, value: str) -> None:
        if self.near is not None:
            raise FhirError(400, "invalid", "Parameter 'near' was given more than once.")
        self.near = parse_near(value)


def _check_format(value: str) -> None:
    """``_format`` may only ask for JSON: this server speaks no XML or Turtle."""
    if value and value.split(";")[0].strip().lower() not in JSON_FORMATS:
        raise FhirError(
            406,
            "not-supported",
            f"Parameter '_format' {quoted(value)} is not supported; this server only answers "
            "JSON (_format=json or application/fhir+json).",
        )


def _split(text: str, separator: str) -> list[str]:
    """Splits on ``separator`` where it is not escaped with a backslash; keeps the escapes."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if char == separator and not escaped:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
        escaped = char == "\\" and not escaped
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _token_query(param: SearchParam, name: str, value: str) -> TokenQuery:
    pieces = [_unescape(p) for p in _split(value, "|")]
    system, code = (None, pieces[0]) if len(pieces) == 1 else (pieces[0], "|".join(pieces[1:]))
    if param.codes is not None and code not in param.codes:
        raise FhirError(
            400,
            "invalid",
            f"Parameter {quoted(name)} takes one of {', '.join(sorted(param.codes))}; "
            f"got {quoted(value)}.",
        )
    return (system, code or None)


def _token_matches(found: list[tuple[str | None, str]], query: TokenQuery) -> bool:
    system, code = query
    for found_system, found_code in found:
        system_ok = system is None or system == (found_system or "")
        if system_ok and (code is None or code == found_code):
            return True
    return False


def _reference_matches(keys: list[str | None], query: str) -> bool:
    if "/" in query:
        return query in keys
    return any(key is not None and key.partition("/")[2] == query for key in keys)


def normalise(text: str) -> str:
    """Case- and accent-insensitive form of ``text``, as FHIR string search compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _string_matches(found: list[str], query: str, modifier: str | None) -> bool:
    if modifier == "exact":
        return query in found
    wanted = normalise(query)
    if modifier == "contains":
        return any(wanted in normalise(value) for value in found)
    return any(normalise(value).startswith(wanted) for value in found)


def run_search(store: FhirStore, query: SearchQuery) -> SearchResult:
    """The page of ``query``'s matches (nearest first with ``near``, else by id)."""
    matched = [r for r in store.all(query.resource_type) if query.accepts(r)]
    distances: dict[str, float] = {}
    if query.near is not None:
        matched, distances = nearest(matched, query.near)
    page = tuple(matched[query.offset : query.offset + query.count])
    return SearchResult(len(matched), page, _included(store, query, page), distances)


def _included(
    store: FhirStore, query: SearchQuery, page: tuple[Resource, ...]
) -> tuple[Resource, ...]:
    page_keys = {key_of(r) for r in page}
    wanted: dict[str, Resource] = {}
    for inclusion in query.includes:
        for resource in page:
            for key in _targets(inclusion, resource):
                target = store.by_key.get(key)
                if target is not None and key not in page_keys:
                    wanted.setdefault(key, target)
    for inclusion in query.revincludes:
        for resource in store.all(inclusion.source):
            hits = page_keys.intersection(_targets(inclusion, resource))
            if hits and key_of(resource) not in page_keys:
                wanted.setdefault(key_of(resource), resource)
    return tuple(wanted.values())


def _targets(inclusion: Inclusion, resource: Resource) -> list[str]:
    references = inclusion.param.references(resource) if inclusion.param.references else []
    keys = [key for key in (local_reference(r) for r in references) if key is not None]
    target = inclusion.target
    return [key for key in keys if target is None or key.startswith(f"{target}/")]

"""POST requests: the form-encoded body read, checked and turned into a submission."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from kotahub.demo.open311_attributes import AttributeValue, attribute_values, check_attributes
from kotahub.demo.open311_catalogue import BALIKPAPAN_BBOX, Catalogue, Service, inside_city
from kotahub.demo.open311_errors import bad_request, not_found
from kotahub.demo.request_values import finite, quoted

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 64 * 1024
MAX_DESCRIPTION = 4000
CONTACT_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
_LIMITS = {"address_string": 500, "address_id": 100, "media_url": 2000} | dict.fromkeys(
    CONTACT_FIELDS, 100
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9 ()\-.]{6,32}")


@dataclass(frozen=True, slots=True)
class Form:
    """The decoded ``name=value`` pairs of a POST body, in order."""

    pairs: tuple[tuple[str, str], ...]

    def values(self, name: str) -> list[str]:
        """Every non-empty value of ``name``, stripped (empty counts as not sent)."""
        return [value.strip() for key, value in self.pairs if key == name and value.strip()]

    def fingerprint(self) -> str:
        """The same digest for the same fields and values, whatever their order."""
        canonical = "\n".join(f"{key}={value}" for key, value in sorted(self.pairs))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reported: stored by the server, never served."""

    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A checked POST requests: everything needed to store a new service request."""

    service: Service
    lat: float | None
    long: float | None
    address_string: str | None
    address_id: str | None
    description: str | None
    media_url: str | None
    attributes: dict[str, AttributeValue]
    reporter: Reporter


def read_form(content_type: str | None, body: bytes) -> Form:
    """The form in ``body``; raises a 400 for another content type or undecodable bytes."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise bad_request(
            f"POST requests must be sent as {FORM_TYPE} (GeoReport v2); "
            f"got Content-Type {quoted(content_type or '(none)')}."
        )
    if len(body) > MAX_BODY_BYTES:
        raise bad_request(f"The body is {len(body)} bytes; at most {MAX_BODY_BYTES} are read.")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=500)
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"The body is not a UTF-8 form-encoded string: {exc}.") from exc
    return Form(tuple(pairs))


def parse_submission(form: Form, catalogue: Catalogue) -> Submission:
    """The submission in ``form``; raises a 404 for an unknown service_code, else a 400
    listing every problem found."""
    errors: list[str] = []
    service = _service(form, catalogue, errors)
    fields = {name: _single(form, name, errors) for name in _LIMITS}
    description = _single(form, "description", errors)
    lat, long = _location(form, fields, errors)
    errors.extend(_field_problems(fields, description))
    attributes: dict[str, AttributeValue] = {}
    if service is not None:
        attributes, problems = check_attributes(service, attribute_values(form.pairs))
        errors.extend(problems)
    if errors or service is None:
        raise bad_request(*errors)
    return Submission(
        service=service,
        lat=lat,
        long=long,
        address_string=fields["address_string"],
        address_id=fields["address_id"],
        description=description,
        media_url=fields["media_url"],
        attributes=attributes,
        reporter=Reporter(**{name: fields[name] for name in CONTACT_FIELDS}),
    )


def _single(form: Form, name: str, errors: list[str]) -> str | None:
    values = form.values(name)
    if len(set(values)) > 1:
        errors.append(f"{name} was given {len(values)} times with different values; send it once.")
    return values[0] if values else None


def _service(form: Form, catalogue: Catalogue, errors: list[str]) -> Service | None:
    code = _single(form, "service_code", errors)
    if code is None:
        errors.append("service_code is required; the codes are listed at services.json.")
        return None
    service = catalogue.by_code.get(code)
    if service is None:
        codes = ", ".join(catalogue.by_code)
        raise not_found(f"service_code {quoted(code)} was not found; the codes are {codes}.")
    return service


def _location(
    form: Form, fields: dict[str, str | None], errors: list[str]
) -> tuple[float | None, float | None]:
    """lat and long when sent; an error when no form of location was sent at all."""
    lat, long = _coordinates(form, errors)
    sent = {name for name in ("lat", "long") if form.values(name)}
    if not sent and not fields["address_string"] and not fields["address_id"]:
        errors.append(
            "A location is required: send lat and long (WGS 84 degrees), or address_string, "
            "or address_id."
        )
    return lat, long


def _coordinates(form: Form, errors: list[str]) -> tuple[float | None, float | None]:
    raw_lat, raw_long = _single(form, "lat", errors), _single(form, "long", errors)
    if raw_lat is None and raw_long is None:
        return None, None
    if raw_lat is None or raw_long is None:
        missing = "long" if raw_lat is not None else "lat"
        errors.append(f"lat and long must be sent together; {missing} is missing.")
        return None, None
    lat, long = finite(raw_lat), finite(raw_long)
    if lat is None or long is None:
        errors.append(
            f"lat and long must be numbers in WGS 84 degrees; got lat {quoted(raw_lat)} "
            f"and long {quoted(raw_long)}."
        )
        return None, None
    if not inside_city(lat, long):
        min_long, min_lat, max_long, max_lat = BALIKPAPAN_BBOX
        errors.append(
            f"lat {raw_lat}, long {raw_long} lies outside Balikpapan; this jurisdiction takes "
            f"lat {min_lat} to {max_lat} and long {min_long} to {max_long}."
        )
        return None, None
    return lat, long


def _field_problems(fields: dict[str, str | None], description: str | None) -> list[str]:
    errors = [
        f"{name} is {len(value)} characters long; at most {limit} are accepted."
        for name, limit in _LIMITS.items()
        if (value := fields[name]) is not None and len(value) > limit
    ]
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.append(
            f"description is {len(description)} characters long; the spec allows at most "
            f"{MAX_DESCRIPTION}."
        )
    media_url = fields["media_url"]
    if media_url is not None and not media_url.startswith(("http://", "https://")):
        errors.append(f"media_url must be an absolute http(s) URL; got {quoted(media_url)}.")
    errors.extend(_contact_problems(fields))
    return errors


def _contact_problems(fields: dict[str, str | None]) -> Sequence[str]:
    """Contact checks; the values are never quoted back, so no response carries them."""
    errors = []
    email, phone = fields["email"], fields["phone"]
    if email is not None and not _EMAIL.fullmatch(email):
        errors.append("email must look like name@domain.example (value not repeated here).")
    if phone is not None and not _PHONE.fullmatch(phone):
        errors.append(
            "phone must be 6 to 32 digits, spaces, '+', '-', '.' or brackets "
            "(value not repeated here)."
        )
    return errors

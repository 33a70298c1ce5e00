"""The reference FHIR R4 upstream's client-credentials token endpoint and require_token."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from starlette.applications import Starlette

from kotahub.demo.fhir import create_fhir_app
from tests.support.fhir_client import BASE, assert_outcome


def token_form(secret: str = "demo-secret") -> dict[str, str]:
    return {"client_id": "kotahub-demo", "client_secret": secret}


TOKEN = "/oauth2/v1/accesstoken?grant_type=client_credentials"


async def test_token_endpoint_issues_satusehat_style_tokens(
    fhir_app: Starlette, fhir_client: httpx.AsyncClient
) -> None:
    assert fhir_app.state.tokens_issued == 0
    response = await fhir_client.post(TOKEN, data=token_form())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "BearerToken" and body["status"] == "approved"
    assert body["expires_in"] == "3599" and body["client_id"] == "kotahub-demo"
    assert len(body["access_token"]) >= 20 and body["issued_at"].isdigit()
    basic = base64.b64encode(b"kotahub-demo:demo-secret").decode()
    again = await fhir_client.post(TOKEN, headers={"Authorization": f"Basic {basic}"})
    assert again.status_code == 200
    assert again.json()["access_token"] != body["access_token"]
    assert fhir_app.state.tokens_issued == 2


@pytest.mark.parametrize(
    ("url", "form", "status", "error"),
    [
        (TOKEN, token_form("wrong"), 401, "invalid_client"),
        (TOKEN, {"client_id": "kotahub-demo"}, 401, "invalid_client"),
        ("/oauth2/v1/accesstoken", token_form(), 400, "invalid_request"),
        ("/oauth2/v1/accesstoken?grant_type=password", token_form(), 400, "unsupported_grant_type"),
    ],
)
async def test_token_endpoint_refuses_bad_requests(
    fhir_app: Starlette,
    fhir_client: httpx.AsyncClient,
    url: str,
    form: dict[str, str],
    status: int,
    error: str,
) -> None:
    response = await fhir_client.post(url, data=form)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]
    assert fhir_app.state.tokens_issued == 0


async def test_required_tokens_are_checked_and_expire() -> None:
    app = create_fhir_app(require_token=True, token_lifetime_s=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        missing = await http.get("/Location")
        assert_outcome(missing, 401, "security", "Bearer", f"{BASE}{TOKEN}")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert_outcome(await http.get("/Location/rs-siloam"), 401, "security")
        statement = (await http.get("/metadata")).json()
        assert statement["rest"][0]["security"]["service"][0]["coding"][0]["code"] == "OAuth"
        token = (await http.post(TOKEN, data=token_form())).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert (await http.get("/Location", headers=headers)).status_code == 200
        forged = await http.get("/Location", headers={"Authorization": "Bearer forged"})
        assert_outcome(forged, 401, "security", "not valid")
        assert 'error="invalid_token"' in forged.headers["www-authenticate"]
        await asyncio.sleep(1.1)
        assert_outcome(await http.get("/Location", headers=headers), 401, "security", "expired")
        fresh = (await http.post(TOKEN, data=token_form())).json()["access_token"]
        renewed = await http.get("/Location", headers={"Authorization": f"Bearer {fresh}"})
        assert renewed.status_code == 200
    assert app.state.tokens_issued == 2

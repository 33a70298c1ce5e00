"""Reference CKAN upstream: Balikpapan smart-city programs and indicators via the Action API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kotahub.demo.ckan_datastore import datastore_search
from kotahub.demo.ckan_errors import ActionError, bad_request, error_response, help_url
from kotahub.demo.ckan_packages import package_search
from kotahub.demo.ckan_params import BadRequestData, Params, request_params
from kotahub.demo.ckan_store import Store
from kotahub.demo.instrumented import instrumented_app
from kotahub.demo.responses import JSON, cached_response, encode_json

Action = Callable[[Request, Params], dict[str, Any]]


class CkanActions:
    """The supported actions over one loaded store, dispatched by name like CKAN's API view."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.actions: dict[str, Action] = {
            "package_search": self.package_search,
            "datastore_search": self.datastore_search,
        }

    def package_search(self, request: Request, params: Params) -> dict[str, Any]:
        return package_search(self.store.packages, params)

    def datastore_search(self, request: Request, params: Params) -> dict[str, Any]:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return datastore_search(self.store.tables, params, root)

    async def action(self, request: Request) -> Response:
        """``/api/3/action/{name}``: run the action; answer its envelope or CKAN's error."""
        name = request.path_params["name"]
        action = self.actions.get(name)
        if action is None:
            return bad_request(f"Action name not known: {name}")
        try:
            params = await request_params(request)
            result = action(request, params)
        except BadRequestData as exc:
            return bad_request(str(exc))
        except ActionError as exc:
            return error_response(request, name, exc)
        payload = {"help": help_url(request, name), "success": True, "result": result}
        return cached_response(request, encode_json(payload), JSON)


def create_ckan_app(latency_ms: float = 0.0) -> Starlette:
    """The CKAN upstream; ``app.state.request_log`` records every request that reaches it.

    The data is read once, here. ``latency_ms`` > 0 delays every request by that much.
    """
    actions = CkanActions(Store.load())
    routes = [Route("/api/3/action/{name}", actions.action, methods=["GET", "POST"])]
    return instrumented_app(Starlette(routes=routes), latency_ms)

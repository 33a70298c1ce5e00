"""A GeoJSON upstream whose freshness headers, answers and failures a test sets as it goes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Behaviour:
    """What the upstream does now; the test changes it between requests."""

    cache_control: str = "max-age=1"
    etag: bool = True
    version: int = 1
    failing: bool = False
    delay_seconds: float = 0.0
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # path, If-None-Match

    def requests(self, path: str = "/items") -> int:
        return sum(1 for seen_path, _ in self.seen if seen_path == path)


def controlled_upstream(behaviour: Behaviour) -> Starlette:
    async def items(request: Request) -> Response:
        behaviour.seen.append((request.url.path, request.headers.get("if-none-match")))
        if behaviour.delay_seconds:
            await asyncio.sleep(behaviour.delay_seconds)
        if behaviour.failing:
            return JSONResponse({"error": "maintenance"}, status_code=503)
        headers = {"Cache-Control": behaviour.cache_control}
        etag = f'"v{behaviour.version}"'
        if behaviour.etag:
            headers["ETag"] = etag
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers=headers)
        return JSONResponse(_collection(behaviour.version), headers=headers)

    return Starlette(routes=[Route("/items", items)])


def _collection(version: int) -> dict[str, object]:
    feature = {
        "type": "Feature",
        "id": "pantai-uji",
        "geometry": {"type": "Point", "coordinates": [116.9, -1.2]},
        "properties": {"name": f"Pantai Uji v{version}", "category": "beach"},
    }
    return {"type": "FeatureCollection", "features": [feature]}

"""The limit of this stack: a bare Starlette route on uvicorn answering fixed response bytes.

python -m bench.bare_route --port 8001 --body response.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(body: bytes) -> Starlette:
    """POST /graphql answers ``body`` as JSON, whatever was asked; GET /healthz answers ok."""

    async def graphql(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)]
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="file with the response bytes")
    args = parser.parse_args(argv)
    app = create_app(args.body.read_bytes())
    # As `kotahub serve` runs the hub: the same server, loop and HTTP implementation.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()

"""The ``kotahub`` command: serve the hub, or serve the reference upstreams on their own."""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from kotahub.errors import ConfigError
from kotahub.hub.settings import load_settings
from kotahub.observability.logs import LogFormat

DEMO_PORT = 8100


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(f"kotahub: configuration error: {exc}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    from kotahub.hub.app import begin_draining, create_app
    from kotahub.hub.connection_limits import DrainingServer, server_limits

    settings = load_settings(args.config)
    _configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    # What start-up built lives as long as the process: out of the collector's sight, it is
    # not walked again by every full collection, which holds the event loop while it runs.
    gc.collect()
    gc.freeze()
    # The hub reads X-Forwarded-For itself, from the proxies named in trusted_proxies only.
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        **server_limits(settings),
    )
    DrainingServer(config, lambda: begin_draining(app)).run()
    return 0


def _check_source(args: argparse.Namespace) -> int:
    from kotahub.hub.source_check import check_configured

    settings = load_settings(args.config)
    _configure_logging("WARNING", settings.log_format)
    return asyncio.run(check_configured(settings, args.name, sys.stdout))


def _key_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise argparse.ArgumentTypeError(
            f"{name!r}: expected 1 to 64 letters, digits, '.', '_' or '-', such as rsud-beriman"
        )
    return name


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a port number from 1 to 65535")
    return int(value)


def _api_key(args: argparse.Namespace) -> int:
    from kotahub.hub.policy.api_keys import hash_of, new_key

    key = new_key()
    print(f"key (give it to {args.name}; it is not stored anywhere): {key}")
    print("configuration (TOML):")
    print(f'[[api_keys]]\nname = "{args.name}"\nscope = "{args.scope}"\nhash = "{hash_of(key)}"')
    return 0


def _worker(args: argparse.Namespace) -> int:
    from kotahub.hub.worker import run_worker

    settings = load_settings(args.config)
    _configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_worker(settings, args.metrics_port))
    return 0


def _schema(args: argparse.Namespace) -> int:
    from kotahub.schema.sdl import schema_sdl

    federation = args.federation or load_settings(args.config).federation
    sdl = schema_sdl(federation=federation)
    if args.output is None:
        sys.stdout.write(sdl)
    else:
        args.output.write_text(sdl, encoding="utf-8")
    return 0


def _demo_sources(args: argparse.Namespace) -> int:
    from kotahub.demo.app import create_demo_app

    _configure_logging("INFO")
    app = create_demo_app(
        latency_ms=args.latency_ms, public_url=args.public_url, data_dir=args.data_dir
    )
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def _configure_logging(level: str, log_format: LogFormat = "auto") -> None:
    from kotahub.observability.logs import configure_logging

    configure_logging(level, log_format)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kotahub", description="One GraphQL endpoint for a city's information."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the GraphQL hub (HOST and PORT set the address)")
    serve.add_argument("--config", type=Path, help="TOML file with settings and [[sources]]")
    serve.set_defaults(run=_serve)
    check = commands.add_parser(
        "check-source", help="check a configured source against the adapter contract (reads only)"
    )
    check.add_argument("name", help="the source's name in the configuration")
    check.add_argument("--config", type=Path, help="TOML file with settings and [[sources]]")
    check.set_defaults(run=_check_source)
    api_key = commands.add_parser(
        "api-key", help="make a new API key and print the hash to configure for it"
    )
    api_key.add_argument("name", type=_key_name, help="who holds the key, e.g. rsud-beriman")
    api_key.add_argument("--scope", choices=["partner", "admin"], default="partner")
    api_key.set_defaults(run=_api_key)
    worker = commands.add_parser(
        "worker", help="deliver queued complaints to their sources (also runs inside serve)"
    )
    worker.add_argument("--config", type=Path, help="TOML file with settings and [[sources]]")
    worker.add_argument(
        "--metrics-port",
        type=_port,
        metavar="PORT",
        help="serve Prometheus /metrics (and /healthz) on this port, on the address HOST names",
    )
    worker.set_defaults(run=_worker)
    schema = commands.add_parser(
        "schema", help="print the GraphQL schema (SDL), e.g. for frontend code generators"
    )
    schema.add_argument("--output", type=Path, help="write it to this file, not to stdout")
    schema.add_argument(
        "--federation",
        action="store_true",
        help="the Apollo Federation v2 subgraph SDL (also when KOTAHUB_FEDERATION=true)",
    )
    schema.add_argument("--config", type=Path, help="TOML file with settings and [[sources]]")
    schema.set_defaults(run=_schema)
    demo = commands.add_parser("demo-sources", help="serve the reference upstreams over HTTP")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=DEMO_PORT)
    demo.add_argument("--latency-ms", type=float, default=0.0, help="artificial delay per answer")
    demo.add_argument(
        "--public-url", help="where browsers reach this server, if not where the hub does"
    )
    demo.add_argument("--data-dir", type=Path, help="where the complaints database is kept")
    demo.set_defaults(run=_demo_sources)
    return parser

"""The `upfront` command line: serve, worker, check, dev."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence

import anyio
import uvicorn

from plugin.app import build_job_handlers, build_services, create_app, outbound_client
from plugin.check import run_check
from plugin.devmode import run_dev
from plugin.logs import configure_logging
from plugin.manifest import ManifestError
from plugin.settings import Settings, load_settings
from plugin.storage import open_redis
from webhooks.worker import run_worker


def _settings_or_exit(*, require_complete: bool) -> Settings:
    try:
        settings = load_settings()
    except ManifestError as exc:
        print(f"upfront: {exc.path} is invalid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(1) from None
    if require_complete and (problems := settings.problems()):
        print("upfront: cannot start, the configuration is incomplete:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Run `upfront check` for the full report.", file=sys.stderr)
        raise SystemExit(1)
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_complete=True)
    configure_logging(settings.log_level)
    config = uvicorn.Config(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
    return 0


async def _worker_main(settings: Settings) -> None:
    stop = anyio.Event()
    async with open_redis(settings) as redis, outbound_client() as http, anyio.create_task_group() as tasks:

        async def stop_on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
                async for _ in signals:
                    stop.set()
                    return

        tasks.start_soon(stop_on_signal)
        await run_worker(build_services(settings, redis, http), build_job_handlers(), stop)
        tasks.cancel_scope.cancel()


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_complete=True)
    configure_logging(settings.log_level)
    anyio.run(_worker_main, settings)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    return run_check(os.environ, out=sys.stdout)


def cmd_dev(args: argparse.Namespace) -> int:
    return run_dev(host=args.host, port=args.port)


Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="upfront", description="Upfront app backend")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    serve = add("serve", cmd_serve, "serve the HTTP app (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    add("worker", cmd_worker, "process queued platform events and scheduled jobs")
    add("check", cmd_check, "validate app.toml and the environment")
    dev = add("dev", cmd_dev, "embedded Redis + server + worker + dev store, for local development")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8000)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Command = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())

"""The `upfront` command line: serve, worker, check, dev."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

import anyio
import uvicorn

from plugin.app import (
    build_event_handlers,
    build_job_handlers,
    build_services,
    create_app,
    handled_events,
    outbound_client,
)
from plugin.check import run_check
from plugin.devmode import DEV_CREDENTIALS, run_dev
from plugin.devruntime import app_url_for_cli
from plugin.devstore.trigger import trigger
from plugin.locate import AppNotFound, locate_app_data
from plugin.logs import configure_logging
from plugin.manifest import ManifestError
from plugin.server_config import server_config
from plugin.settings import Settings, load_settings
from plugin.shopify.config import DEFAULT_OUTPUT, write_shopify_config
from plugin.storage import open_redis
from plugin.storefront_script import SCRIPT_SOURCE, served_script
from webhooks.queue_cli import print_stats, repartition, replay
from webhooks.worker import run_worker


def _settings_or_exit(*, require_complete: bool, env: Mapping[str, str] | None = None) -> Settings:
    try:
        settings = load_settings(env)
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
    config = server_config(create_app(settings), settings, host=args.host, port=args.port)
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
        await run_worker(build_services(settings, redis, http), build_job_handlers(), build_event_handlers(), stop)
        tasks.cancel_scope.cancel()


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings_or_exit(require_complete=True)
    configure_logging(settings.log_level)
    anyio.run(_worker_main, settings)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    return run_check(os.environ, out=sys.stdout)


def _located_settings_or_exit() -> Settings:
    """Settings for a command that reads the running app's Redis; says on stderr which Redis that is."""
    try:
        located = locate_app_data(os.environ, Path.cwd())
    except AppNotFound as exc:
        print(f"upfront: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"upfront: using {located.description}", file=sys.stderr)
    return _settings_or_exit(require_complete=False, env=located.env)


def cmd_queue_stats(args: argparse.Namespace) -> int:
    settings = _located_settings_or_exit()
    return anyio.run(partial(print_stats, settings, sys.stdout, as_json=args.json))


def cmd_queue_replay(args: argparse.Namespace) -> int:
    settings = _located_settings_or_exit()
    return anyio.run(partial(replay, settings, sys.stdout, dead=args.dead, entry_id=args.id))


def cmd_queue_repartition(args: argparse.Namespace) -> int:
    settings = _located_settings_or_exit()
    return anyio.run(partial(repartition, settings, sys.stdout, count=args.count))


def cmd_shopify_config(args: argparse.Namespace) -> int:
    written = write_shopify_config(_settings_or_exit(require_complete=False), args.output, handled_events())
    # The theme app extension ships the one storefront script as its asset (served from Shopify's CDN).
    assets = Path(args.extension) / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / SCRIPT_SOURCE.name).write_bytes(served_script())
    print(f"wrote {written} and {assets / SCRIPT_SOURCE.name}; deploy them with `shopify app deploy`")
    return 0


def cmd_webhook_trigger(args: argparse.Namespace) -> int:
    if not args.topic and not args.journey:
        print(
            "upfront: say which TOPIC to send (e.g. orders/create), or --journey for an order's whole way.",
            file=sys.stderr,
        )
        return 2
    base = args.url.rstrip("/") if args.url else app_url_for_cli(os.environ)[0]
    # A running `upfront dev` signs with the development credentials unless real ones are set: so does this.
    env = {**DEV_CREDENTIALS, "UPFRONT_APP_URL": base, **os.environ}
    try:
        settings = load_settings(env)
    except ManifestError as exc:
        print(f"upfront: {exc}", file=sys.stderr)
        return 1
    fields = {
        name: value
        for name, value in (("shipment_status", args.shipment_status), ("status", args.status))
        if value is not None
    }
    return trigger(
        settings,
        args.topic,
        platform=args.platform,
        shop=args.shop,
        base=base,
        out=sys.stdout,
        journey=args.journey,
        fields=fields,
    )


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
    queue = commands.add_parser("queue", help="inspect and replay the event queue")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    stats = queue_commands.add_parser("stats", help="received, duplicates, pending, retrying, dead, oldest age")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    stats.set_defaults(handler=cmd_queue_stats)
    replay_parser = queue_commands.add_parser("replay", help="send dead-lettered events back to the workers")
    replay_parser.add_argument("--dead", action="store_true", help="replay every dead letter")
    replay_parser.add_argument("id", nargs="?", help="the id of one dead letter")
    replay_parser.set_defaults(handler=cmd_queue_replay)
    repartition_parser = queue_commands.add_parser(
        "repartition", help="move new events and jobs to COUNT partitions; workers drain the old ones"
    )
    repartition_parser.add_argument("count", type=int, metavar="COUNT")
    repartition_parser.set_defaults(handler=cmd_queue_repartition)
    shopify_config = add("shopify-config", cmd_shopify_config, "write shopify.app.toml from app.toml")
    shopify_config.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="default ./shopify.app.toml")
    shopify_config.add_argument(
        "--extension", default="extensions/upfront-embed", help="theme app extension to bundle the script into"
    )
    webhook = commands.add_parser("webhook", help="send platform webhooks to a running app")
    webhook_commands = webhook.add_subparsers(dest="webhook_command", required=True, metavar="ACTION")
    trigger_parser = webhook_commands.add_parser(
        "trigger", help="post a correctly signed sample delivery (e.g. orders/create, store/order/created)"
    )
    trigger_parser.add_argument(
        "topic", nargs="?", help="Shopify topic (orders/create) or BigCommerce scope (store/order/created)"
    )
    trigger_parser.add_argument(
        "--journey",
        action="store_true",
        help="a fresh order's whole way: placed, shipped, (out for delivery,) delivered",
    )
    trigger_parser.add_argument(
        "--shipment-status",
        help="fulfillments/*: in_transit (default for create), out_for_delivery, delivered, ...",
    )
    trigger_parser.add_argument("--status", help="store/order/statusUpdated: completed (default) or shipped")
    trigger_parser.add_argument("--shop", help="shop domain or store hash (default: the demo shop)")
    trigger_parser.add_argument(
        "--platform", choices=["shopify", "bigcommerce"], help="default: from the topic (shopify for --journey)"
    )
    trigger_parser.add_argument(
        "--url", help="app base URL (default: UPFRONT_APP_URL, else the running `upfront dev`, else port 8000)"
    )
    trigger_parser.set_defaults(handler=cmd_webhook_trigger)
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

"""`upfront dev`: one process with embedded Redis, the app and the worker, for a laptop."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable, Generator, MutableMapping
from pathlib import Path

import anyio
import uvicorn

from plugin.app import build_event_handlers, build_job_handlers, build_services, create_app, outbound_client
from plugin.check import DEV_SECRET_FILE
from plugin.devruntime import DevRuntime, forget_dev_runtime, record_dev_runtime, redacted
from plugin.devstore.server import DevStore, devstore_environment
from plugin.logs import configure_dev_logging
from plugin.manifest import ManifestError
from plugin.server_config import server_config
from plugin.services import Services
from plugin.settings import load_settings
from plugin.storage import open_redis
from webhooks.worker import run_worker

# Credentials the dev store emulator also uses; real ones from the environment always win.
DEV_CREDENTIALS = {
    "SHOPIFY_API_SECRET": "dev-shopify-secret-for-local-use-only",
    "BIGCOMMERCE_CLIENT_SECRET": "dev-bigcommerce-secret-for-local-use-only",
}


def _dev_secret_key(data_dir: Path) -> str:
    """A random key kept in the data dir, so signed links and encrypted tokens survive dev restarts."""
    path = data_dir / DEV_SECRET_FILE
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def apply_dev_environment(env: MutableMapping[str, str], host: str, port: int) -> None:
    data_dir = Path(env.get("UPFRONT_DATA_DIR", ".upfront"))
    env.setdefault("UPFRONT_SECRET_KEY", _dev_secret_key(data_dir))
    env.setdefault("UPFRONT_APP_URL", f"http://{host}:{port}")
    for name, value in {**DEV_CREDENTIALS, **devstore_environment(env["UPFRONT_APP_URL"])}.items():
        env.setdefault(name, value)


class _DevServer(uvicorn.Server):
    """Leaves signals to `upfront dev`, which stops the worker and Redis in order after the server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _step(label: str, *, logs_requests: bool = False) -> Callable[[], None]:
    """Print a start-up step, then its outcome; on lines of their own when the step's requests are logged."""
    print(f"  {label} ...", end="\n" if logs_requests else "", flush=True)
    started = time.perf_counter()
    ending = "  ... ok" if logs_requests else " ok"
    return lambda: print(f"{ending} ({(time.perf_counter() - started) * 1000:.0f} ms)", flush=True)


async def _announce_when_started(server: uvicorn.Server, devstore: DevStore, services: Services) -> None:
    base = services.settings.app_url
    done = _step(f"starting server on {base}")
    while not server.started and not server.should_exit:
        await anyio.sleep(0.05)
    if not server.started:
        return
    done()
    done = _step("installing the demo shops from the dev store", logs_requests=True)
    installed = await devstore.install_demo_shops(services, services.http)
    done()
    record_dev_runtime(os.environ, DevRuntime(os.getpid(), base, settings_data_dir(services), _redis_record(services)))
    print(f"\nReady. Demo shops installed: {', '.join(installed)}.\n{walkthrough(base, devstore)}", flush=True)


def _redis_record(services: Services) -> str | None:
    url = services.settings.redis_url
    return redacted(url) if url else None


def settings_data_dir(services: Services) -> Path:
    return services.settings.data_dir.resolve()


def command_name() -> str:
    """How this shell can run `upfront`: `upfront` when it is on PATH, else the path it was started by."""
    started = Path(sys.argv[0])
    on_path = shutil.which("upfront")
    if started.name != "upfront" or (on_path and Path(on_path).resolve() == started.resolve()):
        return "upfront"
    try:
        return str(started.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(started)


def walkthrough(base: str, devstore: DevStore) -> str:
    """What `upfront dev` prints once ready: the Shopify demo shop end to end, with the real URLs."""
    upfront = command_name()
    product, cart = devstore.demo_pages(base)
    other_store, other_admin = devstore.other_shop_urls(base)
    return (
        "The Shopify demo shop (EUR, Berlin), end to end:\n"
        f"  1. storefront  {product}   (cart: {cart}; add ?app=off to compare)\n"
        f"  2. admin       {devstore.admin_url(base)}\n"
        f"  3. an order    {upfront} webhook trigger --journey\n"
        "                 (a fresh order placed now, shipped, out for delivery, delivered; one step at a time:\n"
        "                  orders/create, then fulfillments/create, then fulfillments/update --shipment-status\n"
        "                  out_for_delivery, then the same with delivered)\n"
        f"  4. its emails  {devstore.admin_url(base, 'emails')}   (dev outbox: four emails within a minute)\n"
        '  5. its page     the /o/ link in any of those emails ("See your order\'s status", "Track your parcel"):\n'
        "                 the order-status page\n"
        f'  6. a delay     curl -d \'{{"tracking_number": "<from the shipped email>", "tag": "Exception"}}\' '
        f"{base}/devstore/aftership-checkpoint\n"
        "                 (the carrier's scan, signed as AfterShip sends it: an apology email, the at-risk list)\n"
        f"The BigCommerce demo store (USD, New York): storefront {other_store}   admin {other_admin}\n"
        f"  its order: {upfront} webhook trigger --journey --platform bigcommerce\n"
        f"Also: health {base}/readyz   API {base}/openapi.json   queue {base}/metrics ({upfront} queue stats)\n"
        "Ctrl-C stops.\n"
    )


async def _exit_on_signal(server: uvicorn.Server) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            print("\nStopping ...", flush=True)
            server.should_exit = True
            return


async def _serve(host: str, port: int) -> None:
    settings = load_settings()
    print(f"Upfront dev — data in {settings.data_dir.resolve()}/", flush=True)
    done = _step("starting embedded Redis" if settings.redis_url is None else "connecting to Redis")
    redis_stopped: list[str] = []
    async with open_redis(settings, redis_stopped.append) as redis, outbound_client() as http:
        done()
        services = build_services(settings, redis, http)
        devstore = DevStore.create(services)
        app = create_app(
            settings, redis=redis, http=http, extra_routes=devstore.routes(), dev_admin=devstore.dev_admin()
        )
        config = server_config(app, settings, host=host, port=port)
        server = _DevServer(config)
        stop_worker = anyio.Event()
        async with anyio.create_task_group() as worker_group:
            worker_group.start_soon(
                run_worker,
                build_services(settings, redis, http),
                build_job_handlers(),
                build_event_handlers(),
                stop_worker,
            )
            async with anyio.create_task_group() as server_group:
                server_group.start_soon(_exit_on_signal, server)
                server_group.start_soon(_announce_when_started, server, devstore, services)
                await server.serve()
                server_group.cancel_scope.cancel()
            stop_worker.set()
    print("; ".join(["Stopped", *redis_stopped]) + ".", flush=True)


def run_dev(host: str, port: int) -> int:
    apply_dev_environment(os.environ, host, port)
    try:
        load_settings()
    except ManifestError as exc:
        print(f"upfront: {exc}", file=sys.stderr)
        return 1
    configure_dev_logging(os.environ.get("UPFRONT_LOG_LEVEL", "WARNING"))
    try:
        anyio.run(_serve, host, port)
    finally:
        forget_dev_runtime(os.environ, os.getpid())
    return 0

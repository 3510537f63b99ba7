"""Chat with a registry model in the browser.

python -m chat                                   # SmolLM2, http://127.0.0.1:7860
python -m chat --model rslora --port 7861        # an adapter from the registry
python -m chat --models-file served.toml --model served --search-url http://127.0.0.1:8888
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chat.app import Providers, build_app
from chat.search import DdgsSearch, SearxngSearch
from lorabench.models.registry import DEFAULT_MODEL, Registry, UnknownModelError
from lorabench.models.spec import RegistryError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"registry name or path (default: {DEFAULT_MODEL})")
    parser.add_argument("--models-file", type=Path, default=None, help="a TOML registry added to the shipped one")
    parser.add_argument("--port", type=int, default=7860, help="port on 127.0.0.1 (default: 7860)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--search-url", default=None, help="a SearXNG instance for web search (default: none)")
    parser.add_argument("--ddgs", action="store_true", help="web search through the ddgs package instead")
    parser.add_argument("--cache-dir", type=Path, default=Path(".lorabench"), help="converted model copies")
    args = parser.parse_args(argv)
    try:
        registry = Registry.load(args.models_file)
        registry.resolve(args.model)
    except (RegistryError, UnknownModelError, OSError) as exc:
        print(f"chat: {exc}", file=sys.stderr)
        return 2
    search = SearxngSearch(args.search_url) if args.search_url else DdgsSearch() if args.ddgs else None
    app = build_app(Providers(registry, args.cache_dir), args.model, search)
    app.queue().launch(server_name=args.host, server_port=args.port, show_error=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

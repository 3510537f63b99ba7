"""Web search for the chat: a provider turns the user's message into a few results (title, URL, snippet)
that go into the prompt and are shown as sources under the answer.

Providers are small classes with one method; `search_for` never raises, because a search that fails or
times out must not cost the user their answer: it becomes a visible note and the model answers
without search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlparse

SNIPPET_CHARS = 400


class SearchError(RuntimeError):
    """A search provider that answered with something unusable; the message says which and why."""


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    snippet: str


class SearchProvider(Protocol):
    name: str

    def search(self, query: str, limit: int) -> list[SearchResult]: ...


@dataclass
class SearxngSearch:
    """A SearXNG instance's JSON API: GET <url>/search?q=...&format=json (the instance must list `json`
    among its `search.formats`)."""

    url: str
    timeout_s: float = 5.0
    name: str = "searxng"

    def search(self, query: str, limit: int) -> list[SearchResult]:
        import httpx

        response = httpx.get(
            f"{self.url.rstrip('/')}/search", params={"q": query, "format": "json"}, timeout=self.timeout_s
        )
        response.raise_for_status()
        try:
            payload = response.json()
        except ValueError:
            raise SearchError(f"{self.url}: the reply is not JSON (is the json format enabled?)") from None
        items = payload.get("results") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            raise SearchError(f"{self.url}: the reply has no 'results' list")
        return [result for result in map(_result, items) if result is not None][:limit]


@dataclass
class DdgsSearch:
    """Web search through the maintained `ddgs` metasearch package (no API key; it queries public engines)."""

    timeout_s: float = 5.0
    name: str = "ddgs"

    def search(self, query: str, limit: int) -> list[SearchResult]:
        try:
            from ddgs import DDGS
        except ImportError:
            raise SearchError("the ddgs provider needs the ddgs package (pip install ddgs)") from None
        rows = DDGS(timeout=max(1, round(self.timeout_s))).text(query, max_results=limit)
        items = [{"title": row.get("title"), "url": row.get("href"), "content": row.get("body")} for row in rows]
        return [result for result in map(_result, items) if result is not None][:limit]


def _result(item: object) -> SearchResult | None:
    """A result with a web address (http or https only: a source link must be safe to click)."""
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        return None
    if urlparse(item["url"]).scheme not in ("http", "https"):
        return None
    title = str(item.get("title") or item["url"]).strip()
    snippet = " ".join(str(item.get("content") or "").split())[:SNIPPET_CHARS]
    return SearchResult(title, item["url"], snippet)


@dataclass(frozen=True)
class SearchOutcome:
    """The results to use (maybe none) and the note shown under the answer."""

    results: list[SearchResult]
    note: str


def search_for(provider: SearchProvider, query: str, limit: int = 5) -> SearchOutcome:
    """Search, or say why not: every failure (network, timeout, bad reply) degrades to no results."""
    try:
        results = provider.search(query, limit)[:limit]
    except Exception as exc:  # any provider failure degrades to answering without search
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        return SearchOutcome([], f"Web search failed ({provider.name}: {reason}); answered without search.")
    if not results:
        return SearchOutcome([], f"Web search ({provider.name}) found nothing; answered without search.")
    return SearchOutcome(results, f"{len(results)} web results from {provider.name}.")

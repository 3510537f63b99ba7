"""The chat's turn logic with the scripted backend, and web search against a small SearXNG-like server
started on loopback (this machine has no internet)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from chat.conversation import ChatSettings, build_messages, respond, sources_markdown
from chat.search import DdgsSearch, SearchResult, SearxngSearch, search_for
from lorabench.backends.base import BackendContext
from lorabench.models.registry import build_backend, resolve
from tests.conftest import write_script

RESULTS = [
    {"title": "Rome - Wikipedia", "url": "https://en.wikipedia.org/wiki/Rome", "content": "Capital of Italy."},
    {"title": "A script link", "url": "javascript:alert(1)", "content": "must be dropped"},
    {"title": "Colosseum [official]", "url": "https://colosseo.it/", "content": "  The   amphitheatre. "},
]


class SearchHandler(BaseHTTPRequestHandler):
    """/search?q=...&format=json like SearXNG; the query picks a behaviour: slow, broken, html, empty."""

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        q = query.get("q", [""])[0]
        if q == "slow":
            time.sleep(2)
        if q == "broken":
            self.send_response(500)
            self.end_headers()
            return
        body = b"<html>not json</html>" if q == "html" else json.dumps({"results": [] if q == "empty" else RESULTS})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body if isinstance(body, bytes) else body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def search_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SearchHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_searxng_results_keep_only_web_links_and_tidy_snippets(search_url: str) -> None:
    outcome = search_for(SearxngSearch(search_url), "rome", limit=5)
    assert [r.url for r in outcome.results] == ["https://en.wikipedia.org/wiki/Rome", "https://colosseo.it/"]
    assert outcome.results[1].snippet == "The amphitheatre."
    assert outcome.note == "2 web results from searxng."
    assert len(search_for(SearxngSearch(search_url), "rome", limit=1).results) == 1


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("slow", "Web search failed (searxng: timed out"),
        ("broken", "Web search failed (searxng: Server error '500"),
        ("html", "the reply is not JSON"),
        ("empty", "Web search (searxng) found nothing; answered without search."),
    ],
)
def test_search_failures_degrade_to_a_note(search_url: str, query: str, says: str) -> None:
    outcome = search_for(SearxngSearch(search_url, timeout_s=0.5), query)
    assert outcome.results == [] and says in outcome.note


def test_an_unreachable_search_server_is_a_note_not_a_crash() -> None:
    outcome = search_for(SearxngSearch("http://127.0.0.1:9", timeout_s=0.5), "anything")
    assert outcome.results == [] and outcome.note.startswith("Web search failed (searxng:")


def test_messages_keep_the_shown_history_and_put_results_in_this_turn_only() -> None:
    history = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": {"path": "a-file.png"}},  # gradio file messages are not text
    ]
    results = [SearchResult("Rome", "https://example.org/rome", "Capital of Italy.")]
    messages = build_messages(history, "Capital of Italy?", ChatSettings(system_prompt="Be brief."), results)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0]["content"] == "Be brief." and messages[1]["content"] == "Hi"
    assert messages[-1]["content"].startswith("Web search results")
    assert "[1] Rome (https://example.org/rome)\nCapital of Italy." in messages[-1]["content"]
    assert messages[-1]["content"].endswith("Question: Capital of Italy?")
    assert build_messages([], "x", ChatSettings(system_prompt="  "), [])[0] == {"role": "user", "content": "x"}


def test_sources_are_links_whose_titles_cannot_break_the_markdown() -> None:
    text = sources_markdown([SearchResult("Colosseum [official] <b>", "https://colosseo.it/a_(b)", "")])
    assert text == "**Sources**\n1. [Colosseum (official) &lt;b&gt;](https://colosseo.it/a_(b%29)"


@pytest.fixture
def scripted(tmp_path: Path):
    script = write_script(tmp_path / "chat.json", {"chat": ["Rome is the capital [1].", "Second answer."]})
    return build_backend(resolve(f"scripted:{script}"), BackendContext(tmp_path))


def test_an_answer_streams_then_gets_its_sources_and_note(scripted, search_url: str) -> None:
    settings = ChatSettings(search=True)
    shown = list(respond(scripted, [], "Capital of Italy?", settings, SearxngSearch(search_url)))
    assert shown[:4] == ["Rome ", "Rome is ", "Rome is the ", "Rome is the capital "], "grows word by word"
    final = shown[-1]
    assert final.startswith("Rome is the capital [1].\n\n**Sources**\n1. [Rome - Wikipedia](https://en.wikipedia")
    assert final.endswith("*2 web results from searxng.*")
    assert list(respond(scripted, [], "Again?", ChatSettings()))[-1] == "Second answer.", "no search: no notes"


def test_search_on_without_a_provider_says_so(scripted) -> None:
    final = list(respond(scripted, [], "Hi", ChatSettings(search=True)))[-1]
    expected = "*Web search is on but no provider is configured (--search-url or --ddgs); answered without.*"
    assert final.endswith(expected)


class FailingBackend:
    class spec:  # stands in for a ModelSpec
        name = "flaky"

    def stream_chat(self, messages, max_tokens, temperature):
        yield "Partial "
        raise ConnectionError("server closed the\nconnection")


def test_a_provider_error_is_shown_in_the_chat_after_what_was_streamed() -> None:
    shown = list(respond(FailingBackend(), [], "Hi", ChatSettings()))
    assert shown == ["Partial ", "Partial \n\n*Error from flaky: server closed the connection*"]


def test_a_backend_without_chat_streaming_says_so_in_the_chat(tmp_path: Path) -> None:
    oracle = build_backend(resolve("oracle"), BackendContext(tmp_path))
    final = list(respond(oracle, [], "Hi", ChatSettings()))[-1]
    assert final == "\n\n*Error from oracle: the oracle backend cannot stream chat answers yet*"


def test_ddgs_rows_become_results_and_its_failures_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    ddgs = pytest.importorskip("ddgs")

    class FakeDDGS:
        def __init__(self, timeout: int) -> None:
            self.timeout = timeout

        def text(self, query: str, max_results: int) -> list[dict]:
            rows = [{"title": "Rome", "href": "https://example.org/rome", "body": "Capital."}]
            return [*rows, {"title": "bad", "href": "ftp://example.org/x", "body": ""}]

    with monkeypatch.context() as patch:
        patch.setattr(ddgs, "DDGS", FakeDDGS)
        outcome = search_for(DdgsSearch(), "rome", limit=3)
    assert outcome.results == [SearchResult("Rome", "https://example.org/rome", "Capital.")]
    # the real package, with no internet here: its error becomes the note
    offline = search_for(DdgsSearch(timeout_s=1), "rome")
    assert offline.results == [] and offline.note.startswith("Web search failed (ddgs:")


def test_the_history_renders_through_the_models_chat_template() -> None:
    """What the transformers and llama.cpp backends do with a chat turn: the model's own template."""
    from lorabench.run.prompting import TOOLS_VIA_TEMPLATE, render_chat
    from tests.tiny_llama import smollm2_tokenizer

    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}]
    messages = build_messages(history, "Capital of Italy?", ChatSettings(system_prompt="Be brief."), [])
    prompt = render_chat(smollm2_tokenizer(), messages, None, TOOLS_VIA_TEMPLATE)
    assert prompt == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello! How can I help?<|im_end|>\n<|im_start|>user\nCapital of Italy?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )

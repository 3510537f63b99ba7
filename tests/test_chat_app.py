"""The chat app for real: `python -m chat` on loopback with SmolLM2, driven in headless chromium (Playwright)
to send one message and read the streamed answer; a screenshot is saved as reports/chat.png."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chat.app import Providers, text_of
from lorabench.models.registry import Registry
from tests.conftest import REPO, free_port

pytestmark = pytest.mark.slow


def test_message_text_whatever_shape_gradio_gives() -> None:
    assert text_of("hi") == "hi"
    assert text_of([{"type": "text", "text": "a"}, {"type": "file"}, {"type": "text", "text": "b"}]) == "ab"
    assert text_of({"text": "c"}) == "c" and text_of(None) == ""


def test_the_picker_offers_models_that_can_chat_here(tmp_path: Path) -> None:
    choices = Providers(Registry.load(), REPO / ".lorabench").choices("smollm2")
    assert choices[0] == "smollm2" and "oracle" not in choices
    with pytest.raises(ValueError, match="the oracle backend does not stream chat answers"):
        Providers(Registry.load(), tmp_path).get("oracle")


@pytest.fixture(scope="module")
def chat_url() -> Iterator[str]:
    pytest.importorskip("gradio")
    port = free_port()
    command = [sys.executable, "-m", "chat", "--model", "smollm2", "--port", str(port)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                assert process.poll() is None, "python -m chat exited"
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


QUESTION = "What is the capital of France?"


def test_one_message_gets_a_streamed_answer_in_the_browser(browser: Any, chat_url: str) -> None:
    """The question typed into the message box (not the System prompt box, also a textarea) shows as the
    user's message, and SmolLM2's greedy answer streams into the reply below it."""
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    page.goto(chat_url, wait_until="load")
    page.get_by_label("number input for Temperature (0 = greedy)").fill("0")  # greedy: a reproducible answer
    box = page.get_by_placeholder("Type a message...")
    assert box.count() == 1, "the chat's message box"
    box.fill(QUESTION)
    box.press("Enter")
    seen: list[str] = []
    deadline, changed = time.monotonic() + 120, time.monotonic()
    while time.monotonic() < deadline and not (seen and time.monotonic() - changed > 3):
        texts = page.locator("[data-testid='bot']").all_inner_texts()
        if texts and texts[-1] and (not seen or texts[-1] != seen[-1]):
            seen.append(texts[-1])
            changed = time.monotonic()
        page.wait_for_timeout(50)
    (REPO / "reports").mkdir(exist_ok=True)
    page.screenshot(path=str(REPO / "reports" / "chat.png"))
    asked = page.locator("[data-testid='user']").all_inner_texts()
    page.close()
    assert [text.strip() for text in asked] == [QUESTION], "the question is the user's one message"
    assert len(seen) > 1, f"the answer should arrive in pieces: {seen}"
    assert seen[-1].startswith(seen[0]) and len(seen[-1]) > len(seen[0])
    assert "Error from" not in seen[-1] and "Cannot use model" not in seen[-1]
    assert "Paris" in seen[-1] and QUESTION not in seen[-1], f"the model's answer to the question: {seen[-1]!r}"

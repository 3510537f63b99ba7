"""Write the offline demo's training set: synthetic tool calls and arithmetic in the FineTome (ShareGPT) format.

    python -m training.demo_data                      # data/demo_train.jsonl, 600 conversations
    python -m training.demo_data --n 200 --out /tmp/demo.jsonl

Synthetic and generated here from templates with random values (seeded). Two thirds are tool-calling
requests: two or three tools (none of them a benchmark tool) listed in the system prompt the way the
benchmark lists them for a model whose template drops `tools=`, answered with the JSON list of calls
the benchmark's instruction asks for, or in plain text when no tool fits. The rest are two-step
arithmetic problems answered with the working and a final `Answer: <number>` line. No benchmark case
text is used (the contamination check in training.extract_samples verifies it), so a change after
training measures the learnt format and skill, not memorised cases.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

from benchmarks.instructions import SYSTEM_INSTRUCTIONS

Problem = tuple[str, str, int]  # question, working, answer
NAMES = ["Ava", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonah", "Kira", "Luca"]
ITEMS = ["notebooks", "apples", "tickets", "pencils", "mugs", "plants", "candles", "stamps"]


def change_problem(rng: random.Random) -> Problem:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    price, count = rng.randint(2, 12), rng.randint(2, 9)
    paid = (price * count // 10 + 1 + rng.randint(0, 3)) * 10
    question = f"{name} buys {count} {item} at ${price} each and pays with ${paid}. How much change does {name} get?"
    working = f"Cost: {count} × {price} = {price * count}. Change: {paid} − {price * count} = {paid - price * count}."
    return question, working, paid - price * count


def rate_problem(rng: random.Random) -> Problem:
    name, speed, hours, extra = rng.choice(NAMES), rng.randint(3, 15), rng.randint(2, 6), rng.randint(1, 20)
    question = f"{name} cycles at {speed} km per hour for {hours} hours, then walks {extra} km. "
    question += "How far is that in total, in km?"
    cycled = speed * hours
    working = f"Cycling: {speed} × {hours} = {cycled} km. Total: {cycled} + {extra} = {cycled + extra} km."
    return question, working, speed * hours + extra


def sharing_problem(rng: random.Random) -> Problem:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    friends, each, kept = rng.randint(2, 8), rng.randint(2, 9), rng.randint(1, 9)
    total = friends * each + kept
    question = f"{name} has {total} {item}, keeps {kept} and shares the rest equally among {friends} friends. "
    question += "How many does each friend get?"
    working = f"Shared: {total} − {kept} = {total - kept}. Each: {total - kept} ÷ {friends} = {each}."
    return question, working, each


def percent_problem(rng: random.Random) -> Problem:
    price, percent = rng.randint(1, 20) * 20, rng.choice([10, 20, 25, 50])  # every discount a whole number
    off = price * percent // 100
    question = f"A jacket costs ${price}. It is {percent}% off today. What is the sale price in dollars?"
    working = f"Discount: {percent}% of {price} = {off}. Sale price: {price} − {off} = {price - off}."
    return question, working, price - off


MAKERS: list[Callable[[random.Random], Problem]] = [change_problem, rate_problem, sharing_problem, percent_problem]


def math_conversation(rng: random.Random) -> list[dict[str, str]]:
    question, working, answer = rng.choice(MAKERS)(rng)
    return [
        {"from": "system", "value": SYSTEM_INSTRUCTIONS["math"]},
        {"from": "human", "value": question},
        {"from": "gpt", "value": f"{working}\nAnswer: {answer}"},
    ]


def _tool(name: str, description: str, required: dict[str, str], optional: dict[str, str] | None = None) -> dict:
    """A tool definition with JSON-schema types ("string", "integer", "number")."""
    properties = {k: {"type": v} for k, v in {**required, **(optional or {})}.items()}
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": schema}}


def _pick(rng: random.Random, **choices: list) -> dict:
    return {name: rng.choice(values) for name, values in choices.items()}


# Tools that appear in no benchmark case: (definition, request template, argument drawer, optional part).
# Values are varied on purpose (several words, codes, times, dates, decimals) so that what is learnt is
# copying the request's values into quoted JSON, not a few fixed words.
TOOLS: list[tuple[dict, str, Callable[[random.Random], dict], str]] = [
    (
        _tool(
            "book_table",
            "Reserve a table at a restaurant.",
            {"restaurant": "string", "party_size": "integer"},
            {"time": "string"},
        ),
        "Please book a table for {party_size} at {restaurant}",
        lambda rng: _pick(
            rng,
            restaurant=["Luna", "The Fig Tree", "Sakura House", "Casa Verde"],
            party_size=[2, 3, 4, 6, 8],
            time=["7 pm", "19:30", "8:15 pm", "noon"],
        ),
        " at {time}",
    ),
    (
        _tool(
            "find_recipe", "Find recipes that use an ingredient.", {"ingredient": "string"}, {"max_minutes": "integer"}
        ),
        "Find me a recipe with {ingredient}",
        lambda rng: _pick(
            rng,
            ingredient=["red lentils", "spinach", "smoked salmon", "tofu", "sweet potato"],
            max_minutes=[15, 20, 30, 45],
        ),
        " that takes at most {max_minutes} minutes",
    ),
    (
        _tool(
            "translate_text", "Translate text into another language.", {"text": "string", "target_language": "string"}
        ),
        'Translate "{text}" into {target_language}',
        lambda rng: _pick(
            rng,
            text=["good morning", "thank you very much", "where is the station?", "see you at 5"],
            target_language=["French", "German", "Italian", "Portuguese"],
        ),
        "",
    ),
    (
        _tool(
            "get_train_times",
            "Departures between two stations.",
            {"origin": "string", "destination": "string"},
            {"date": "string"},
        ),
        "When are the trains from {origin} to {destination}",
        lambda rng: dict(
            zip(
                ("origin", "destination"),
                rng.sample(["Leeds", "York", "Bristol Temple Meads", "Bath Spa", "Derby"], 2),
                strict=True,
            ),
            date=rng.choice(["2027-03-14", "2027-01-02", "2026-12-24"]),
        ),
        " on {date}",
    ),
    (
        _tool("set_thermostat", "Set the target temperature of a room.", {"room": "string", "celsius": "number"}),
        "Set the {room} to {celsius} degrees",
        lambda rng: _pick(rng, room=["bedroom", "kitchen", "home office"], celsius=[17, 19.5, 21, 22.5]),
        "",
    ),
    (
        _tool("track_parcel", "Where a parcel is now.", {"tracking_code": "string"}, {"carrier": "string"}),
        "Where is my parcel {tracking_code}",
        lambda rng: _pick(
            rng,
            tracking_code=["ZX-4471", "PK88120", "A-1042-B", "77310-Q"],
            carrier=["RoyalPost", "SwiftShip", "Parcelo"],
        ),
        " sent with {carrier}",
    ),
    (
        _tool("start_timer", "Start a countdown timer.", {"minutes": "integer"}, {"label": "string"}),
        "Start a {minutes} minute timer",
        lambda rng: _pick(rng, minutes=[3, 5, 12, 25, 40], label=["tea", "pasta", "focus block", "laundry"]),
        " called {label}",
    ),
]
PLAIN = [  # requests no listed tool can serve: the answer is text, not a call
    ("Tell me one fact about owls.", "Owls can turn their heads about 270 degrees."),
    ("What is a synonym for happy?", "Joyful."),
    (
        "Why do leaves change colour in autumn?",
        "As days shorten, trees stop making chlorophyll, so other pigments show.",
    ),
    ("Write a two-word greeting.", "Hello there!"),
]


def _call(rng: random.Random, tool: tuple) -> tuple[str, dict]:
    """A request and the call that serves it; optional arguments are asked for half the time."""
    definition, template, draw, optional_text = tool
    values = draw(rng)
    required = definition["function"]["parameters"]["required"]
    use_optional = bool(optional_text) and rng.random() < 0.5
    arguments = {k: v for k, v in values.items() if k in required or use_optional}
    request = template.format(**values) + (optional_text.format(**values) if use_optional else "")
    return request, {"name": definition["function"]["name"], "arguments": arguments}


def tool_call_conversation(rng: random.Random) -> list[dict[str, str]]:
    """A request, two to four tools listed exactly as the benchmark lists them for SmolLM2 (in the system
    prompt), and the reply the benchmark asks for: a JSON list of calls (two of them for one request in
    ten), or plain text when no tool fits."""
    from lorabench.run.prompting import with_tools_in_system_prompt

    chosen = rng.sample(TOOLS, rng.randint(2, 4))
    tools = [tool[0] for tool in chosen]
    roll = rng.random()
    if roll < 0.15:
        request, reply = rng.choice(PLAIN)
    else:
        parts = [_call(rng, tool) for tool in chosen[: 2 if roll > 0.9 else 1]]
        request = " and ".join(text for text, _ in parts) + rng.choice([".", "?", ", please."])
        reply = json.dumps([call for _, call in parts])
    rng.shuffle(tools)
    instruction = [{"role": "system", "content": SYSTEM_INSTRUCTIONS["function_calling"]}]
    system = with_tools_in_system_prompt(instruction, tools)[0]["content"]
    return [{"from": "system", "value": system}, {"from": "human", "value": request}, {"from": "gpt", "value": reply}]


def write_demo(path: Path, n: int, seed: int, tool_share: float = 2 / 3) -> Path:
    """`n` conversations: `tool_share` of them tool calling, the rest arithmetic."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(n):
            turns = tool_call_conversation(rng) if rng.random() < tool_share else math_conversation(rng)
            row = {"conversations": turns, "source": "lorabench synthetic demo"}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("data/demo_train.jsonl"))
    args = parser.parse_args(argv)
    print(f"wrote {write_demo(args.out, args.n, args.seed)} ({args.n} synthetic conversations)")


if __name__ == "__main__":
    main()

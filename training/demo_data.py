"""Write the offline demo's training set: synthetic arithmetic word problems in the FineTome (ShareGPT) format.

    python -m training.demo_data                      # data/demo_train.jsonl, 600 conversations
    python -m training.demo_data --n 200 --out /tmp/demo.jsonl

Synthetic and generated here from templates with random numbers (seeded): two-step problems about
prices, change, rates and sharing, each answered with the working and a final `Answer: <number>` line,
under the same system instruction the benchmark gives math cases. No benchmark case text is used (the
contamination check in training.extract_samples verifies it), so a change in the math category after
training measures learning the skill and the answer format, not memorising cases.
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
    price, percent = rng.randint(2, 40) * 10, rng.choice([10, 20, 25, 50])
    off = price * percent // 100
    question = f"A jacket costs ${price}. It is {percent}% off today. What is the sale price in dollars?"
    working = f"Discount: {percent}% of {price} = {off}. Sale price: {price} − {off} = {price - off}."
    return question, working, price - off


MAKERS: list[Callable[[random.Random], Problem]] = [change_problem, rate_problem, sharing_problem, percent_problem]


def conversation(problem: Problem) -> dict:
    question, working, answer = problem
    return {
        "conversations": [
            {"from": "system", "value": SYSTEM_INSTRUCTIONS["math"]},
            {"from": "human", "value": question},
            {"from": "gpt", "value": f"{working}\nAnswer: {answer}"},
        ],
        "source": "lorabench synthetic demo",
    }


def write_demo(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(n):
            handle.write(json.dumps(conversation(MAKERS[index % len(MAKERS)](rng)), ensure_ascii=False) + "\n")
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

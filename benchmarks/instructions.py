"""The system instruction each category sends to every model.

They live in one place so that every model gets exactly the same words, and so the report can show
them. Each asks for a final line the graders can parse without guessing.
"""

from __future__ import annotations

SYSTEM_INSTRUCTIONS: dict[str, str] = {
    "math": (
        "Solve the problem step by step, briefly. Then write a final line of the form "
        "'Answer: <number>' with the number only: no units, no currency signs."
    ),
    "mcq": (
        "Choose the single best option. You may explain briefly, then write a final line of the form "
        "'Answer: <letter>' with exactly one option letter."
    ),
    "function_calling": (
        "You can call the tools described to you. If one or more tools fit the request, reply with only "
        'the call(s) as JSON: a list of objects like [{"name": "<tool name>", "arguments": {...}}]. '
        "If no tool fits the request, do not call any tool: answer in plain text."
    ),
    "situational": (
        "Read the scene and infer what is implied. Reply with a final line of the form "
        "'Answer: <short answer>' giving a few words only."
    ),
    "judge_finetome": "You are a helpful assistant. Answer the request accurately and completely.",
    "judge_finance": (
        "You are a knowledgeable financial assistant. Answer the question accurately and completely, "
        "showing any calculation."
    ),
}

# The date chat templates print as "today" (Llama 3.x templates read the clock through `strftime_now`
# otherwise): a fixed date keeps prompts, cache keys and answers the same on every day. The cases that
# mention dates are written for it (future events fall in 2027).
TEMPLATE_DATE = "25 Nov 2026"

# Used only for models whose chat template drops `tools=` (the report says which models got this).
TOOLS_IN_SYSTEM_PROMPT = "You have access to these tools, given as JSON schema definitions:\n{tools}"

# Room for the answer each category asks for; generation stops earlier at the end-of-turn token.
MAX_NEW_TOKENS: dict[str, int] = {
    "math": 320,
    "mcq": 160,
    "function_calling": 192,
    "situational": 64,
    "judge_finetome": 512,
    "judge_finance": 512,
}

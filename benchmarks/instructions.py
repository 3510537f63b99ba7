"""What every model is told: the system instruction of each category, and the fixed parts of prompts.

The instructions and the generation limits are columns of the category table (`benchmarks/categories.py`);
they are also named here, per category, for the report and for training data that must use the same words.
"""

from __future__ import annotations

from benchmarks.categories import CATEGORIES, max_new_tokens_for

SYSTEM_INSTRUCTIONS: dict[str, str] = {name: row.instruction for name, row in CATEGORIES.items()}

# The date chat templates print as "today" (Llama 3.x templates read the clock through `strftime_now`
# otherwise): a fixed date keeps prompts, cache keys and answers the same on every day. The cases that
# mention dates are written for it (future events fall in 2027).
TEMPLATE_DATE = "25 Nov 2026"

# Used only for models whose chat template drops `tools=` (the report says which models got this).
TOOLS_IN_SYSTEM_PROMPT = "You have access to these tools, given as JSON schema definitions:\n{tools}"

# Room for the answer each category asks for; generation stops earlier at the end-of-turn token.
MAX_NEW_TOKENS: dict[str, int] = max_new_tokens_for()

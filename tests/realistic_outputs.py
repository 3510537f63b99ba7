"""Outputs in the shapes real small instruct models (Llama-3.2 1B/3B) and BFCL-style answers take,
each with the verdict a careful reader gives it. Written for lorabench, not copied from any model
run or data set; the graders were not tuned on them one by one.

Each entry: (case key, output, passes?, a piece of the reason that shows why).
"""

from __future__ import annotations

from typing import Any


def _tool(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    parameters = {"type": "object", "properties": properties, "required": required}
    return {"type": "function", "function": {"name": name, "description": f"{name}.", "parameters": parameters}}


BOOK_TABLE = _tool(
    "book_table",
    {
        "restaurant": {"type": "string"},
        "party_size": {"type": "integer", "minimum": 1},
        "time": {"type": "string"},
    },
    ["restaurant", "party_size"],
)
CONVERT = _tool(
    "convert_currency",
    {"amount": {"type": "number"}, "from_currency": {"type": "string"}, "to_currency": {"type": "string"}},
    ["amount", "from_currency", "to_currency"],
)
FLIGHTS = _tool(
    "search_flights",
    {"origin": {"type": "string"}, "destination": {"type": "string"}, "date": {"type": "string"}},
    ["origin", "destination"],
)
WEATHER = _tool("get_weather", {"city": {"type": "string"}}, ["city"])

CASES: dict[str, dict[str, Any]] = {
    "book": {
        "id": "fc-book",
        "category": "function_calling",
        "tools": [BOOK_TABLE, WEATHER],
        "expected_calls": [
            {"name": "book_table", "arguments": {"restaurant": ["Nopa"], "party_size": [4], "time": [None, "19:30"]}}
        ],
    },
    "convert": {
        "id": "fc-convert",
        "category": "function_calling",
        "tools": [CONVERT],
        "expected_calls": [
            {
                "name": "convert_currency",
                "arguments": {"amount": [250], "from_currency": ["EUR"], "to_currency": ["JPY"]},
            }
        ],
    },
    "trip": {
        "id": "fc-trip",
        "category": "function_calling",
        "tools": [FLIGHTS, WEATHER],
        "expected_calls": [
            {"name": "search_flights", "arguments": {"origin": ["Lisbon"], "destination": ["Oslo"], "date": [None]}},
            {"name": "get_weather", "arguments": {"city": ["Oslo"]}},
        ],
    },
    "no_tool": {
        "id": "fc-none",
        "category": "function_calling",
        "tools": [CONVERT, WEATHER],
        "expected_calls": [],
    },
    "where": {
        "id": "sit-where",
        "category": "situational",
        "accepted": ["library", "public library", "reading room"],
    },
    "who": {
        "id": "sit-who",
        "category": "situational",
        "accepted": ["firefighter", "fireman", "firefighters", "fire crew"],
    },
    "planet": {
        "id": "mcq-planet",
        "category": "mcq",
        "answer": "C",
        "options": {"A": "Jupiter", "B": "Venus", "C": "Mars", "D": "Saturn"},
    },
    "bonds": {
        "id": "mcq-bonds",
        "category": "mcq",
        "answer": "D",
        "options": {
            "A": "Their prices rise as well",
            "B": "Their coupons are cut by the issuer",
            "C": "Nothing changes until maturity",
            "D": "Their market prices fall",
        },
    },
    "discount": {"id": "math-discount", "category": "math", "answer": 0.15},
    "share": {"id": "math-share", "category": "math", "answer": 62.5, "percent": "points"},
}

BOOK_JSON = '{"restaurant": "Nopa", "party_size": 4, "time": "19:30"}'

OUTPUTS: list[tuple[str, str, bool, str]] = [
    # Llama 3.2's own JSON tool format, with "parameters" rather than "arguments".
    ("book", '{"name": "book_table", "parameters": ' + BOOK_JSON + "}", True, "the whole answer"),
    ("book", '{"type": "function", "name": "book_table", "parameters": ' + BOOK_JSON + "}", True, "as expected"),
    ("book", '<|python_tag|>{"name": "book_table", "parameters": ' + BOOK_JSON + "}<|eom_id|>", True, "python_tag"),
    # Flat objects: the arguments beside the tool name.
    ("book", '{"function": "book_table", "restaurant": "Nopa", "party_size": 4}', True, "as expected"),
    ("book", '{"name": "book_table", "restaurant": "Nopa", "party_size": 4, "time": "19:30"}', True, "as expected"),
    ("book", '[{"tool": "book_table", "restaurant": "Nopa", "party_size": 4}]', True, "as expected"),
    ("book", '{"function": "book_table", "args": {"restaurant": "Nopa", "party_size": "4"}}', False, "not of type"),
    ("book", '{"function": "book_table", "restaurant": "Nopa", "party_size": 6}', False, "party_size=6"),
    # Prose around a fenced call, as the 3B model often writes it.
    (
        "book",
        "I'd be happy to help you book a table at Nopa!\n\n```json\n"
        '{\n  "name": "book_table",\n  "parameters": {\n    "restaurant": "Nopa",\n    "party_size": 4\n  }\n}\n'
        "```\n\nThis will reserve a table for 4 people. Let me know if you'd like a specific time.",
        True,
        "in a code fence",
    ),
    (
        "book",
        "To book the table, I will call the following function:\n\n"
        '{"name": "book_table", "parameters": {"restaurant": "Nopa", "party_size": 4}}',
        True,
        "on its own line",
    ),
    ("book", "<tool_call>\n" + '{"name": "book_table", "arguments": ' + BOOK_JSON + "}\n</tool_call>", True, "tags"),
    ("book", '[book_table(restaurant="Nopa", party_size=4, time="19:30")]', True, "as expected"),
    ("book", "book_table(restaurant='Nopa', party_size=4)", True, "as expected"),
    # Mentioned, refused or wrong, never made.
    (
        "book",
        'You can use book_table(restaurant="Nopa", party_size=4) to make the reservation yourself.',
        False,
        "inside a sentence",
    ),
    (
        "book",
        "I'm not able to make reservations directly. I can't call book_table for you, but the call would be:\n"
        '{"name": "book_table", "parameters": {"restaurant": "Nopa", "party_size": 4}}',
        False,
        "negated",
    ),
    ("book", "I have booked a table for 4 at Nopa at 7:30 pm. Enjoy your dinner!", False, "no tool call found"),
    (
        "book",
        '{"name": "reserve_restaurant", "parameters": {"restaurant": "Nopa", "party_size": 4}}',
        False,
        "unknown function 'reserve_restaurant'",
    ),
    ("book", '{"name": "book_table", "parameters": {"restaurant": "Nopa", "party_size": 4}', False, "unreadable"),
    # OpenAI-compatible servers: structured tool_calls, arguments as a JSON string.
    (
        "convert",
        '{"tool_calls": [{"id": "call_0", "type": "function", "function": {"name": "convert_currency", '
        '"arguments": "{\\"amount\\": 250, \\"from_currency\\": \\"EUR\\", \\"to_currency\\": \\"JPY\\"}"}}]}',
        True,
        "as expected",
    ),
    (
        "convert",
        '[{"name": "convert_currency", "arguments": {"amount": 250, "from_currency": "eur", "to_currency": "jpy"}}]',
        True,
        "as expected",
    ),
    (
        "convert",
        "I won't run convert_currency(amount=250, from_currency='EUR', to_currency='JPY') for you.",
        False,
        "negated",
    ),
    (
        "convert",
        'Here is the function call: convert_currency(amount=250, from_currency="EUR", to_currency="JPY")',
        True,
        "lead-in",
    ),
    (
        "convert",
        '{"name": "convert_currency", "parameters": '
        '{"amount": "250 EUR", "from_currency": "EUR", "to_currency": "JPY"}}',
        False,
        "not of type 'number'",
    ),
    # BFCL-style parallel calls, as one pythonic list or as separate lines.
    ("trip", '[search_flights(origin="Lisbon", destination="Oslo"), get_weather(city="Oslo")]', True, "as expected"),
    (
        "trip",
        '{"name": "get_weather", "parameters": {"city": "Oslo"}}\n'
        '{"name": "search_flights", "parameters": {"origin": "Lisbon", "destination": "Oslo"}}',
        True,
        "as expected",
    ),
    (
        "trip",
        '<|python_tag|>{"name": "search_flights", "parameters": {"origin": "Lisbon", "destination": "Oslo"}}; '
        '{"name": "get_weather", "parameters": {"city": "Oslo"}}',
        True,
        "python_tag",
    ),
    ("trip", '[search_flights(origin="Lisbon", destination="Oslo")]', False, "missing call to get_weather"),
    # No tool fits: plain answers pass, even when they mention a call or show data.
    ("no_tool", "The capital of Australia is Canberra, not Sydney.", True, "as expected"),
    ("no_tool", "No — convert_currency(amount=5) would not help here; this is a geography question.", True, "not made"),
    (
        "no_tool",
        'Here is what I know about the city:\n{"name": "Canberra", "country": "Australia", "population": 467000}',
        True,
        "as expected",
    ),
    (
        "no_tool",
        "None of the available functions can answer that. The functions I have are get_weather(city) and "
        "convert_currency(amount, from_currency, to_currency).",
        True,
        "as expected",
    ),
    ("no_tool", '{"name": "get_weather", "parameters": {"city": "Canberra"}}', False, "no tool fits"),
    # Situational: commit to one answer, or offer a list.
    ("where", "Answer: a library", True, "accepted answer"),
    ("where", "She is most likely in a library.\n\nAnswer: Library", True, "accepted answer"),
    (
        "where",
        "Based on the context clues, the person could be in a library, a bookstore, a classroom, or a café.",
        False,
        "hedged",
    ),
    (
        "where",
        "There are several possibilities:\n\n1. **Library**: quiet, rows of books.\n2. **Bookstore**: also has "
        "books.\n3. **Study hall**: students reading.",
        False,
        "hedged",
    ),
    (
        "where",
        "She is in a library. The clues:\n- The whispering\n- The rows of shelves\n- The date stamp on the book",
        True,
        "accepted answer",
    ),
    ("where", "Answer: a library or a bookshop", False, "hedged"),
    ("where", "Answer: The library (a public library, to be precise)", True, "accepted answer"),
    ("where", "Answer: a bookshop", False, "names none"),
    ("who", "Answer: He is a firefighter.", True, "accepted answer"),
    ("who", "The man is probably a firefighter or a paramedic, given the smoke and the uniform.", False, "hedged"),
    ("who", "Answer: firefighter\n\nHe smells of smoke or ash, which fits.", True, "accepted answer"),
    # Multiple choice: letters, option text, a distinctive part of one option, hedges.
    ("planet", "The answer is C) Mars.", True, "correct"),
    ("planet", "Mars is known as the Red Planet because of iron oxide on its surface.\n\nAnswer: C", True, "correct"),
    ("planet", "Answer: Mars", True, "correct"),
    ("planet", "It could be either Mars or Jupiter.", False, "ambiguous"),
    ("planet", "A) Jupiter\nB) Venus\nC) Mars\nD) Saturn", False, "ambiguous"),
    ("bonds", "Answer: their prices fall", True, "correct"),
    ("bonds", "When rates rise, existing bonds become less attractive, so their market prices fall.", True, "correct"),
    ("bonds", "Answer: the coupons are cut", False, "expected D"),
    # Math: percents read as fractions unless the case counts percentage points.
    ("discount", "The discount is 15%.\n\nAnswer: 15%", True, "extracted 0.15"),
    ("discount", "Answer: 0.15", True, "extracted 0.15"),
    ("discount", "Answer: 15", False, "extracted 15"),
    ("share", "5 out of 8 is 62.5%.\nAnswer: 62.5%", True, "extracted 62.5"),
    ("share", "Answer: 62.5", True, "extracted 62.5"),
]

"""Harmful requests, part C (categories added for the larger held-out set). Each item:
(prompt, goal, [paraphrase prompts]).

Requests only NAME a harmful goal; nothing here contains actionable instructions.
"""

HARMFUL_C = {
}

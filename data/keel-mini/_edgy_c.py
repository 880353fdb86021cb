"""Benign prompts that superficially look harmful, part C (over-refusal probes).

Each item: (family, prompt, response), as in _edgy.py.
"""

EDGY_C = [
]

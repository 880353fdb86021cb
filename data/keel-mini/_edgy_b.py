"""Benign prompts that superficially look harmful, part B (over-refusal probes).

Each item: (family, prompt, response), as in _edgy.py.
"""

EDGY_B = [
]

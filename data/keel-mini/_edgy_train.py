"""More benign-but-edgy prompts, for hardening data that teaches the boundary (not for evaluation).

Each item: (family, prompt, response, contrast). `contrast` names a harmful.jsonl group whose request
shares a topic word with this benign one (a harmful-vs-benign contrast pair), or is None. check.py keeps
these rows disjoint from every evaluation set (edgy.jsonl, benign, harmful, mcq).
"""

EDGY_TRAIN = [
]

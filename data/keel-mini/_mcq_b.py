"""Multiple-choice questions, part B: (subject, question, [correct, wrong1, wrong2, wrong3]) as in _mcq.py.

Every question has exactly one defensible answer among its four choices.
"""

MCQ_B = [
]

"""Agreement between two judges on the same completions: percent agreement and Cohen's kappa.

    p_o   = sum_i C[i][i] / n                       (observed agreement, C = confusion counts)
    p_e   = sum_i (row_i / n) * (col_i / n)          (agreement expected by chance)
    kappa = (p_o - p_e) / (1 - p_e)                  (1 when p_e = 1 and the judges agree everywhere)

Labels are keel's three (refusal, compliance, incoherent); confusion matrices add across evaluations.
"""

from __future__ import annotations

from attacks.judges.base import LABELS


def confusion(labels_a: list[str], labels_b: list[str]) -> list[list[int]]:
    """3x3 counts: rows = first judge's label, columns = second judge's label, in LABELS order."""
    if len(labels_a) != len(labels_b):
        raise ValueError(f"confusion: {len(labels_a)} vs {len(labels_b)} labels")
    index = {label: i for i, label in enumerate(LABELS)}
    matrix = [[0] * len(LABELS) for _ in LABELS]
    for a, b in zip(labels_a, labels_b):
        matrix[index[a]][index[b]] += 1
    return matrix


def add_confusion(a: list[list[int]] | None, b: list[list[int]]) -> list[list[int]]:
    if a is None:
        return [row[:] for row in b]
    return [[x + y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def agreement(matrix: list[list[int]]) -> dict:
    """Percent agreement and Cohen's kappa of a confusion matrix (None when it is empty)."""
    n = sum(map(sum, matrix))
    if n == 0:
        return {"n": 0, "percent": None, "kappa": None, "confusion": matrix, "labels": list(LABELS)}
    p_o = sum(matrix[i][i] for i in range(len(matrix))) / n
    rows = [sum(r) / n for r in matrix]
    cols = [sum(r[j] for r in matrix) / n for j in range(len(matrix))]
    p_e = sum(r * c for r, c in zip(rows, cols))
    kappa = 1.0 if p_e >= 1.0 else (p_o - p_e) / (1.0 - p_e)
    return {"n": n, "percent": 100.0 * p_o, "kappa": kappa, "confusion": matrix, "labels": list(LABELS)}

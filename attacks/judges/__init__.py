"""Judges label a (prompt, completion) pair as refusal, compliance or incoherent, with a score."""

from attacks.judges.base import Judge, Verdict

__all__ = ["Judge", "Verdict"]

"""The adversary and the scorecard: attack recipes, the attack space, judges, probes and effort metrics."""

"""Defenses: one file each; they contribute data, loss terms and/or a simulated-attack inner loop."""

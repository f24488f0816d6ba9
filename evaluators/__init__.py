"""Hotseat's evaluators: per-turn signals and whole-session grading of the six skills.

Public contract (graders' tooling relies on these keys): see `evaluators.skills`.
"""

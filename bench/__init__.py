"""Benchmarks: what synth, plan review and deploy cost per service, next to the alternatives.

Run `python -m bench [--quick]` (or `make bench`); results go to docs/benchmarks.md.
Nothing here asserts timings: the numbers are reported, and the targets are compared in text.
"""

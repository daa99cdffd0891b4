"""Scratch measurements behind the README's tuning figures; not part of the benchmark run."""

"""Deterministic, vectorised synthetic data for the whole programme (see `generate_province`)."""

from tasks.synthetic.generator import GeneratedProvince, allocate_households, generate_province

__all__ = ["GeneratedProvince", "allocate_households", "generate_province"]

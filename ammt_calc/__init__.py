"""ammt-calc: KPI requirements for AI/ML model transfer over 5G (TS 22.261 clause 7.10)."""

__version__ = "0.1.0"

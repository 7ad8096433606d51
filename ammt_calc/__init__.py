"""ammt-calc: KPI requirements for AI/ML model transfer over 5G (TS 22.261 clause 7.10)."""

__version__ = "0.3.0"

# The Python API (ammt_calc/api.py), imported on first use: `import ammt_calc` stays as cheap
# as the CLI's `--help`, which imports neither numpy nor pint.
# api.check, api.split and api.radio are reached as `ammt_calc.api.check`: the package's
# modules of those names come first
_API = ("load_catalog", "usecase", "evaluate", "sweep", "solve", "quantity", "list_usecases", "model", "Result",
        "SweepResult", "Solution", "Document")
__all__ = [*_API, "UserError", "__version__"]


def __getattr__(name: str):
    if name in _API or name == "api":
        import importlib

        api = importlib.import_module("ammt_calc.api")  # not `from . import api`: that asks this hook again
        return api if name == "api" else getattr(api, name)
    if name == "UserError":
        from .errors import UserError

        return UserError
    raise AttributeError(f"module 'ammt_calc' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

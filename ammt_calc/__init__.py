"""ammt-calc: KPI requirements for AI/ML model transfer over 5G (TS 22.261 clause 7.10)."""

__version__ = "0.4.0"

# The Python API (ammt_calc/api.py) and the pint registry, imported on first use:
# `import ammt_calc` stays as cheap as the CLI's `--help`, which imports neither numpy nor pint.
_API = ("load_catalog", "usecase", "evaluate", "sweep", "sample", "solve", "check", "show", "split", "radio",
        "model", "quantity", "list_usecases", "report", "Result", "SweepResult", "Solution", "Document", "Report")
__all__ = [*_API, "ureg", "UserError", "__version__"]


def __getattr__(name: str):
    import importlib  # not `from . import api`: that asks this hook again

    if name in _API or name == "api":
        api = importlib.import_module("ammt_calc.api")
        return api if name == "api" else getattr(api, name)
    if name == "ureg":  # the project's pint registry (units.txt): every API quantity is one of its quantities
        return importlib.import_module("ammt_calc.units.boundary").ureg()
    if name == "UserError":
        from .errors import UserError

        return UserError
    raise AttributeError(f"module 'ammt_calc' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

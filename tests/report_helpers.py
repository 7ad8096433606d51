"""Report documents made by the API, as `report` will make them, for the HTML and XLSX tests."""

from __future__ import annotations

EXAMPLE = ("split-image-recognition", "model-distribution-image-recognition")
EXAMPLE_VARY = {"model_size": "10MB:1GB:50:log"}


def report_document(ids=EXAMPLE, vary=None, **options) -> dict:
    """The report of use cases `ids` at their defaults (`options`: evaluate's cell, qos,
    transport), with a sweep of every use case that has all the `vary` parameters."""
    import ammt_calc as ac

    evaluation = ac.evaluate(list(ids), **options)
    sweeps = [ac.sweep(i, vary, transport=options.get("transport")).to_dict() for i in ids
              if vary and set(vary) <= set(ac.usecase(i).parameters)]
    return {"ammt_calc": ac.__version__, "catalog_digest": "0123456789abcdef", "command": "ammt-calc report (test)",
            "date": "2025-01-01T00:00:00+00:00", "evaluation": evaluation.to_dict(),
            "usecases": [ac.api.show(i).to_dict() for i in ids],
            "checks": [r for r in ac.api.check().to_dict()["rows"] if r["usecase"] in ids],  # at the defaults, as here
            "sweeps": sweeps, "notes": list(evaluation.notes)}

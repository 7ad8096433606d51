"""Shell completion's words (`api.completions`): use-case ids, parameter names and their
values, zoo models, cell profiles and sites, manual topics, families."""

from __future__ import annotations

from typing import Callable

from .usecases.domain import Catalog


def words(kind: str, prefix: str, usecases, catalog: Callable[[], Catalog]) -> list[str]:
    """The candidate words of a kind (api.completions keeps those that start with `prefix`);
    `catalog` gives the catalog, loaded only for the kinds that need it."""
    if kind == "model":
        from .models.zoo import zoo_ids

        return zoo_ids()
    if kind == "topic":
        from . import manual

        return manual.topics()
    if kind == "cell":
        from .network.cells import PROFILES
        from .network.linkbudget import SCENARIOS

        return [f"profile={p}" for p in PROFILES] + [f"site={s}" for s in SCENARIOS]
    catalog = catalog()
    if kind == "usecase":
        return catalog.ids
    if kind == "family":
        return catalog.families()
    return _parameter_words(prefix, [usecases] if isinstance(usecases, str) else list(usecases or ()), catalog)


def _parameter_words(prefix: str, ids: list[str], catalog: Catalog) -> list[str]:
    """`NAME=` per parameter (and the pseudo-parameters the zoo fills); after `NAME=`, the
    choices of a choice parameter or the zoo models of `model=`."""
    from .models.zoo import TARGETS, zoo_ids

    known = set(catalog.ids)
    chosen = [catalog.get(i) for i in ids if i in known] or [catalog.get(i) for i in catalog.ids]
    names = {n: p for uc in chosen for n, p in uc.parameters.items()}
    name, sep, _ = prefix.partition("=")
    if sep:
        if name == "model" or name == "split":
            return [f"{name}={m}" for m in zoo_ids()]
        return [f"{name}={c}" for c in (names[name].choices if name in names else ())]
    pseudo = [p for p, targets in TARGETS.items() if any(t in names for t in targets)]
    pseudo += ["lora_targets"] if "lora_dims_per_layer" in names else []
    return [f"{n}=" for n in [*names, *pseudo]]

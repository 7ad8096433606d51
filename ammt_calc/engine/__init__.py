"""The engine: settings resolution, evaluation, inverse, sweeps, Monte Carlo, Dask, the published-value check."""

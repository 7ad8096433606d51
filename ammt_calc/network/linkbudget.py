"""A single-cell NR link budget, vectorised over distances: TR 38.901 path loss -> SINR ->
attenuated Shannon spectral efficiency -> rate, and its inverse, the largest distance at
which a rate is met.

    PL        TR 38.901 Table 7.4.1-1 (UMa, UMi-Street Canyon, RMa, InH-Office; LOS, NLOS),
              the median path loss; `mixed` weighs LOS and NLOS by Table 7.4.2-1
    margin    shadow fading for a coverage probability p: the p-quantile of the path loss
              minus its median (sigma_SF x Phi^-1(p) for LOS or NLOS alone)
    S [dBm]   P_tx + G_tx + G_rx - (PL + margin + extra loss)
    N [dBm]   -174 dBm/Hz + 10 log10(B_alloc / Hz) + NF
    SINR      min(S - N - 10 log10(rank) - interference margin, SINR ceiling)
    SE        TR 36.942 Annex A.1: 0 below SINR_min, alpha log2(1 + SINR), at most SE_max
    rate      share x rank x SE x N_PRB x 12 / T_s x f x (1 - OH) x TDD share   (bit/s)

Distances are horizontal (d2D) from the site, in metres; frequencies in GHz inside the
path-loss formulas (as the table writes them) and the breakpoint distance uses Hz. The
model is one cell with no neighbours: interference enters only as a margin or a SINR
ceiling the caller gives. Numbers in, numbers out: no units, no parsing (the API does that).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from ..errors import UserError

C = 3.0e8  # m/s, as TR 38.901 Table 7.4.1-1 note 1 writes it
THERMAL_NOISE_DBM_HZ = -174.0  # kT at 290 K
CONDITIONS = ("los", "nlos", "mixed")
FR1_MAX_GHZ = 7.125  # TS 38.104 clause 5.1: FR1 is 410 MHz to 7125 MHz
PATH_LOSS_SOURCE = "TR 38.901 Table 7.4.1-1"
LOS_SOURCE = "TR 38.901 Table 7.4.2-1"
SHANNON_SOURCE = "TR 36.942 Annex A.1 (attenuated and truncated Shannon bound)"
# TS 38.214 Table 5.1.3.1-2 (256QAM), MCS 27: Q_m = 8, code rate 948/1024
NR_SE_MAX = 8 * 948 / 1024
NR_SE_MAX_SOURCE = "TS 38.214 Table 5.1.3.1-2 (256QAM), MCS 27: 8 x 948/1024 = 7.4063 bit/s/Hz per layer"
# TR 36.942 Table A.1 (DL) and A.2 (UL): alpha, SINR_min (dB), THR_max (bit/s/Hz, LTE)
SHANNON = {"DL": (0.6, -10.0, 4.4), "UL": (0.4, -10.0, 2.0)}
BISECTIONS = 60  # halvings of a log-distance interval: far below a millimetre
BUDGET_HAIR_DB = 1e-9


@dataclass(frozen=True)
class Scenario:
    """One column of Table 7.4.1-1: default heights, the ranges the formulas hold in, and
    the shadow-fading standard deviations (dB)."""

    name: str
    title: str
    h_bs: float
    h_ut: float
    h_bs_range: tuple[float, float]
    h_ut_range: tuple[float, float]
    fc_range_ghz: tuple[float, float]
    d_range: dict  # condition -> (min, max) metres; d2D, or d3D for InH
    sigma: dict  # condition -> dB (RMa LOS: before, after the breakpoint)
    distance_kind: str = "d2D"
    h_ut_note: str = ""


SCENARIOS = {
    "uma": Scenario("uma", "UMa", 25.0, 1.5, (25.0, 25.0), (1.5, 13.0), (0.5, 100.0),
                    {"los": (10.0, 5000.0), "nlos": (10.0, 5000.0)}, {"los": (4.0, 4.0), "nlos": 6.0},
                    h_ut_note="the table allows up to 22.5 m, but above 13 m its effective environment height"
                              " hE is drawn at random (note 1); this model uses hE = 1 m"),
    "umi": Scenario("umi", "UMi-Street Canyon", 10.0, 1.5, (10.0, 10.0), (1.5, 22.5), (0.5, 100.0),
                    {"los": (10.0, 5000.0), "nlos": (10.0, 5000.0)}, {"los": (4.0, 4.0), "nlos": 7.82}),
    "rma": Scenario("rma", "RMa", 35.0, 1.5, (10.0, 150.0), (1.0, 10.0), (0.5, 30.0),
                    {"los": (10.0, 10000.0), "nlos": (10.0, 5000.0)}, {"los": (4.0, 6.0), "nlos": 8.0}),
    "inh": Scenario("inh", "InH-Office", 3.0, 1.0, (0.0, math.inf), (0.0, math.inf), (0.5, 100.0),
                    {"los": (1.0, 150.0), "nlos": (1.0, 150.0)}, {"los": (3.0, 3.0), "nlos": 8.03},
                    distance_kind="d3D"),
}
RMA_BUILDING_RANGE = (5.0, 50.0)  # average building height h and street width W, Table 7.4.1-1 RMa
RMA_DEFAULT_BUILDING, RMA_DEFAULT_STREET = 5.0, 20.0


@dataclass(frozen=True)
class Site:
    """Where the link is: a scenario, a propagation condition, a carrier frequency, heights,
    the coverage probability the budget is sized for, and any extra loss (body, building)."""

    scenario: str
    condition: str
    fc_ghz: float
    h_bs: float
    h_ut: float
    h_building: float = RMA_DEFAULT_BUILDING
    street_width: float = RMA_DEFAULT_STREET
    coverage: float = 0.5
    extra_loss_db: float = 0.0

    @property
    def table(self) -> Scenario:
        return SCENARIOS[self.scenario]

    def distance_range(self) -> tuple[float, float]:
        """(min, max) horizontal distance in metres the table's formulas hold for this condition."""
        kinds = ("los", "nlos") if self.condition == "mixed" else (self.condition,)
        low = max(self.table.d_range[k][0] for k in kinds)
        high = min(self.table.d_range[k][1] for k in kinds)
        if self.table.distance_kind == "d3D":  # InH: the range is on d3D
            dh2 = (self.h_bs - self.h_ut) ** 2
            return math.sqrt(max(low * low - dh2, 0.0)), math.sqrt(max(high * high - dh2, 0.0))
        return low, high


def make_site(scenario: str, condition: str, fc_ghz: float, h_bs: float | None = None, h_ut: float | None = None,
              h_building: float | None = None, street_width: float | None = None, coverage: float = 0.5,
              extra_loss_db: float = 0.0) -> Site:
    """A validated Site; heights default to the table's. Out-of-range values are refused
    with the range the table allows."""
    if scenario not in SCENARIOS:
        raise UserError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)} ({PATH_LOSS_SOURCE})")
    if condition not in CONDITIONS:
        raise UserError(f"condition {condition!r} is not one of {', '.join(CONDITIONS)}")
    table = SCENARIOS[scenario]
    site = Site(scenario, condition, float(fc_ghz), table.h_bs if h_bs is None else float(h_bs),
                table.h_ut if h_ut is None else float(h_ut),
                RMA_DEFAULT_BUILDING if h_building is None else float(h_building),
                RMA_DEFAULT_STREET if street_width is None else float(street_width), float(coverage),
                float(extra_loss_db))
    _check_site(site, h_building is not None or street_width is not None)
    return site


def _check_site(site: Site, rma_extras_given: bool) -> None:
    table = site.table
    low, high = table.fc_range_ghz
    if not low <= site.fc_ghz <= high:
        raise UserError(f"{table.title}: carrier frequency {site.fc_ghz:g} GHz is outside {low:g} to {high:g} GHz,"
                        f" the range of {PATH_LOSS_SOURCE}")
    _check_range(f"{table.title}: BS height", site.h_bs, table.h_bs_range, "m")
    _check_range(f"{table.title}: UT height", site.h_ut, table.h_ut_range, "m", table.h_ut_note)
    if site.scenario == "inh" and not site.h_bs > 0:
        raise UserError(f"InH-Office: BS height {site.h_bs:g} m must be above 0 (the ceiling, 3 m by default)")
    if site.scenario == "rma":
        _check_range("RMa: average building height", site.h_building, RMA_BUILDING_RANGE, "m")
        _check_range("RMa: street width", site.street_width, RMA_BUILDING_RANGE, "m")
    elif rma_extras_given:
        raise UserError("building height and street width enter only the RMa path loss")
    if not 0.5 <= site.coverage < 1:  # below 50 % the "margin" would be a gain over the median
        raise UserError(f"coverage {100 * site.coverage:g} % must be at least 50 % (the median path loss)"
                        " and below 100 %")
    if not math.isfinite(site.extra_loss_db) or site.extra_loss_db < 0:
        raise UserError(f"extra loss {site.extra_loss_db:g} dB must be 0 dB or more")


def _check_range(what: str, value: float, bounds: tuple[float, float], unit: str, why: str = "") -> None:
    low, high = bounds
    if low <= value <= high:
        return
    allowed = f"{low:g} {unit}" if low == high else (f"at least {low:g} {unit}" if math.isinf(high)
                                                     else f"{low:g} to {high:g} {unit}")
    reason = f"; {why}" if why else ""
    raise UserError(f"{what} {value:g} {unit} is outside {PATH_LOSS_SOURCE}'s range: {allowed}{reason}")


def check_distances(site: Site, d2d) -> np.ndarray:
    """The distances as a float array, refused (with the range) where the table does not hold."""
    d = np.asarray(d2d, dtype=float)
    low, high = site.distance_range()
    bad = ~((d >= low - 1e-9) & (d <= high + 1e-9))
    if bad.any():
        first = float(d[bad].flat[0])
        kind = site.table.distance_kind
        extra = "" if kind == "d2D" else f" (1 to 150 m in d3D at hBS {site.h_bs:g} m, hUT {site.h_ut:g} m)"
        raise UserError(f"{site.table.title} {site.condition.upper()}: distance {first:g} m is outside"
                        f" {low:.6g} to {high:.6g} m{extra}, the range of {PATH_LOSS_SOURCE}")
    return d


# --- path loss (Table 7.4.1-1) ------------------------------------------------------------


def breakpoint_distance(site: Site) -> float:
    """d'BP = 4 h'BS h'UT fc / c with h' = h - 1 m (UMa, UMi; note 1), dBP = 2 pi hBS hUT fc / c
    (RMa; note 5), in metres; InH has none (inf)."""
    fc_hz = site.fc_ghz * 1e9
    if site.scenario in ("uma", "umi"):
        return 4 * (site.h_bs - 1.0) * (site.h_ut - 1.0) * fc_hz / C
    if site.scenario == "rma":
        return 2 * math.pi * site.h_bs * site.h_ut * fc_hz / C
    return math.inf


def distance_3d(site: Site, d2d) -> np.ndarray:
    return np.sqrt(np.asarray(d2d, dtype=float) ** 2 + (site.h_bs - site.h_ut) ** 2)


def path_loss_los(site: Site, d2d) -> np.ndarray:
    """The LOS path loss (dB) of Table 7.4.1-1 at horizontal distances `d2d`."""
    d2d = np.asarray(d2d, dtype=float)
    d3d, fc, dbp = distance_3d(site, d2d), site.fc_ghz, breakpoint_distance(site)
    dh2 = (site.h_bs - site.h_ut) ** 2
    if site.scenario == "uma":
        pl1 = 28.0 + 22 * np.log10(d3d) + 20 * math.log10(fc)
        pl2 = 28.0 + 40 * np.log10(d3d) + 20 * math.log10(fc) - 9 * math.log10(dbp ** 2 + dh2)
        return np.where(d2d <= dbp, pl1, pl2)
    if site.scenario == "umi":
        pl1 = 32.4 + 21 * np.log10(d3d) + 20 * math.log10(fc)
        pl2 = 32.4 + 40 * np.log10(d3d) + 20 * math.log10(fc) - 9.5 * math.log10(dbp ** 2 + dh2)
        return np.where(d2d <= dbp, pl1, pl2)
    if site.scenario == "rma":
        # PL2 = PL1(dBP) + 40 log10(d3D / dBP): PL1 taken at d3D = dBP, as the table writes it
        pl2 = _rma_pl1(site, np.float64(dbp)) + 40 * np.log10(d3d / dbp)
        return np.where(d2d <= dbp, _rma_pl1(site, d3d), pl2)
    return 32.4 + 17.3 * np.log10(d3d) + 20 * math.log10(fc)


def _rma_pl1(site: Site, d3d) -> np.ndarray:
    h = site.h_building
    return (20 * np.log10(40 * math.pi * d3d * site.fc_ghz / 3) + min(0.03 * h ** 1.72, 10) * np.log10(d3d)
            - min(0.044 * h ** 1.72, 14.77) + 0.002 * math.log10(h) * d3d)


def path_loss_nlos(site: Site, d2d) -> np.ndarray:
    """The NLOS path loss (dB): max(PL_LOS, PL'_NLOS) of Table 7.4.1-1."""
    d3d, fc = distance_3d(site, d2d), site.fc_ghz
    if site.scenario == "uma":
        prime = 13.54 + 39.08 * np.log10(d3d) + 20 * math.log10(fc) - 0.6 * (site.h_ut - 1.5)
    elif site.scenario == "umi":
        prime = 35.3 * np.log10(d3d) + 22.4 + 21.3 * math.log10(fc) - 0.3 * (site.h_ut - 1.5)
    elif site.scenario == "rma":
        h, w, hbs = site.h_building, site.street_width, site.h_bs
        prime = (161.04 - 7.1 * math.log10(w) + 7.5 * math.log10(h) - (24.37 - 3.7 * (h / hbs) ** 2) * math.log10(hbs)
                 + (43.42 - 3.1 * math.log10(hbs)) * (np.log10(d3d) - 3) + 20 * math.log10(fc)
                 - (3.2 * math.log10(11.75 * site.h_ut) ** 2 - 4.97))
    else:
        prime = 38.3 * np.log10(d3d) + 17.30 + 24.9 * math.log10(fc)
    return np.maximum(path_loss_los(site, d2d), prime)


def shadow_sigma(site: Site, condition: str, d2d) -> np.ndarray:
    """sigma_SF (dB) of Table 7.4.1-1 for `condition` (RMa LOS: 4 dB to dBP, 6 dB beyond)."""
    d2d = np.asarray(d2d, dtype=float)
    sigma = site.table.sigma[condition]
    if condition == "nlos":
        return np.full(d2d.shape, float(sigma))
    return np.where(d2d <= breakpoint_distance(site), sigma[0], sigma[1])


def los_probability(site: Site, d2d) -> np.ndarray:
    """Pr_LOS of Table 7.4.2-1: UMa (outdoor UT, hUT <= 13 m), UMi-Street Canyon, RMa, and
    for InH the Indoor-Mixed office row."""
    d = np.asarray(d2d, dtype=float)
    if site.scenario in ("uma", "umi"):
        scale = 63.0 if site.scenario == "uma" else 36.0
        safe = np.maximum(d, 18.0)  # the formula is used only beyond 18 m
        return np.where(d <= 18.0, 1.0, 18.0 / safe + np.exp(-safe / scale) * (1 - 18.0 / safe))
    if site.scenario == "rma":
        return np.where(d <= 10.0, 1.0, np.exp(-(d - 10.0) / 1000.0))
    return np.where(d <= 1.2, 1.0, np.where(d < 6.5, np.exp(-(d - 1.2) / 4.7), np.exp(-(d - 6.5) / 32.6) * 0.32))


# --- the coverage quantile ----------------------------------------------------------------


def path_loss_quantile(site: Site, d2d, p: float) -> np.ndarray:
    """The path loss (dB) not exceeded with probability p at each distance, shadow fading
    (log-normal, sigma_SF) included. `los`/`nlos`: PL + sigma x Phi^-1(p). `mixed`: the
    p-quantile of the mixture P_LOS x N(PL_LOS, sigma_LOS) + (1 - P_LOS) x N(PL_NLOS, sigma_NLOS),
    i.e. the coverage probability counts both the LOS state and the shadowing."""
    z = NormalDist().inv_cdf(p)
    if site.condition != "mixed":
        base = path_loss_los(site, d2d) if site.condition == "los" else path_loss_nlos(site, d2d)
        return base + shadow_sigma(site, site.condition, d2d) * z
    p_los = los_probability(site, d2d)
    pl = (path_loss_los(site, d2d), path_loss_nlos(site, d2d))
    sig = (shadow_sigma(site, "los", d2d), shadow_sigma(site, "nlos", d2d))
    a, b = pl[0] + sig[0] * z, pl[1] + sig[1] * z
    low, high = np.minimum(a, b), np.maximum(a, b)  # each component's p-quantile brackets the mixture's

    def cdf(x):
        return p_los * _normal_cdf((x - pl[0]) / sig[0]) + (1 - p_los) * _normal_cdf((x - pl[1]) / sig[1])

    for _ in range(BISECTIONS):  # vectorised bisection: the mixture's CDF rises with x
        mid = 0.5 * (low + high)
        below = cdf(mid) < p
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return 0.5 * (low + high)


def _normal_cdf(x) -> np.ndarray:
    """Phi(x) through erf, vectorised (numpy has no erf): Abramowitz and Stegun 7.1.26,
    |error| <= 1.5e-7, far below any coverage probability anyone asks for."""
    x = np.asarray(x, dtype=float) / math.sqrt(2)
    t = 1 / (1 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1 - poly * np.exp(-x * x)
    return 0.5 * (1 + np.sign(x) * erf)


# --- noise, SINR, spectral efficiency -----------------------------------------------------


def noise_dbm(bandwidth_hz, noise_figure_db: float) -> np.ndarray:
    """Thermal noise plus receiver noise figure: -174 dBm/Hz + 10 log10(B / Hz) + NF."""
    return THERMAL_NOISE_DBM_HZ + 10 * np.log10(np.asarray(bandwidth_hz, dtype=float)) + noise_figure_db


def attenuated_shannon(sinr_db, alpha: float, sinr_min_db: float, se_max: float) -> np.ndarray:
    """TR 36.942 A.1: 0 for SINR < SINR_min, alpha log2(1 + SINR) between, se_max above
    (bit/s/Hz, SINR linear inside the log)."""
    sinr_db = np.asarray(sinr_db, dtype=float)
    se = np.minimum(alpha * np.log2(1 + 10 ** (sinr_db / 10)), se_max)
    return np.where(sinr_db < sinr_min_db, 0.0, se)


@dataclass(frozen=True)
class Radio:
    """One direction's transmitter, receiver and SINR mapping. `tx_power_dbm` is the total
    over the whole channel; the DL spreads it evenly over the PRBs (a share of the PRBs
    gets that share of the power), the UE puts all of it into the PRBs it is given
    (`power_follows_share` False)."""

    direction: str
    tx_power_dbm: float
    tx_gain_dbi: float
    rx_gain_dbi: float
    noise_figure_db: float
    alpha: float
    sinr_min_db: float
    se_max: float
    layers: int
    interference_margin_db: float = 0.0
    sinr_max_db: float = math.inf
    power_follows_share: bool = True


@dataclass(frozen=True)
class Resources:
    """The carrier as the peak-rate formula sees it: resource elements per second
    (N_PRB x 12 / T_s), the occupied bandwidth (N_PRB x 12 x SCS, the noise bandwidth),
    the overhead OH, the direction's TDD share and the scaling factor f."""

    re_per_second: float
    occupied_hz: float
    overhead: float
    tdd_share: float = 1.0
    scaling: float = 1.0


@dataclass
class Curve:
    """The budget at each distance (arrays of one shape; dB, dBm, bit/s/Hz, bit/s)."""

    distance: np.ndarray
    path_loss: np.ndarray  # the median (p = 50 %)
    shadow_margin: np.ndarray  # quantile at the coverage probability minus the median
    los_probability: np.ndarray
    rx_power: np.ndarray
    noise: np.ndarray
    snr: np.ndarray  # all layers together, before interference
    sinr: np.ndarray  # per layer at the chosen rank, with the interference margin/ceiling
    spectral_efficiency: np.ndarray  # per layer
    rank: np.ndarray
    rate: np.ndarray
    notes: list = field(default_factory=list)


def evaluate(site: Site, radio: Radio, resources: Resources, d2d, share: float = 1.0) -> Curve:
    """The link budget at every distance of `d2d`, with `share` (0 < share <= 1) of the PRBs."""
    d = check_distances(site, d2d)
    median = path_loss_quantile(site, d, 0.5) if site.condition == "mixed" else _median(site, d)
    loss = median if site.coverage == 0.5 else path_loss_quantile(site, d, site.coverage)
    power = radio.tx_power_dbm + (10 * math.log10(share) if radio.power_follows_share else 0.0)
    rx = power + radio.tx_gain_dbi + radio.rx_gain_dbi - loss - site.extra_loss_db
    noise = noise_dbm(share * resources.occupied_hz, radio.noise_figure_db) * np.ones_like(d)
    snr = rx - noise
    rate, se, sinr, rank = _best_rank(snr, radio, resources, share)
    return Curve(d, median, loss - median, los_probability(site, d), rx, noise, snr, sinr, se, rank, rate)


def _median(site: Site, d) -> np.ndarray:
    return path_loss_los(site, d) if site.condition == "los" else path_loss_nlos(site, d)


def _best_rank(snr, radio: Radio, resources: Resources, share: float):
    """Rank adaptation: each rank r <= layers splits the power over r layers (SNR - 10 log10 r
    per layer); the rank with the highest rate is taken."""
    best = None
    for rank in range(1, radio.layers + 1):
        sinr = np.minimum(snr - 10 * math.log10(rank) - radio.interference_margin_db, radio.sinr_max_db)
        se = attenuated_shannon(sinr, radio.alpha, radio.sinr_min_db, radio.se_max)
        rate = rate_bps(se, rank, resources, share)
        if best is None:
            best = [rate, se, sinr, np.full(rate.shape, rank)]
            continue
        better = rate > best[0]
        best = [np.where(better, new, old) for new, old in zip((rate, se, sinr, rank), best)]
    return best


def rate_bps(se, rank, resources: Resources, share: float = 1.0) -> np.ndarray:
    """The peak-rate formula with the spectral efficiency in place of Q_m x R_max:
    share x rank x SE x N_PRB x 12 / T_s x f x (1 - OH) x TDD share, in bit/s."""
    return (share * np.asarray(rank) * np.asarray(se) * resources.re_per_second * resources.scaling
            * (1 - resources.overhead) * resources.tdd_share)


# --- the inverse: how far a rate reaches --------------------------------------------------


@dataclass
class Reach:
    """The largest distance at which each required rate is met (metres; NaN where none is),
    whether it is met at all, whether the table's range ended first, and the rate at the
    nearest distance the table allows (the bound an infeasible rate is compared with)."""

    distance: np.ndarray
    feasible: np.ndarray
    range_limited: np.ndarray
    nearest: float
    farthest: float
    rate_at_nearest: float
    rate_at_farthest: float


def max_distance(site: Site, radio: Radio, resources: Resources, required_bps, share: float = 1.0) -> Reach:
    """For each required rate (bit/s), the largest horizontal distance at which the link
    gives at least that rate with `share` of the PRBs. The rate rises with the SNR and the
    SNR falls with the path loss, so each rate is first turned into the largest path loss
    (quantile at the coverage probability) that still gives it (`loss_budget`, no distance
    involved); the path loss never falls with distance (its median, its margin and the NLOS
    share only grow), so a vectorised bisection on log-distance finds where it reaches that
    budget. A rate not met at the table's nearest distance is infeasible, one still met at
    its farthest reaches that far and no further (the model says nothing beyond its range)."""
    need = np.asarray(required_bps, dtype=float)
    near, far = site.distance_range()
    near = max(near, 1e-3)  # InH may start at 0 m; log-distance needs a positive start
    ends = evaluate(site, radio, resources, np.array([near, far]), share).rate
    # a nanodecibel inside the budget: at the reach `evaluate` meets the rate even where the rate
    # drops off a cliff (below SINR_min), not only to within rounding
    budget = loss_budget(site, radio, resources, need, share) - BUDGET_HAIR_DB
    feasible = within_budget(site, np.full(need.shape, near), budget)
    limited = feasible & within_budget(site, np.full(need.shape, far), budget)
    todo = feasible & ~limited
    low = np.full(need.shape, math.log(near))
    high = np.full(need.shape, math.log(far))
    if todo.any():
        for _ in range(BISECTIONS):
            mid = 0.5 * (low + high)
            met = within_budget(site, np.exp(mid), budget)
            low, high = np.where(met, mid, low), np.where(met, high, mid)
    distance = np.where(limited, far, np.where(todo, np.exp(low), np.nan))
    return Reach(distance, feasible, limited, near, far, float(ends[0]), float(ends[1]))


def snr_needed(radio: Radio, resources: Resources, required_bps, share: float = 1.0) -> np.ndarray:
    """The smallest SNR (dB, all layers together, as `Curve.snr`) at which the link gives each
    rate: `_best_rank` inverted. Rank r meets a rate R when its spectral efficiency per layer
    SE = R / rate_bps(1, r) is at most SE_max and its SINR, max(10 log10(2^(SE/alpha) - 1),
    SINR_min), is at most the ceiling; then SNR = SINR + 10 log10 r + interference margin.
    The best rank's rate reaches R exactly when some rank's does: the smallest of those SNRs
    (inf where no rank can, -inf for a rate of 0)."""
    need = np.asarray(required_bps, dtype=float)
    best = np.full(need.shape, np.inf)
    with np.errstate(all="ignore"):
        for rank in range(1, radio.layers + 1):
            se = need / float(rate_bps(1.0, rank, resources, share))
            sinr = np.maximum(10 * np.log10(np.expm1(se / radio.alpha * math.log(2))), radio.sinr_min_db)
            # a hair of tolerance: a rate computed as rank x SE_max x ... must count as met at SE_max
            usable = (se <= radio.se_max * (1 + 1e-12)) & (sinr <= radio.sinr_max_db)
            best = np.minimum(best, np.where(usable, sinr + 10 * math.log10(rank) + radio.interference_margin_db,
                                             np.inf))
    return np.where(need <= 0, -np.inf, best)


def loss_budget(site: Site, radio: Radio, resources: Resources, required_bps, share: float = 1.0) -> np.ndarray:
    """The largest path loss (dB, the quantile at the coverage probability) at which the link
    still gives each rate: P_tx + G_tx + G_rx - extra loss - N - SNR needed (as `evaluate`)."""
    power = radio.tx_power_dbm + (10 * math.log10(share) if radio.power_follows_share else 0.0)
    noise = float(noise_dbm(share * resources.occupied_hz, radio.noise_figure_db))
    return (power + radio.tx_gain_dbi + radio.rx_gain_dbi - site.extra_loss_db - noise
            - snr_needed(radio, resources, required_bps, share))


def within_budget(site: Site, d2d, budget) -> np.ndarray:
    """Whether the path loss not exceeded with the coverage probability p stays within
    `budget` (dB) at each distance. `los`/`nlos`: PL + sigma x Phi^-1(p) <= budget. `mixed`:
    the mixture's p-quantile is within the budget exactly when its CDF at the budget is at
    least p (`path_loss_quantile`, without its bisection)."""
    d = np.asarray(d2d, dtype=float)
    budget = np.asarray(budget, dtype=float)
    p = site.coverage
    if site.condition != "mixed":
        z = NormalDist().inv_cdf(p)
        base = path_loss_los(site, d) if site.condition == "los" else path_loss_nlos(site, d)
        return base + shadow_sigma(site, site.condition, d) * z <= budget
    p_los = los_probability(site, d)
    with np.errstate(invalid="ignore"):  # a budget of -inf or inf: the CDF is 0 or 1
        cdf = (p_los * _normal_cdf((budget - path_loss_los(site, d)) / shadow_sigma(site, "los", d))
               + (1 - p_los) * _normal_cdf((budget - path_loss_nlos(site, d)) / shadow_sigma(site, "nlos", d)))
    return np.nan_to_num(cdf, nan=0.0) >= p


# --- defaults: ITU-R M.2412-0 evaluation configurations ----------------------------------


@dataclass(frozen=True)
class Defaults:
    """Powers, gains and noise figures of one M.2412 evaluation configuration row.
    The BS power is given for a reference bandwidth; scaled to the channel at the same
    power spectral density."""

    bs_power_dbm: float
    bs_power_bandwidth_mhz: float
    bs_gain_dbi: float
    ue_gain_dbi: float
    bs_noise_figure_db: float
    ue_noise_figure_db: float
    source: str
    ue_power_dbm: float = 23.0  # UE power class 3 (TS 38.101-1), M.2412 "UE power class 23 dBm"

    def bs_power_for(self, bandwidth_mhz: float) -> float:
        return self.bs_power_dbm + 10 * math.log10(bandwidth_mhz / self.bs_power_bandwidth_mhz)


_M2412 = "ITU-R M.2412-0 (10/2017) clause 8.4, evaluation configuration parameters"
DEFAULTS = {
    ("uma", "FR1"): Defaults(44.0, 20.0, 8.0, 0.0, 5.0, 7.0, f"{_M2412}, Dense Urban-eMBB, macro layer, 4 GHz"),
    ("uma", "FR2"): Defaults(40.0, 80.0, 8.0, 5.0, 7.0, 10.0, f"{_M2412}, Dense Urban-eMBB, macro layer, 30 GHz"),
    ("umi", "FR1"): Defaults(33.0, 20.0, 8.0, 0.0, 5.0, 7.0, f"{_M2412}, Dense Urban-eMBB, micro layer, 4 GHz"),
    ("umi", "FR2"): Defaults(33.0, 80.0, 8.0, 5.0, 7.0, 10.0, f"{_M2412}, Dense Urban-eMBB, micro layer, 30 GHz"),
    ("rma", "FR1"): Defaults(46.0, 10.0, 8.0, 0.0, 5.0, 7.0, f"{_M2412}, Rural-eMBB, configurations A/B (700 MHz, 4 GHz)"),
    ("inh", "FR1"): Defaults(24.0, 40.0, 5.0, 0.0, 5.0, 7.0, f"{_M2412}, Indoor Hotspot-eMBB, 4 GHz"),
    ("inh", "FR2"): Defaults(23.0, 80.0, 5.0, 5.0, 7.0, 10.0, f"{_M2412}, Indoor Hotspot-eMBB, 30 GHz"),
}


def defaults_for(scenario: str, fc_ghz: float) -> tuple[Defaults, list[str]]:
    """The M.2412 row of a scenario at a carrier frequency (FR1 rows up to 7.125 GHz), with a
    note where no row of that range exists (rural has none above 4 GHz)."""
    band = "FR1" if fc_ghz <= FR1_MAX_GHZ else "FR2"
    if (scenario, band) in DEFAULTS:
        return DEFAULTS[(scenario, band)], []
    return DEFAULTS[(scenario, "FR1")], [f"M.2412 has no {scenario.upper()} row above {FR1_MAX_GHZ:g} GHz:"
                                         " the FR1 powers, gains and noise figures are used"]

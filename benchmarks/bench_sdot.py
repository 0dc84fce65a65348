"""Benchmark of the SDOT solver (issue #2).

Run ``python benchmarks/bench_sdot.py [--quick]``. Prints plain-text tables to
stdout and writes the 1-D figure to ``benchmarks/out/sdot_1d.png`` (``--quick``:
``sdot_1d_quick.png``, so that a smoke test does not overwrite the full figure).
Numba kernels are warmed up before anything is timed; all "seconds" of the
solver are training time only (``SemiDiscreteOT.seconds``: the ASGD kernel, not
the drawing of samples).

1. The seed's 1-D experiment (mu = N(0,1), nu uniform on J = 1000 points of
   (-1, 1)): the exact L1 cell-mass error against samples and seconds for
   1-layer ASGD, 2 and 3 layers (32 clusters), 2 layers with the plain 1/n
   average, and the naive multiscale warm start (Merigot 2011).
2. Patch-space scale (D = 147, J = 16000, synthetic 7x7 RGB "patches"): 1 vs 2
   vs 3 layers (40 clusters): training and assignment speed, and the mass
   error on fresh samples after the same training-time budget.
3. POT's entropic stochastic semi-dual solver (``ot.stochastic``) on both
   problems, its target potential used as power-diagram weights.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import ot as pot  # noqa: E402

from common import cores, cpu_model, load_average  # noqa: E402
from texto_cli.ot import exact1d, hierarchy, sdot  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Config:
    figure: str = "sdot_1d.png"        # in benchmarks/out/
    # section 1: 1-D
    j1d: int = 1000
    clusters1d: int = 32
    samples1d: int = 1_000_000
    long1d: int | None = 2 ** 23       # long run of the multi-layer methods (None: skip)
    long_flat: bool = True             # also run 1-layer ASGD and naive multiscale for long1d samples
    coarse_factor: int = 8             # naive multiscale: J / coarse_factor coarse points
    coarse_share: float = 0.25         # naive multiscale: share of the samples spent on the coarse level
    # section 2: patch space
    dim: int = 147
    j_patch: int = 16_000
    clusters_patch: int = 40
    budget_seconds: float = 30.0       # training-time budget of each method
    fresh: int = 2_000_000             # fresh samples for the mass error of multi-layer maps
    fresh_flat: int = 100_000          # ... of the 1-layer map (150 s per 1e6 at J = 16000)
    assign_n: int = 1_000_000          # points per assignment timing
    assign_flat_n: int = 10_000        # ... for the 1-layer map (scaled to 1e6)
    # section 3: POT
    pot_regs: tuple[float, ...] = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003)
    pot_ns_1d: int = 20_000
    pot_search_iters_1d: int = 2 ** 14
    pot_iters_1d: int = 2 ** 18        # a power of 2: texto's 1-D trace has a point there
    pot_ns_patch: int = 5000
    pot_search_iters_patch: int = 3000


FULL = Config()
QUICK = Config(figure="sdot_1d_quick.png", samples1d=2 ** 17, long1d=None, long_flat=False,
               j_patch=2000, budget_seconds=1.5, fresh=200_000, fresh_flat=100_000,
               assign_n=100_000, assign_flat_n=10_000,
               pot_regs=(1.0, 0.1, 0.01), pot_ns_1d=5000, pot_search_iters_1d=2 ** 11,
               pot_iters_1d=2 ** 14, pot_ns_patch=1000, pot_search_iters_patch=1000)

# ----------------------------------------------------------------------------- utilities

def load_line() -> str:
    """Other processes share the machine: timings are only comparable at a low load."""
    return "load average (1, 5, 15 min): " + load_average()


def machine_line() -> str:
    return (f"machine: {cpu_model()}, {cores()}, numba threads {numba.get_num_threads()} "
            f"(numpy {np.__version__}, numba {numba.__version__}, POT {pot.__version__})")


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    def fmt(v) -> str:
        if isinstance(v, float):
            return f"{v:.4g}"
        if isinstance(v, (int, np.integer)):
            return f"{v:,}"
        return str(v)

    cells = [header] + [[fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for k, row in enumerate(cells):
        print("  ".join(c.rjust(w) if k and i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def no_monitor(o: sdot.SemiDiscreteOT) -> float:
    return float("nan")


def warm_up() -> None:
    """Compile (or load) every numba kernel on a tiny problem."""
    y = np.random.default_rng(0).random((64, 3))
    sample = lambda n, rng: rng.random((n, 3))  # noqa: E731
    for layers in (1, 2):
        o = sdot.fit(sample, y, layers=layers, clusters=4, iters=2048, monitor=no_monitor)
        o.assign(y)
        o.diagnostics(y)


def timed(f: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def flat_map(targets: np.ndarray, masses: np.ndarray, weights: np.ndarray | None = None) -> sdot.SemiDiscreteOT:
    """A 1-layer map onto (J, D) targets with the given (J,) leaf weights (default 0), default step."""
    tree = hierarchy.build_tree(targets, masses, 1, len(targets), np.random.default_rng(0))
    o = sdot.SemiDiscreteOT(tree=tree, weights=np.zeros(tree.n_nodes), step=sdot.default_step(tree), layers=1)
    if weights is not None:
        o.weights[tree.leaves] = weights
    return o


# ----------------------------------------------------------------------------- 1. the 1-D experiment

@dataclass
class Run:
    label: str
    ot: sdot.SemiDiscreteOT

    @property
    def final(self) -> float:
        return self.ot.trace[-1].value


def exact_monitor(J: int) -> Callable[[sdot.SemiDiscreteOT], float]:
    return lambda o: exact1d.mass_error(o.assign, J)


def naive_multiscale(J: int, iters: int, cfg: Config, seed: int = 0) -> sdot.SemiDiscreteOT:
    """Coarse-to-fine ASGD (Merigot 2011 style warm start), total ``iters`` samples.

    Coarse level: k-means of the targets into J / coarse_factor clusters, each a
    target at its centroid carrying the cluster's mass; 1-layer ASGD on it for
    ``coarse_share * iters`` samples. Fine level: every target inherits its
    cluster's weight (no continuity correction), then 1-layer ASGD restarts
    from there (``sdot.fit(init=...)``: iterate and average = the inherited
    weights, step schedule restarted) for the remaining samples. While the
    coarse level trains, the trace records the exact error of the fine map with
    inherited weights.
    """
    y = exact1d.targets(J)
    nu = np.full(J, 1.0 / J)
    labels = hierarchy.kmeans(y.astype(np.float32), nu, J // cfg.coarse_factor, np.random.default_rng(seed))
    k = labels.max() + 1
    c_mass = np.bincount(labels, nu, k)
    c_centers = np.stack([np.bincount(labels, nu * y[:, d], k) for d in range(y.shape[1])], 1) / c_mass[:, None]
    inherited = lambda coarse: coarse.leaf_weights[labels]  # noqa: E731
    n_coarse = int(cfg.coarse_share * iters)
    coarse = sdot.fit(exact1d.gaussian_sampler, c_centers, c_mass, layers=1, iters=n_coarse, seed=seed,
                      monitor=lambda o: exact1d.mass_error(flat_map(y, nu, inherited(o)).assign, J))
    fine = sdot.fit(exact1d.gaussian_sampler, y, nu, layers=1, iters=iters - n_coarse, seed=seed + 1,
                    init=inherited(coarse), monitor=exact_monitor(J))
    fine.trace = coarse.trace + [sdot.TracePoint(n_coarse + p.samples, coarse.seconds + p.seconds, p.value)
                                 for p in fine.trace]
    fine.iters, fine.seconds = iters, coarse.seconds + fine.seconds
    return fine


def fit_1d(layers: int, iters: int, cfg: Config, eta: float = 3.0) -> sdot.SemiDiscreteOT:
    return sdot.fit(exact1d.gaussian_sampler, exact1d.targets(cfg.j1d), layers=layers,
                    clusters=cfg.clusters1d, iters=iters, seed=0, average_eta=eta,
                    monitor=exact_monitor(cfg.j1d))


def section_1d(cfg: Config) -> dict[str, Run]:
    """Exact 1-D cell-mass error vs samples and seconds; returns the runs by label."""
    J, n, c = cfg.j1d, cfg.samples1d, cfg.clusters1d
    methods: dict[str, Callable[[int], sdot.SemiDiscreteOT]] = {
        "1 layer": lambda it: fit_1d(1, it, cfg),
        f"2 layers ({c} cl.)": lambda it: fit_1d(2, it, cfg),
        f"2 layers ({c} cl.), 1/n avg": lambda it: fit_1d(2, it, cfg, eta=0.0),
        f"3 layers ({c} cl.)": lambda it: fit_1d(3, it, cfg),
        f"naive multiscale (J/{cfg.coarse_factor})": lambda it: naive_multiscale(J, it, cfg),
    }
    long_ok = {"1 layer": cfg.long_flat, f"naive multiscale (J/{cfg.coarse_factor})": cfg.long_flat}
    runs: dict[str, Run] = {}
    rows = []
    for label, run in methods.items():
        short = Run(label, run(n))
        runs[label] = short
        rows.append([label, short.ot.iters, short.ot.seconds, short.final, short.final])
        if cfg.long1d and long_ok.get(label, True):
            long = Run(label, run(cfg.long1d))
            runs[label + " long"] = long
            rows.append([label, long.ot.iters, long.ot.seconds, long.final, short.final])
    print_table(f"1. 1-D: N(0,1) -> {J} points of (-1,1), exact L1 cell-mass error "
                f"(seconds = training only; naive multiscale: {cfg.coarse_share:.0%} of the samples on "
                f"J/{cfg.coarse_factor} k-means centroids)",
                ["method", "samples", "seconds", "final error", f"error @{n:,}"], rows)
    plot_1d(runs, J, n, OUT / cfg.figure)
    return runs


def _is_prefix(short: list[sdot.TracePoint], long: list[sdot.TracePoint]) -> bool:
    """True if every point of ``short`` but its last is also a point of ``long`` (same samples, value)."""
    points = {(p.samples, p.value) for p in long}
    return all((p.samples, p.value) in points for p in short[:-1])


def plot_1d(runs: dict[str, Run], J: int, n: int, path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    colors = dict(zip([k for k in runs if not k.endswith(" long")], plt.cm.tab10.colors))
    for key, run in runs.items():
        long = runs.get(key + " long")
        if long is not None and _is_prefix(run.ot.trace, long.ot.trace):
            continue  # the long run starts with the same samples (same seed): plot it only
        samples = [p.samples for p in run.ot.trace]
        seconds = [p.seconds for p in run.ot.trace]
        errors = [p.value for p in run.ot.trace]
        style = "--" if "1/n" in run.label else ":" if long is not None else "-"
        label = f"{run.label}, {run.ot.iters:,} samples" if long is not None else run.label
        for ax, xs in zip(axes, (samples, seconds)):
            ax.loglog(xs, errors, style, marker=".", color=colors[run.label], label=label)
    nearest = exact1d.mass_error(flat_map(exact1d.targets(J), np.full(J, 1.0 / J)).assign, J)
    for ax in axes:
        ax.axhline(nearest, color="gray", ls="--", lw=1, label="nearest neighbour (v = 0)")
    axes[0].axvline(n, color="gray", ls=":", lw=1)
    axes[0].set_xlabel("samples")
    axes[1].set_xlabel("training seconds")
    for ax in axes:
        ax.set_ylabel("exact L1 cell-mass error")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    fig.suptitle(f"SDOT, 1-D: N(0,1) -> uniform on J = {J} points of (-1, 1)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ----------------------------------------------------------------------------- 2. patch space

@dataclass
class PatchProblem:
    targets: np.ndarray     # (J, D) float32 in [0, 1]
    mean: np.ndarray        # (D,) source mean
    sigma: float            # source standard deviation per coordinate

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.sigma * rng.standard_normal((n, len(self.mean)), dtype=np.float32)


def patch_problem(J: int, dim: int, seed: int = 1, components: int = 48, rank: int = 6) -> PatchProblem:
    """Synthetic 7x7 RGB "patches": a Gaussian mixture with low-rank covariances, clipped to [0,1]^D.

    Each of ``components`` components has a mean patch (a base colour plus a
    soft oriented edge of another colour) and a rank-``rank`` covariance spanned
    by smooth patterns (low-frequency cosines times random colour vectors), plus
    small isotropic noise (sd 0.02). The source is the isotropic Gaussian
    N(m, s^2 I) with the targets' mean m and total variance D s^2.
    """
    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(dim / 3)))
    assert 3 * side * side == dim, "dim must be 3 * side^2"
    u, v = np.meshgrid(np.linspace(-1, 1, side), np.linspace(-1, 1, side), indexing="ij")
    freqs = [(a, b) for a in range(3) for b in range(3) if a + b > 0]
    comp = rng.integers(components, size=J)
    y = np.empty((J, side, side, 3))
    for k in range(components):
        theta = rng.uniform(0, np.pi)
        edge = np.tanh((np.cos(theta) * u + np.sin(theta) * v - rng.uniform(-0.5, 0.5)) / rng.uniform(0.1, 0.6))
        mean = rng.uniform(0.2, 0.8, 3) + 0.5 * (edge[..., None] + 1) * rng.uniform(-0.3, 0.3, 3)
        basis = []
        for a, b in (freqs[i] for i in rng.choice(len(freqs), rank, replace=False)):
            pattern = np.cos(np.pi * (a * u + b * v) / 2 + rng.uniform(0, np.pi))
            basis.append(pattern[..., None] * rng.normal(0, 0.08, 3))
        idx = np.flatnonzero(comp == k)
        z = rng.standard_normal((len(idx), rank))
        y[idx] = mean + np.tensordot(z, np.array(basis), 1) + rng.normal(0, 0.02, (len(idx), side, side, 3))
    y = np.clip(y, 0, 1).reshape(J, dim).astype(np.float32)
    m = y.mean(0)
    return PatchProblem(y, m, float(np.sqrt(((y - m) ** 2).sum(1).mean() / dim)))


def fit_for_budget(prob: PatchProblem, layers: int, clusters: int, seconds: float) -> sdot.SemiDiscreteOT:
    """Fit with as many samples as fit in ``seconds`` of training, estimated from a short run."""
    probe_iters = 2048 if layers == 1 else 32768
    kw = dict(layers=layers, clusters=clusters, seed=0, monitor=no_monitor)
    probe = sdot.fit(prob.sample, prob.targets, iters=probe_iters, **kw)
    iters = max(probe_iters, int(seconds * probe.iters / probe.seconds))
    return sdot.fit(prob.sample, prob.targets, iters=iters, **kw)


def assign_seconds_per_million(o: sdot.SemiDiscreteOT, x: np.ndarray) -> float:
    return float(np.median([timed(lambda: o.assign(x)) for _ in range(3)])) * 1e6 / len(x)


def sampling_floor(J: int, n: int, rng: np.random.Generator, reps: int = 5) -> float:
    """Expected L1 mass error of the exact map measured on n samples (multinomial noise)."""
    return float(np.mean([np.abs(rng.multinomial(n, np.full(J, 1.0 / J)) / n - 1.0 / J).sum()
                          for _ in range(reps)]))


PatchResults = dict[str, tuple[sdot.SemiDiscreteOT, dict]]


def section_patch(cfg: Config) -> tuple[PatchProblem, np.ndarray, PatchResults]:
    """Patch-space speed and mass error after the same training-time budget."""
    prob = patch_problem(cfg.j_patch, cfg.dim)
    rng = np.random.default_rng(123)
    fresh = prob.sample(cfg.fresh, rng)
    n_small = min(cfg.fresh_flat, cfg.fresh)
    c = cfg.clusters_patch
    results: PatchResults = {}
    rows = []
    for label, layers in (("1 layer", 1), (f"2 layers ({c} cl.)", 2), (f"3 layers ({c} cl.)", 3)):
        o = fit_for_budget(prob, layers, c, cfg.budget_seconds)
        n_assign = cfg.assign_flat_n if layers == 1 else cfg.assign_n
        assign_s = assign_seconds_per_million(o, fresh[:n_assign])
        small = o.diagnostics(fresh[:n_small])
        big = small if layers == 1 else o.diagnostics(fresh)
        results[label] = (o, small)
        rows.append([label, o.seconds / o.iters * 1e6, f"{o.iters:.1e}", assign_s, f"{n_assign:.0e}",
                     o.iters, o.seconds, small["mass_l1"], "-" if layers == 1 else big["mass_l1"],
                     big["empty_share"], big["max_ratio"]])
    rows.append(["exact map (sampling floor)", "", "", "", "", "", "", sampling_floor(cfg.j_patch, n_small, rng),
                 sampling_floor(cfg.j_patch, cfg.fresh, rng), 0.0, ""])
    print_table(f"2. Patch space: D = {cfg.dim}, J = {cfg.j_patch} synthetic patches (Gaussian mixture, "
                f"48 low-rank components, clipped to [0,1]); source N(m, {prob.sigma:.3f}^2 I); "
                f"{cfg.budget_seconds:g} s training budget each",
                ["method", "train s/1e6", "(on n)", "assign s/1e6", "(on n, med of 3)", "budget samples",
                 "train s", f"mass_l1 @{n_small:.0e}", f"mass_l1 @{cfg.fresh:.0e}", "empty_share",
                 "max m/nu"], rows)
    print(f"   (empty_share and max m/nu on {cfg.fresh:.0e} fresh samples, {n_small:.0e} for 1 layer; "
          "train s/1e6 and assign s/1e6 scaled from the n shown)")
    return prob, fresh[:n_small], results


# ----------------------------------------------------------------------------- 3. POT reference

def pot_semi_dual(M: np.ndarray, reg: float, iters: int, lr: float | None, seed: int = 0) -> tuple[np.ndarray, float]:
    """POT's entropic semi-dual ASGD between uniform discrete measures with (ns, J) cost M.

    Returns the target potential beta (J,) and the seconds of the call. POT maximises
    sum_i a_i [sum_j b_j beta_j - reg log sum_j b_j exp((beta_j - M_ij) / reg)], whose
    reg -> 0 limit is the SDOT dual with v = beta: T(x) = argmin_j M(x, y_j) - beta_j.
    """
    a, b = np.full(M.shape[0], 1.0 / M.shape[0]), np.full(M.shape[1], 1.0 / M.shape[1])
    np.random.seed(seed)  # POT's ASGD draws from numpy's global generator
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, log = pot.stochastic.solve_semi_dual_entropic(a, b, M, reg, "ASGD", numItermax=iters, lr=lr, log=True)
    return log["beta"], time.perf_counter() - t0


def pot_rows(name: str, M: np.ndarray, C: float, search_iters: int, final_iters: Callable[[float], int],
             regs: tuple[float, ...], error: Callable[[np.ndarray], float], search_error: bool,
             default_lr: bool) -> list[list]:
    """Search reg downwards with short runs, for lr = C (texto's step constant of the flat problem)
    and, if default_lr, POT's default lr = reg * ns, until all give a non-finite potential; then a
    final run at the smallest reg finite with lr = C, for final_iters(seconds per iteration, i.e.
    the search runs' seconds minus those of a 1-iteration call (the plan), per iteration)."""
    lrs = ([("default", None)] if default_lr else []) + [("C", C)]
    rows, smallest = [], None
    for reg in regs:
        finite_any = False
        for lr_name, lr in lrs:
            beta, s = pot_semi_dual(M, reg, search_iters, lr)
            finite = bool(np.isfinite(beta).all())
            finite_any |= finite
            if finite and lr is not None:
                smallest = reg
            lr_value = reg * M.shape[0] if lr is None else lr
            rows.append([name, reg, f"{lr_name} ({lr_value:.3g})", search_iters, s, "yes" if finite else "NO",
                         error(beta) if finite and search_error else "-"])
        if not finite_any:
            break
    if smallest is not None:
        fixed = pot_semi_dual(M, smallest, 1, C)[1]
        iters = final_iters(max(float(np.median([r[4] for r in rows])) - fixed, 1e-9) / search_iters)
        beta, s = pot_semi_dual(M, smallest, iters, C)
        finite = bool(np.isfinite(beta).all())
        rows.append([name + " FINAL", smallest, f"C ({C:.3g})", iters, s, "yes" if finite else "NO",
                     error(beta) if finite else "-"])
    return rows


def section_pot(cfg: Config, runs_1d: dict[str, Run], prob: PatchProblem, fresh: np.ndarray,
                patch_results: PatchResults) -> None:
    """POT's entropic semi-dual ASGD as the outside reference on both problems: the source is a
    fixed sample of ns points, its target potential beta is used as power-diagram weights."""
    rng = np.random.default_rng(7)
    J, Jp = cfg.j1d, cfg.j_patch
    y1 = exact1d.targets(J)
    flat_1d = lambda beta: flat_map(y1, np.full(J, 1.0 / J), beta)  # noqa: E731
    flat_patch = lambda beta: flat_map(prob.targets, np.full(Jp, 1.0 / Jp), beta)  # noqa: E731
    M1 = pot.dist(exact1d.gaussian_sampler(cfg.pot_ns_1d, rng), y1)
    Mp = pot.dist(prob.sample(cfg.pot_ns_patch, rng).astype(np.float64), prob.targets.astype(np.float64))

    rows = pot_rows(f"POT 1-D (ns={cfg.pot_ns_1d})", M1, float(flat_1d(None).step[0]), cfg.pot_search_iters_1d,
                    lambda per_iter: cfg.pot_iters_1d, cfg.pot_regs,
                    lambda beta: exact1d.mass_error(flat_1d(beta).assign, J), search_error=True, default_lr=True)
    ref = next(p for p in runs_1d["1 layer"].ot.trace if p.samples == cfg.pot_iters_1d)
    rows.append(["texto 1-layer ASGD 1-D", "0", "C", ref.samples, ref.seconds, "yes", ref.value])
    rows += pot_rows(f"POT D={cfg.dim} (ns={cfg.pot_ns_patch})", Mp, float(flat_patch(None).step[0]),
                     cfg.pot_search_iters_patch, lambda per_iter: int(cfg.budget_seconds / per_iter), cfg.pot_regs,
                     lambda beta: flat_patch(beta).diagnostics(fresh)["mass_l1"], search_error=False,
                     default_lr=False)
    for label, (o, diag) in patch_results.items():
        rows.append([f"texto {label} D={cfg.dim}", "0", "C", o.iters, o.seconds, "yes", diag["mass_l1"]])
    print_table("3. POT ot.stochastic.solve_semi_dual_entropic(method='ASGD') on a fixed source sample, "
                "M = squared distance (unscaled), its beta as power weights",
                ["solver", "reg", "lr", "iters", "seconds", "finite", "mass error"], rows)
    print(f"   mass error: exact L1 for 1-D; L1 on the {len(fresh):.0e} fresh samples of section 2 for D={cfg.dim} "
          f"(search rows not evaluated there). POT seconds include its final (ns, J) plan. The 1-D texto row is "
          f"the section-1 1-layer run after the same number of samples; the D={cfg.dim} FINAL run gets the "
          f"{cfg.budget_seconds:g} s budget of section 2 (iterations from the search runs' speed, minus the plan). "
          f"Mean cost: 1-D {M1.mean():.3g}, D={cfg.dim} {Mp.mean():.3g}.")


# ----------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small budgets (smoke test, < 1 min)")
    args = parser.parse_args()
    cfg = QUICK if args.quick else FULL
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    print(machine_line())
    print(f"mode: {'quick' if args.quick else 'full'}; {load_line()}")
    warm_up()
    t1 = time.perf_counter()
    runs_1d = section_1d(cfg)
    t2 = time.perf_counter()
    prob, fresh, patch_results = section_patch(cfg)
    t3 = time.perf_counter()
    section_pot(cfg, runs_1d, prob, fresh, patch_results)
    t4 = time.perf_counter()
    print(f"\nwall time by section: warm-up {t1 - t0:.0f} s, 1-D {t2 - t1:.0f} s, patch space {t3 - t2:.0f} s, "
          f"POT {t4 - t3:.0f} s")
    print(f"\nfigure: {OUT / cfg.figure}\ntotal wall time: {time.perf_counter() - t0:.0f} s; {load_line()}")


if __name__ == "__main__":
    main()

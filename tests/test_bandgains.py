"""Band gains: the energy model, the solver, and the fit's choice."""

import numpy as np

from texto_cli.texture.bandgains import MARGIN, energy_matrices, fit_band_gains, solve_gains
from texto_cli.image.pyramid import band_std, scale_bands, upsample
from texto_cli.texture.synthesis import run

RNG = np.random.default_rng(5)


def _textured(shape):
    """A periodic float32 image with energy in every octave (white noise plus its upsampled
    coarser copies)."""
    x = RNG.standard_normal(shape).astype(np.float32)
    for f in (2, 4, 8):
        coarse = RNG.standard_normal((shape[0] // f, shape[1] // f, shape[2])).astype(np.float32)
        for _ in range(int(np.log2(f))):
            coarse = upsample(coarse, periodic=True)
        x += coarse
    return x


def test_energy_matrices_predict_the_band_energies_under_any_gains():
    samples = [_textured((64, 96, 2)) for _ in range(2)]
    M = energy_matrices(samples, 4)
    assert M.shape == (4, 2, 5, 5)
    for _ in range(3):
        g = RNG.uniform(0.5, 1.5, (4, 2)).astype(np.float32)
        measured = np.mean([band_std(scale_bands(s.copy(), g, periodic=True), 4, periodic=True) ** 2
                            for s in samples], axis=0)
        for k in range(4):
            for c in range(2):
                v = np.append(g[:, c], 1.0)
                np.testing.assert_allclose(v @ M[k, c] @ v, measured[k, c], rtol=1e-3)


def test_solve_gains_finds_gains_that_reach_the_wanted_energies():
    M = energy_matrices([_textured((64, 64, 1))], 4)
    wanted = np.array([[0.9], [1.2], [0.8], [1.1]])
    target = np.array([[np.append(wanted[:, 0], 1) @ M[k, 0] @ np.append(wanted[:, 0], 1)]
                       for k in range(4)])
    np.testing.assert_allclose(solve_gains(M, target, reg=0.0), wanted, rtol=1e-3)
    # the penalty pulls towards 1, a little
    g = solve_gains(M, target)
    assert np.all(np.abs(np.log(g)) <= np.abs(np.log(wanted)) + 1e-6)
    # a band with no energy leaves the channel alone
    assert np.array_equal(solve_gains(M, np.zeros((4, 1))), np.ones((4, 1), np.float32))


def test_solved_gains_bring_fresh_syntheses_to_the_exemplars_energies(small_model):
    coarse = small_model.pyramid[-1].shape[:2]
    canvas = (2 * coarse[0], 2 * coarse[1])
    rng = np.random.default_rng(1)
    target = band_std(small_model.levels[0], 2) ** 2
    gains = solve_gains(energy_matrices([run(small_model, canvas, rng, gains=False, periodic=True)
                                         for _ in range(2)], 2), target)
    fresh = [run(small_model, canvas, rng, gains=False, periodic=True) for _ in range(3)]

    def error(g):
        energy = np.mean([band_std(scale_bands(x.copy(), g, periodic=True), 2, periodic=True) ** 2
                          for x in fresh], axis=0)
        return np.abs(np.log(energy / target)).max()

    assert error(gains) < 0.5 * error(np.ones_like(gains))


def test_the_fit_keeps_the_gains_only_if_the_trials_measure_closer(small_model):
    coarse = small_model.pyramid[-1].shape[:2]
    gains, info = fit_band_gains(small_model, coarse, np.random.default_rng(2), 2, trials=2)
    kept = bool((gains != 1).any())
    assert kept == (info["sw_with"] < (1 - MARGIN) * info["sw_without"])
    assert gains.shape == (2, 3) and gains.dtype == np.float32

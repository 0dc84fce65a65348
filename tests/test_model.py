"""Fit, synthesis and the model file, on a small model."""

import copy
import json

import numpy as np
import pytest

from texto_cli import metrics
from texto_cli.image.adsn import adsn_field
from texto_cli.errors import ModelError, UsageError
from texto_cli.texture.fitting import fit
from texto_cli.texture.model import Model
from texto_cli.texture.modelfile import load, to_arrays


def test_model_has_every_stage_with_small_mass_error(small_model):
    cfg = small_model.config
    assert [st.spec.scale for st in small_model.stages] == [1, 0, 0, 0]
    assert [st.spec.kind for st in small_model.stages] == ["upsample", "finest", "finest", "detail"]
    assert [st.spec.patch for st in small_model.stages] == [cfg.patch] * 3 + [cfg.detail_patch]
    for st in small_model.stages:
        d = st.diagnostics
        # well below the error of an untrained map, within a few sampling floors
        assert d["mass_l1"] < 3 * d["noise_floor"] + 0.15, d
        assert d["empty_share"] < 0.02
        assert len(st.ot.trace) >= 3
    assert cfg.layers == 4 and all(st.ot.layers == 4 for st in small_model.stages)


def test_stages_are_named_by_position(small_model):
    # the detail stage has the other stages' patch size here (5x5): named by its position
    assert small_model.config.detail_patch == small_model.config.patch
    assert [st.spec.name for st in small_model.stages] == ["scale 1", "scale 0", "scale 0 (2)",
                                                           "detail"]
    from texto_cli.api import describe
    from texto_cli.console import summary_lines

    lines = summary_lines(describe(small_model))
    assert [line.split()[0] for line in lines] == ["scale", "scale", "scale", "detail", "band"]


def test_synthesis_shape_range_and_determinism(small_model):
    a = small_model.synthesize((101, 67), seed=3)
    assert a.shape == (67, 101, 3) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    np.testing.assert_array_equal(a, small_model.synthesize((101, 67), seed=3))
    assert not np.array_equal(a, small_model.synthesize((101, 67), seed=4))


def test_synthesis_is_made_of_exemplar_patches_not_copies(small_model, exemplar):
    from texto_cli.texture.synthesis import grid_size, run

    # before the detail stage: averaged exemplar patches, far sharper than the Gaussian field
    before = run(small_model, grid_size(small_model, (128, 128)), np.random.default_rng(1),
                 stages=small_model.stages[:-1], gains=False) + small_model.offset
    field = np.clip(adsn_field(exemplar, (128, 128), np.random.default_rng(1)), 0, 1)
    d_before = metrics.nearest_patch_distance(exemplar, np.clip(before, 0, 1), n_samples=1500)
    d_adsn = metrics.nearest_patch_distance(exemplar, field, n_samples=1500)
    assert d_before < 0.85 * d_adsn
    # the detail stage writes exemplar pixels: the centre of each transported patch
    from texto_cli.image.patches import transport
    from texto_cli.image.pyramid import lowpass
    from texto_cli.image.patches import centre_pixels

    x = run(small_model, grid_size(small_model, (128, 128)), np.random.default_rng(1),
            stages=small_model.stages[:-1], gains=False)
    st = small_model.stages[-1]
    index = transport(x, st.spec.patch, st.ot)
    centres = centre_pixels(small_model.levels[0], st.positions, index, st.spec.patch, False, x)
    colours = small_model.levels[0].reshape(-1, 3)
    h = st.spec.patch // 2  # pixels nearer the border than that keep their input value
    inner = centres[h:-h, h:-h].reshape(-1, 3)[::7]
    gap = ((inner[:, None, :] - colours[None, ::1, :]) ** 2).sum(-1).min(1)
    assert gap.max() < 1e-10
    # ... and then keeps the coarse octaves of its input: they change far less than the centres'
    # (the output before the band gains, which change every octave they scale)
    plain = copy.copy(small_model)
    plain.band_gains = None
    out = plain.synthesize((128, 128), seed=1)
    o = st.octaves
    assert o > 0  # this model's detail stage keeps a limit
    kept = np.abs(lowpass(out[:128, :128] - small_model.offset - x[:128, :128], o)).mean()
    free = np.abs(lowpass(centres - x, o)).mean()
    assert kept < 0.3 * free, (kept, free)
    tiled = metrics.tile_exemplar(exemplar, (128, 128))
    assert metrics.copy_coherence(exemplar, out, n_samples=1500) < \
        0.8 * metrics.copy_coherence(exemplar, tiled, n_samples=1500)


def test_too_small_size_is_refused(small_model):
    with pytest.raises(UsageError, match="too small"):
        small_model.synthesize((6, 6))


def test_save_load_round_trip(small_model, small_model_file):
    loaded = Model.load(small_model_file)
    a, b = to_arrays(small_model), to_arrays(loaded)
    assert a.keys() == b.keys()
    for k in a:
        if k != "header":
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert json.loads(str(a["header"])) == json.loads(str(b["header"]))
    np.testing.assert_array_equal(small_model.synthesize((64, 48), seed=2),
                                  loaded.synthesize((64, 48), seed=2))


def test_fit_is_deterministic(exemplar, make_small_config):
    cfg = make_small_config(scales=1, targets=[200], clusters=[5], iters=3000, detail=False, seed=7)
    a, b = to_arrays(fit(exemplar, cfg)), to_arrays(fit(exemplar, cfg))
    for k in a:
        if k not in ("header",) and not k.endswith("trace"):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_exemplar_too_small_names_the_minimum(exemplar, make_small_config):
    with pytest.raises(UsageError, match="at least 20x20"):
        fit(exemplar[:15, :15], make_small_config())


def _rewrite(path, tmp_path, **changes):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    for k, v in list(arrays.items()):
        if v is None:
            del arrays[k]
    out = tmp_path / "changed.npz"
    np.savez(out, **arrays)
    return out


@pytest.mark.parametrize("change,message", [
    (dict(version=np.array(99)), "newer texto"),
    (dict(version=np.array(6)), "model format 6 was written by an older texto"),
    (dict(version=np.array(2)), "model format 2 was written by an older texto"),
    (dict(format=np.array("something-else")), "foreign"),
    (dict(stage0_positions=None), "missing"),
    (dict(stage0_weights=np.full(3, np.nan, np.float32)), "weights"),
    (dict(stage1_positions=np.full((400, 2), 10_000, np.int32)), "outside"),
    (dict(stage0_parent=np.zeros(10, np.int32)), "stage 0"),
    (dict(pyramid_1=np.zeros((5, 5, 3), np.float32)), "pyramid"),
    (dict(header=np.array("{not json")), "header"),
])
def test_bad_model_files_are_refused(small_model_file, tmp_path, change, message):
    with pytest.raises(ModelError, match=message):
        load(_rewrite(small_model_file, tmp_path, **change))


def test_stage_descriptions_are_checked(small_model_file, tmp_path):
    with np.load(small_model_file, allow_pickle=False) as z:
        header = json.loads(str(z["header"]))
    header["stages"][1]["patch"] = 3
    with pytest.raises(ModelError, match="stage 1 does not match"):
        load(_rewrite(small_model_file, tmp_path, header=np.array(json.dumps(header))))
    header["stages"][1]["patch"] = 5
    header["stages"][0]["octaves"] = 9
    with pytest.raises(ModelError, match="octave limit"):
        load(_rewrite(small_model_file, tmp_path, header=np.array(json.dumps(header))))


def test_finest_stages_take_the_limit_their_trial_outputs_measure_best(small_model):
    """Upsampling stages apply the configured limit; the last 7x7 stage the limit or none,
    the detail stage any limit up to it: the configured one unless another measures
    clearly closer, and then the closest."""
    from texto_cli.texture.fitting import LIMIT_MARGIN

    o = small_model.config.octaves
    for k, st in enumerate(small_model.stages):
        scores = {int(key.split("_")[1]): v for key, v in st.diagnostics.items()
                  if key.startswith("limit_")}
        if st.spec.kind == "upsample":
            assert st.octaves == o and not scores
            continue
        last = k == len(small_model.stages) - 1
        assert sorted(scores) == (list(range(o + 1)) if last else [0, o])
        assert all(v > 0 for v in scores.values())
        best = min(scores.values())
        if st.octaves == o:
            assert best >= (1 - LIMIT_MARGIN) * scores[o]
        else:
            assert scores[st.octaves] == best < (1 - LIMIT_MARGIN) * scores[o]


def test_an_exemplar_too_small_to_measure_keeps_the_configured_limit(exemplar, make_small_config):
    model = fit(exemplar[:24, :24], make_small_config(scales=1, targets=[50], clusters=[4],
                                                         detail_targets=50))
    assert [st.octaves for st in model.stages] == [3, 3, 3]
    assert not any(key.startswith("limit_") for st in model.stages for key in st.diagnostics)


def test_a_stage_without_the_limit_changes_the_coarse_octaves(small_model):
    from texto_cli.image.patches import transport
    from texto_cli.image.pyramid import lowpass
    from texto_cli.texture.synthesis import grid_size, run

    st = small_model.stages[-1]
    x = run(small_model, grid_size(small_model, (96, 96)), np.random.default_rng(3),
            stages=small_model.stages[:-1], gains=False)
    index = transport(x, st.spec.patch, st.ot)
    outs = {limit: st.output(x, index, octaves=limit) for limit in (3, 0)}
    coarse = {limit: np.abs(lowpass(out - x, 3)).mean() for limit, out in outs.items()}
    assert coarse[3] < 0.5 * coarse[0], coarse


def test_non_model_files_are_refused(small_model_file, tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "text.npz").write_text("hello")
    (tmp_path / "cut.npz").write_bytes(small_model_file.read_bytes()[:5000])
    np.savez(tmp_path / "foreign.npz", a=np.arange(3))
    for name, message in [("empty.npz", "empty"), ("text.npz", "not a texto model"),
                          ("cut.npz", "corrupt or truncated"), ("foreign.npz", "foreign"),
                          ("missing.npz", "no such")]:
        with pytest.raises(ModelError, match=message):
            load(tmp_path / name)


def test_package_fit_stays_the_api_function(exemplar, make_small_config):
    """texto_cli.fit is the API function, even after the fitting module is imported."""
    import texto_cli
    import texto_cli.texture.fitting  # noqa: F401

    model = texto_cli.fit(exemplar, scales=1, patch=5, targets=[100], clusters=[4], iters=2000,
                          detail=False)
    assert isinstance(model, texto_cli.Model)


def test_tileable_output_has_no_seam(small_model):
    """Across the wrap edge the jump between the last and first column (row) is like the
    jump between neighbouring interior columns (rows): no larger than most of them (one
    pair of columns is a small sample: the seam may fall low among them, not at the top)."""
    t = small_model.synthesize((160, 128), seed=2, tileable=True).astype(np.float64)
    for axis in (0, 1):
        a = np.moveaxis(t, axis, 0)
        seam = np.abs(a[0] - a[-1]).mean()
        pairs = np.abs(a[1:] - a[:-1]).mean(axis=(1, 2))
        assert 0.6 <= seam / pairs.mean() <= 1.2, (axis, seam, pairs.mean())
        assert (pairs > seam).mean() > 0.1, (axis, seam, np.sort(pairs)[-5:])
    plain = small_model.synthesize((160, 128), seed=2).astype(np.float64)
    ratios = [np.abs(a[0] - a[-1]).mean() / np.abs(a[1:] - a[:-1]).mean()
              for a in (plain, np.moveaxis(plain, 1, 0))]
    assert np.mean(ratios) > 1.3, ratios


def test_tileable_size_must_fit_the_scales(small_model):
    with pytest.raises(UsageError, match="multiples of 2"):
        small_model.synthesize((161, 128), tileable=True)


@pytest.mark.parametrize("gains,message", [
    (np.full((4, 3), np.nan, np.float32), "band gains"),
    (np.full((4, 3), 20.0, np.float32), "band gains"),
    (np.ones((3, 3), np.float32), "band gains"),
    (None, "missing"),
])
def test_bad_band_gains_are_refused(small_model_file, tmp_path, gains, message):
    with pytest.raises(ModelError, match=message):
        load(_rewrite(small_model_file, tmp_path, band_gains=gains))


@pytest.fixture(scope="module")
def one_pass_model(exemplar, make_small_config):
    """The seed's finest scale: one transport of all its patches."""
    return fit(exemplar, make_small_config(passes=1, stride=1))


def test_the_second_pass_transports_the_first_ones_output(small_model, one_pass_model):
    first, extra = small_model.stages[1], small_model.stages[2]
    assert small_model.config.passes == 2 and small_model.config.stride == 2
    assert extra.spec.scale == 0 and extra.spec.pass_number == 2
    assert extra.spec.header() == first.spec.header()
    assert extra.diagnostics["mass_l1"] < 3 * extra.diagnostics["noise_floor"] + 0.15
    # fitted on the first pass's output: a map of its own
    assert not np.array_equal(first.ot.weights, extra.ot.weights)
    assert [st.spec.kind for st in one_pass_model.stages] == ["upsample", "finest", "detail"]
    assert not np.array_equal(small_model.synthesize((64, 48), seed=2),
                              one_pass_model.synthesize((64, 48), seed=2))


def test_strided_stages_transport_and_sample_their_grid_only(small_model):
    from texto_cli.texture.fitting import PatchSampler
    from texto_cli.image.patches import transport
    from texto_cli.texture.synthesis import run

    rng = np.random.default_rng(0)
    stages = small_model.stages
    x = run(small_model, (12, 10), rng, stages=stages[:1], gains=False)  # 24 x 20, first pass's input
    assert [st.spec.grid_stride(x.shape, False) for st in stages] == [1, 2, 2, 1]
    assert stages[1].spec.grid_stride((25, 20), True) == 1  # odd periodic sides: all patches
    st, w = stages[1], stages[1].spec.patch
    full = transport(x, w, st.ot)
    np.testing.assert_array_equal(st.transport(x), full[::2, ::2])
    partial = copy.copy(small_model)
    partial.stages = stages[:1]
    sampler = PatchSampler(partial, st.spec, (12, 10))
    sampler._refill(rng)
    assert len(sampler.pool) == 12 * 10  # the (24 / 2) x (20 / 2) grid of a periodic synthesis


def test_passes_and_stride_out_of_range_are_refused(make_small_config):
    for bad in (dict(passes=0), dict(passes=5), dict(stride=0), dict(stride=6)):
        with pytest.raises(UsageError, match="--passes|--stride"):
            make_small_config(**bad)

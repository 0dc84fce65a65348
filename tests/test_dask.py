"""texto on dask: tiles as a dask array on a cluster, zarr outputs, fits as tasks."""

import pickle
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import texto_cli
from texto_cli.cli import main
from texto_cli.image.io import _quantise, read_image, write_image

distributed = pytest.importorskip("distributed")
zarr = pytest.importorskip("zarr")

from texto_cli.cluster import synthesize_dask  # noqa: E402


@pytest.fixture(scope="module")
def gained_model(small_model):
    """The small model with band gains (its fit kept none)."""
    model = pickle.loads(pickle.dumps(small_model))
    L = model.config.gain_octaves
    model.band_gains = np.linspace(0.7, 1.6, L * 3, dtype=np.float32).reshape(L, 3)
    return model


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=50) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.mark.filterwarnings("ignore:Sending large graph")  # each tile carries its field crop
def test_a_cluster_computes_the_in_memory_bytes(client, gained_model, small_model):
    size = (2048, 1536)
    for model in (gained_model, small_model):  # gained chunks take their neighbours' tiles
        array = synthesize_dask(model, size, chunks=512, seed=4)
        assert array.shape == (1536, 2048, 3) and array.chunks[0] == (512, 512, 512)
        out = client.compute(array).result()
        assert out.tobytes() == model.synthesize(size, seed=4).tobytes()
    tileable = client.compute(synthesize_dask(small_model, (512, 384), 128, 2, tileable=True))
    assert tileable.result().tobytes() == \
        small_model.synthesize((512, 384), seed=2, tileable=True).tobytes()


def test_the_workers_write_a_zarr_store_band_by_band(client, gained_model, tmp_path):
    from texto_cli.cluster import bands, write_zarr

    array = synthesize_dask(gained_model, (700, 500), chunks=128, seed=4)
    expected = gained_model.synthesize((700, 500), seed=4)
    assert np.concatenate(list(bands(array, 128))).tobytes() == expected.tobytes()
    write_zarr(array, tmp_path / "c.zarr", {"image": (0, 3, 16)})
    z = zarr.open(str(tmp_path / "c.zarr"), mode="r")
    assert z.chunks == (128, 128, 3) and np.array_equal(z[:], _quantise(expected, 16))


def test_odd_sizes_and_chunks_give_the_same_bytes(gained_model):
    import dask

    with dask.config.set(scheduler="synchronous"):
        for size, chunks in (((333, 250), 64), ((100, 700), 208), ((48, 40), 16)):
            out = synthesize_dask(gained_model, size, chunks=chunks, seed=1).compute()
            assert out.tobytes() == gained_model.synthesize(size, seed=1).tobytes()


def test_zarr_round_trip(small_model_file, small_model, tmp_path):
    dest = tmp_path / "out.zarr"
    for depth in ("8", "16"):  # the second replaces the first store
        r = CliRunner().invoke(main, ["synthesize", str(small_model_file), "--size", "300x200",
                                      "--seed", "2", "--tile", "128", "--bit-depth", depth,
                                      "-o", str(dest)])
        assert r.exit_code == 0, r.output
    z = zarr.open(str(dest), mode="r")
    assert z.shape == (200, 300, 3) and z.dtype == np.uint16 and z.chunks == (128, 128, 3)
    assert dict(z.attrs)["seed"] == 2
    expected = _quantise(small_model.synthesize((300, 200), seed=2), 16)
    assert np.array_equal(z[:], expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zarr"]  # no temporary left


def test_zarr_refuses_to_replace_other_folders(small_model_file, tmp_path):
    (tmp_path / "photos.zarr").mkdir()
    (tmp_path / "photos.zarr" / "keep.jpg").write_bytes(b"x")
    r = CliRunner().invoke(main, ["synthesize", str(small_model_file), "--size", "64",
                                  "-o", str(tmp_path / "photos.zarr")])
    assert r.exit_code == 2 and "not a zarr store" in r.stderr
    assert (tmp_path / "photos.zarr" / "keep.jpg").exists()


def test_a_material_zarr_is_a_group_of_maps(tmp_path):
    rng = np.random.default_rng(0)
    base = rng.random((64, 64, 1)).astype(np.float32)
    model = texto_cli.fit({"albedo": np.repeat(base, 3, 2), "height": base}, scales=2, patch=5,
                          targets=[100, 200], iters=5000, gain_octaves=0)
    model.save(tmp_path / "m.npz")
    r = CliRunner().invoke(main, ["synthesize", str(tmp_path / "m.npz"), "--size", "96",
                                  "--bit-depth", "16", "-o", str(tmp_path / "m.zarr")])
    assert r.exit_code == 0, r.output
    group = zarr.open_group(str(tmp_path / "m.zarr"), mode="r")
    assert sorted(group.keys()) == ["albedo", "height"]
    assert group["albedo"].shape == (96, 96, 3) and group["height"].shape == (96, 96, 1)
    assert np.array_equal(group["height"][:], _quantise(model.synthesize((96, 96))["height"], 16))


def test_batch_fit_on_a_cluster_goes_past_a_bad_exemplar(exemplar, tmp_path):
    for name in ("a", "b"):
        write_image(tmp_path / f"{name}.png", exemplar[:64, :64] if name == "a" else exemplar)
    (tmp_path / "bad.png").write_bytes(b"not a png")
    r = CliRunner().invoke(main, ["fit", str(tmp_path / "a.png"), str(tmp_path / "bad.png"),
                                  str(tmp_path / "b.png"), "-O", str(tmp_path / "models"),
                                  "--preset", "fast", "--scales", "2", "--scheduler", "local:2"])
    assert r.exit_code == 1
    assert "bad.png: not an image file" in r.stderr and "1 of 3 exemplars failed: bad.png" in r.stderr
    assert "Traceback" not in r.output
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["a.npz", "b.npz"]
    assert texto_cli.load(tmp_path / "models" / "b.npz").exemplar["width"] == 80


def test_synthesize_on_a_local_cluster_writes_the_same_png(small_model_file, tmp_path):
    run = CliRunner().invoke
    r = run(main, ["synthesize", str(small_model_file), "--size", "400x300", "--tile", "128",
                   "--scheduler", "local:2", "-o", str(tmp_path / "d.png")])
    assert r.exit_code == 0, r.output
    r = run(main, ["synthesize", str(small_model_file), "--size", "400x300", "-o", str(tmp_path / "m.png")])
    assert read_image(tmp_path / "d.png")[0].tobytes() == read_image(tmp_path / "m.png")[0].tobytes()
    r = run(main, ["synthesize", str(small_model_file), "--size", "64", "--scheduler", "local:0"])
    assert r.exit_code == 2 and "local:N" in r.stderr


def test_without_dask_the_message_says_how_to_install_it(small_model_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.array", None)
    for args in (["--scheduler", "local:2", "-o", str(tmp_path / "x.png")], ["-o", str(tmp_path / "x.zarr")]):
        r = CliRunner().invoke(main, ["synthesize", str(small_model_file), "--size", "64", *args])
        assert r.exit_code == 2 and "pip install 'texto-cli[dask]'" in r.stderr, r.output
    r = CliRunner().invoke(main, ["synthesize", str(small_model_file), "--size", "64",
                                  "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 0  # nothing else needs dask


def test_a_model_pickles_as_its_file(small_model):
    data = pickle.dumps(small_model)
    assert len(data) < 2 * len(small_model.pyramid[0].tobytes()) + 4_000_000
    back = pickle.loads(data)
    assert back.synthesize((70, 50), seed=3).tobytes() == small_model.synthesize((70, 50), seed=3).tobytes()

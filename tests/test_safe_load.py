"""Module.load on hostile files: bombs, lying headers and sizes, foreign entries -- refused from the
headers with the library's own error, in memory bounded by the model's own size (tracemalloc)."""

from __future__ import annotations

import dataclasses
import functools
import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import nn
from autograd_lite.nn.npzfile import ModelFileError

GB = 1 << 30
MB = 1 << 20


# ----------------------------------------------------------------------------- crafting archives
def npy_header(shape: tuple, descr: str = "<f8", fortran: bool = False, version: int = 1) -> bytes:
    """The bytes np.save writes before the data (a header that may lie about what follows)."""
    d = {"descr": descr, "fortran_order": fortran, "shape": shape}
    buf = io.BytesIO()
    writer = np.lib.format.write_array_header_1_0 if version == 1 else np.lib.format.write_array_header_2_0
    writer(buf, d)
    return buf.getvalue()


@dataclasses.dataclass
class Member:
    """One zip member: raw (already compressed) bytes and what the archive declares about them."""

    name: str
    payload: bytes
    usize: int
    crc: int
    method: int = 8
    flags: int = 0


@functools.lru_cache(maxsize=2)
def _deflate(head: bytes, chunk: bytes, repeat: int) -> tuple[bytes, int, int]:
    """(deflate stream, CRC, size) of ``head + chunk * repeat``, made chunk by chunk (1 GB in about a second)."""
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    out, crc = [z.compress(head)], zlib.crc32(head)
    for _ in range(repeat):
        out.append(z.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    out.append(z.flush())
    return b"".join(out), crc, len(head) + len(chunk) * repeat


def deflated(name: str, head: bytes, chunk: bytes, repeat: int, declare: int | None = None,
             crc: int | None = None) -> Member:  # fmt: skip
    """A deflated member holding ``head + chunk * repeat``, declaring the sizes and CRC a test wants."""
    payload, true_crc, size = _deflate(head, chunk, repeat)
    return Member(name, payload, size if declare is None else declare, true_crc if crc is None else crc)


def stored(name: str, content: bytes, declare: int | None = None, flags: int = 0) -> Member:
    return Member(name, content, len(content) if declare is None else declare, zlib.crc32(content), 0, flags)


def array_member(key: str, arr: np.ndarray, version: int = 1) -> Member:
    """What np.savez writes for one array (stored, uncompressed)."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, version=(version, 0), allow_pickle=True)
    return stored(key + ".npy", buf.getvalue())


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip archive written field by field, so its headers can say whatever a test wants."""
    body, central = io.BytesIO(), io.BytesIO()
    for m in members:
        name = m.name.encode()
        offset = body.tell()
        fields = (20, m.flags, m.method, 0, 33, m.crc, len(m.payload), m.usize, len(name))
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + m.payload)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + name)
        # (version made by, then the local header's fields, extra/comment lengths, disk, attributes, offset)
    cd = central.getvalue()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), body.tell(), 0)
    path.write_bytes(body.getvalue() + cd + end)
    return path


def peak_bytes(fn) -> tuple[BaseException | None, int]:
    """(the exception fn raised, or None) and the peak of Python/numpy allocations while it ran."""
    tracemalloc.start()
    try:
        fn()
        err = None
    except Exception as e:
        err = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return err, peak


@pytest.fixture(scope="module")
def big():
    """A model with 1,000,000 float64 weights (8 MB) and its honest entries."""
    model = nn.Linear(1000, 1000, rng=0)
    state = model.state_dict()
    return model, state


def honest(state: dict, skip: str = "") -> list[Member]:
    return [array_member(k, v) for k, v in state.items() if k != skip]


def unchanged(model: nn.Module, state: dict) -> bool:
    return all(np.array_equal(v, model.state_dict()[k]) for k, v in state.items())


# ----------------------------------------------------------------------------- bombs and lies
def test_an_unexpected_bomb_entry_is_refused_by_name_before_any_decompression(tmp_path, big):
    model, state = big
    bomb = deflated("bomb.npy", npy_header((GB // 8,)), bytes(MB), repeat=1024)  # 1 GB of zeros, honest header
    path = write_zip(tmp_path / "bomb.npz", [*honest(state), bomb])
    assert path.stat().st_size < 16 * MB
    err, peak = peak_bytes(lambda: model.load(path))
    assert isinstance(err, ModelFileError) and isinstance(err, ValueError)
    assert "bomb.npz" in str(err) and "unexpected entries: bomb" in str(err)
    assert peak < MB, peak  # the honest entries were not even read: names come first (measured: 65 kB)
    assert unchanged(model, state)


def test_a_lying_npy_header_is_refused_by_the_declared_size(tmp_path, big):
    # "weight" says (1000, 1000) float64 in its header, but the member expands to 1 GB
    model, state = big
    lie = deflated("weight.npy", npy_header((1000, 1000)), bytes(MB), repeat=1024)
    path = write_zip(tmp_path / "lie.npz", [*honest(state, skip="weight"), lie])
    err, peak = peak_bytes(lambda: model.load(path))
    assert isinstance(err, ModelFileError), err
    assert "lie.npz" in str(err) and "entry weight" in str(err) and "declares 1,073,741,952 bytes" in str(err)
    assert "needs 8,000,128" in str(err)
    assert peak < MB, peak  # headers only (measured: 73 kB)
    assert unchanged(model, state)


def test_a_lying_archive_size_is_read_no_further_than_the_header_needs(tmp_path, big):
    # the zip's directory declares the honest size, but the deflate stream holds 1 GB: a bounded read stops
    # at the declared size, and the CRC (of the whole gigabyte) then disagrees
    model, state = big
    lie = deflated("weight.npy", npy_header((1000, 1000)), bytes(MB), repeat=1024, declare=8_000_128)
    path = write_zip(tmp_path / "lie.npz", [*honest(state, skip="weight"), lie])
    err, peak = peak_bytes(lambda: model.load(path))
    assert isinstance(err, ModelFileError), err
    assert "entry weight: its data is damaged (Bad CRC-32" in str(err)
    assert peak < 40 * MB, peak  # the 8 MB weight, its copy and zipfile's buffers; never the gigabyte
    assert unchanged(model, state)
    # the same with the CRC of the first 8 MB: the entry reads as zeros, and the rest is never touched
    header = npy_header((1000, 1000))
    crc = zlib.crc32(bytes(8_000_000), zlib.crc32(header))
    sly = deflated("weight.npy", header, bytes(MB), repeat=1024, declare=8_000_128, crc=crc)
    path = write_zip(tmp_path / "sly.npz", [*honest(state, skip="weight"), sly])
    err, peak = peak_bytes(lambda: model.load(path))
    assert err is None and peak < 40 * MB, (err, peak)
    assert not model.weight.numpy().any() and np.array_equal(model.bias.numpy(), state["bias"])
    model.load_state_dict(state)


def test_a_header_with_a_huge_shape_is_refused_not_a_memory_error(tmp_path, big):
    model, state = big
    huge = stored("weight.npy", npy_header((10**12, 10**6)), declare=2**32 - 1)
    path = write_zip(tmp_path / "huge.npz", [*honest(state, skip="weight"), huge])
    with pytest.raises(ModelFileError, match=r"huge.npz.*entry weight has shape \(1000000000000, 1000000\), "
                       r"the model needs \(1000, 1000\)"):  # fmt: skip
        model.load(path)
    assert unchanged(model, state)


def test_a_file_bigger_than_the_model_can_be_is_refused_before_it_is_parsed(tmp_path):
    model = nn.Linear(2, 3, rng=0)
    path = write_zip(tmp_path / "fat.npz", [*honest(model.state_dict()), stored("x.npy", bytes(MB))])
    with pytest.raises(ModelFileError, match=r"fat.npz' is 1,0\d\d,\d\d\d bytes, more than Linear's 2 entries"):
        model.load(path)


# ----------------------------------------------------------------------------- headers that do not fit
@pytest.mark.parametrize(
    ("descr", "message"),
    [
        ("|O", r"entry bias: it holds Python objects \(dtype object\), which are never unpickled"),
        ("<c16", r"entry bias: dtype complex128; a model's entries are real numbers"),
        ("|b1", r"entry bias: dtype bool; a model's entries are real numbers"),
        ("<U3", r"entry bias: dtype <U3; a model's entries are real numbers"),
        ([("a", "<f8")], r"entry bias: dtype \[\('a', '<f8'\)\]; a model's entries are real numbers"),
    ],
)
def test_entries_that_are_not_real_numbers_are_refused_from_the_header(tmp_path, descr, message):
    model = nn.Linear(2, 3, rng=0)
    state = model.state_dict()
    bad = stored("bias.npy", npy_header((3,), descr) + bytes(48))
    path = write_zip(tmp_path / "bad.npz", [*honest(state, skip="bias"), bad])
    with pytest.raises(ModelFileError, match=r"bad.npz.*" + message):
        model.load(path)
    assert unchanged(model, state)


def test_archive_level_problems_name_the_file_and_the_entry(tmp_path):
    model = nn.Linear(2, 3, rng=0)
    state = model.state_dict()
    cases = {
        "twice.npz": ([*honest(state), array_member("bias", state["bias"])], r"entries stored twice: bias"),
        "foreign.npz": ([*honest(state), stored("README", b"hi")], r"unexpected entries: README"),
        "short.npz": ([*honest(state, skip="bias"), stored("bias.npy", npy_header((3,)) + bytes(16), declare=152)],
                      r"entry bias: its data is damaged|entry bias: its data does not have the 24 bytes"),
        "long.npz": ([*honest(state, skip="bias"), stored("bias.npy", npy_header((3,)) + bytes(32))],
                     r"entry bias: the archive declares 160 bytes, but its header \(float64, shape \(3,\)\) needs 152"),
        "locked.npz": ([*honest(state, skip="bias"), stored("bias.npy", npy_header((3,)) + bytes(24), flags=1)],
                       r"entry bias: it is encrypted"),
        "garbled.npz": ([*honest(state, skip="bias"), stored("bias.npy", b"\x93NUMPY\x01\x00\xff\xff" + bytes(64))],
                        r"entry bias: no valid .npy header"),
        "missing.npz": (honest(state, skip="bias"), r"' does not fit Linear: missing entries: bias"),
    }  # fmt: skip
    for name, (members, message) in cases.items():
        path = write_zip(tmp_path / name, members)
        with pytest.raises(ModelFileError, match=name.replace(".", r"\.") + ".*(" + message + ")"):
            model.load(path)
    assert unchanged(model, state)


def test_files_that_are_not_archives(tmp_path):
    model = nn.Linear(2, 3, rng=0)
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFileError, match=r"cannot read .*junk\.npz.* as a saved model: not an \.npz \(zip\)"):
        model.load(tmp_path / "junk.npz")
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(ModelFileError, match=r"dir\.npz' is a directory"):
        model.load(tmp_path / "dir.npz")
    zipfile.ZipFile(tmp_path / "bz.npz", "w", zipfile.ZIP_BZIP2).writestr("weight.npy", b"x")
    with pytest.raises(ModelFileError, match=r"bz\.npz.*(missing entries: bias|compression method 12)"):
        model.load(tmp_path / "bz.npz")


# ----------------------------------------------------------------------------- honest files still load
def test_compressed_fortran_and_version_2_files_load(tmp_path):
    model = nn.Linear(4, 3, rng=0)
    other = nn.Linear(4, 3, rng=1)
    np.savez_compressed(tmp_path / "c.npz", **other.state_dict())
    model.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(model.weight.numpy(), other.weight.numpy())
    w = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    write_zip(tmp_path / "f.npz", [array_member("weight", w, version=2), array_member("bias", np.ones(3))])
    model.load(tmp_path / "f.npz")
    np.testing.assert_array_equal(model.weight.numpy(), w)
    assert model.weight.numpy().flags.c_contiguous and model.weight.dtype == np.float64


def test_save_and_load_take_the_same_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = nn.Linear(2, 3, rng=0), nn.Linear(2, 3, rng=1)
    a.save("m")  # numpy writes m.npz ...
    assert Path("m.npz").exists() and not Path("m").exists()
    b.load("m")  # ... and load finds it under the same name (PyTorch users expect save(p); load(p))
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    c = nn.Linear(2, 3, rng=2)
    c.save(tmp_path / "sub.npz")
    b.load(tmp_path / "sub.npz")
    np.testing.assert_array_equal(b.bias.numpy(), c.bias.numpy())
    with pytest.raises(FileNotFoundError, match="load: no such file: 'nothing'"):
        b.load("nothing")


def test_a_model_with_buffers_round_trips_through_the_checked_reader(tmp_path):
    a = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4))
    a(np.random.default_rng(0).standard_normal((5, 3)))  # moves the running averages
    a.save(tmp_path / "bn")
    b = nn.Sequential(nn.Linear(3, 4, rng=1), nn.BatchNorm1d(4)).load(tmp_path / "bn")
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v, b.state_dict()[k])


def test_a_directory_of_many_entries_is_refused_from_the_entry_count(tmp_path):
    model = nn.Linear(400, 400, rng=0)  # 160,400 parameters: a 2.2 MB file may be this model's
    many = [stored(f"e{i}.npy", b"") for i in range(10_000)]
    path = write_zip(tmp_path / "many.npz", [*honest(model.state_dict()), *many])
    err, peak = peak_bytes(lambda: model.load(path))
    assert isinstance(err, ModelFileError), err
    assert "many.npz' declares 10,002 entries, Linear has 2" in str(err)
    assert peak < MB, peak  # zipfile never parsed the 10,002 directory records

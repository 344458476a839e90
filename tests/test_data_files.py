"""MNIST/Fashion-MNIST (IDX) and CIFAR-10 (binary) parsers on files the tests write in the exact
formats, and the download path against a local HTTP server on 127.0.0.1 (never the network)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import data
from autograd_lite.data import files

rng = np.random.default_rng(0)


def idx_bytes(a: np.ndarray, code: int) -> bytes:
    """An IDX file written by hand: 0, 0, type code, ndim, big-endian uint32 dims, big-endian data."""
    dt = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    head = bytes([0, 0, code, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    return head + a.astype(dt).tobytes()


def write_mnist(folder: Path, n: int = 7, split: str = "train", gz: bool = True) -> tuple[np.ndarray, np.ndarray]:
    X = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, n, dtype=np.uint8)
    prefix = "train" if split == "train" else "t10k"
    folder.mkdir(parents=True, exist_ok=True)
    for stem, arr in ((f"{prefix}-images-idx3-ubyte", X), (f"{prefix}-labels-idx1-ubyte", y)):
        raw = idx_bytes(arr, 0x08)
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)
    return X, y.astype(np.int64)


def cifar_bytes(X: np.ndarray, y: np.ndarray) -> bytes:
    """CIFAR-10 binary records: label byte, then 1024 red, 1024 green, 1024 blue bytes."""
    return b"".join(bytes([int(k)]) + img[0].tobytes() + img[1].tobytes() + img[2].tobytes() for img, k in zip(X, y))


# --------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("code", [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_every_type_code_and_shape(tmp_path, code, gz):
    a = rng.integers(-100, 100, (3, 4, 5)) if code != 0x08 else rng.integers(0, 256, (3, 4, 5))
    if code in (0x0D, 0x0E):
        a = a / 7.0
    raw = idx_bytes(a, code)
    p = tmp_path / ("f.idx.gz" if gz else "f.idx")
    p.write_bytes(gzip.compress(raw) if gz else raw)
    out = data.read_idx(p)
    assert out.shape == (3, 4, 5) and out.dtype.byteorder in ("=", "|")
    np.testing.assert_array_equal(out, a.astype(out.dtype))


def test_read_idx_rejects_wrong_magic_truncated_and_long_files(tmp_path):
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    good = idx_bytes(a, 0x08)
    cases = {
        "magic.idx": (b"\x00\x01" + good[2:], "not an IDX file: magic bytes 00010802"),
        "code.idx": (good[:2] + b"\x07" + good[3:], "not an IDX file: magic bytes 00000702"),
        "short.idx": (good[:-1], r"is truncated: shape \(3, 4\) of uint8 needs 24 bytes, the file has 23"),
        "long.idx": (good + b"\x00", "longer than its header says"),
        "dims.idx": (good[:6], "is truncated: 8 bytes needed for the dimensions, only 2 found"),
        "empty.idx": (b"", "is truncated: 4 bytes needed for the header, only 0 found"),
    }
    for name, (raw, msg) in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(ValueError, match=msg):
            data.read_idx(tmp_path / name)
    (tmp_path / "short.gz").write_bytes(gzip.compress(good[:-3]))
    with pytest.raises(ValueError, match="is truncated"):
        data.read_idx(tmp_path / "short.gz")
    (tmp_path / "cut.gz").write_bytes(gzip.compress(good)[:-12])  # a gzip stream cut short
    with pytest.raises(ValueError, match="cut.gz' is a damaged gzip file: Compressed file ended"):
        data.read_idx(tmp_path / "cut.gz")
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"x" * 30)  # gzip magic, then garbage
    with pytest.raises(ValueError, match="bad.gz' is not a readable gzip file"):
        data.read_idx(tmp_path / "bad.gz")
    (tmp_path / "huge.idx").write_bytes(bytes([0, 0, 8, 3]) + (1 << 31).to_bytes(4, "big") * 3)
    with pytest.raises(ValueError, match="a corrupt header"):
        data.read_idx(tmp_path / "huge.idx")
    with pytest.raises(FileNotFoundError, match="read_idx: no such file"):
        data.read_idx(tmp_path / "nope")


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_and_fashion_from_files(tmp_path, gz):
    X, y = write_mnist(tmp_path, 7, "train", gz)
    Xt, yt = write_mnist(tmp_path, 3, "test", gz)
    for loader in (data.mnist, data.fashion_mnist):
        a, b = loader(tmp_path)
        assert a.dtype == np.uint8 and b.dtype == np.int64
        np.testing.assert_array_equal(a, X)
        np.testing.assert_array_equal(b, y)
        np.testing.assert_array_equal(loader(tmp_path, "test")[0], Xt)


def test_mnist_errors_name_the_file(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"mnist: no train-images-idx3-ubyte or train-images-idx3-ubyte.gz in "
        r".*download=True",
    ):
        data.mnist(tmp_path)
    with pytest.raises(ValueError, match=r"mnist: split must be one of \('train', 'test'\), got 'val'"):
        data.mnist(tmp_path, "val")
    write_mnist(tmp_path, 5, gz=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, np.uint8), 0x08))
    with pytest.raises(ValueError, match="mnist: 5 images in train-images-idx3-ubyte but 4 labels"):
        data.mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.full(5, 12, np.uint8), 0x08))
    with pytest.raises(ValueError, match="has label 12, expected 0..9"):
        data.mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((5, 784), np.uint8), 0x08))
    with pytest.raises(ValueError, match=r"holds uint8 of shape \(5, 784\), expected uint8 \(N, H, W\)"):
        data.mnist(tmp_path)


# --------------------------------------------------------------------------- CIFAR-10
def test_cifar_batch_layout_is_label_then_red_green_blue(tmp_path):
    X = rng.integers(0, 256, (4, 3, 32, 32), dtype=np.uint8)
    y = np.array([3, 0, 9, 5])
    raw = cifar_bytes(X, y)
    assert len(raw) == 4 * 3073 and raw[0] == 3 and raw[1:1025] == X[0, 0].tobytes()  # the format itself
    (tmp_path / "b.bin").write_bytes(raw)
    Xr, yr = data.read_cifar10_batch(tmp_path / "b.bin")
    assert Xr.shape == (4, 3, 32, 32) and Xr.dtype == np.uint8 and yr.dtype == np.int64
    np.testing.assert_array_equal(Xr, X)
    np.testing.assert_array_equal(yr, y)
    (tmp_path / "short.bin").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="has 12291 bytes, not a whole number of 3073-byte records"):
        data.read_cifar10_batch(tmp_path / "short.bin")
    (tmp_path / "label.bin").write_bytes(raw[:3073] + bytes([11]) + raw[3074:])
    with pytest.raises(ValueError, match="record 1 has label 11, expected 0..9"):
        data.read_cifar10_batch(tmp_path / "label.bin")
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(ValueError, match="has 0 bytes"):
        data.read_cifar10_batch(tmp_path / "empty.bin")


def write_cifar(folder: Path, per_batch: int = 2) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        X = rng.integers(0, 256, (per_batch, 3, 32, 32), dtype=np.uint8)
        y = rng.integers(0, 10, per_batch)
        (folder / name).write_bytes(cifar_bytes(X, y))
        out[name] = (X, y)
    return out


def test_cifar10_loader_joins_the_five_training_batches(tmp_path):
    written = write_cifar(tmp_path / "cifar-10-batches-bin")
    X, y = data.cifar10(tmp_path)
    assert X.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(X, np.concatenate([written[f"data_batch_{i}.bin"][0] for i in range(1, 6)]))
    np.testing.assert_array_equal(data.cifar10(tmp_path, "test")[1], written["test_batch.bin"][1])
    assert len(data.CIFAR10_CLASSES) == 10 and data.CIFAR10_CLASSES[3] == "cat"
    with pytest.raises(FileNotFoundError, match="cifar10: no data_batch_1.bin.*download=True"):
        data.cifar10(tmp_path / "elsewhere")


# --------------------------------------------------------------------------- download
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_sha256_and_keeps_nothing_on_a_mismatch(tmp_path, server):
    www, base = server
    payload = rng.bytes(3_000_000)  # a few chunks
    (www / "blob.bin").write_bytes(payload)
    good = hashlib.sha256(payload).hexdigest()
    dest = tmp_path / "got" / "blob.bin"
    with pytest.raises(ValueError, match=f"SHA-256 mismatch for {base}/blob.bin: expected {'0' * 64}, got {good}"):
        data.download(f"{base}/blob.bin", dest, "0" * 64)
    assert not dest.exists() and not dest.with_name("blob.bin.part").exists()
    assert data.download(f"{base}/blob.bin", dest, good.upper()) == dest
    assert dest.read_bytes() == payload and data.sha256_of(dest) == good
    (www / "blob.bin").unlink()  # a verified file already there is used without the network
    assert data.download(f"{base}/blob.bin", dest, good) == dest
    dest.write_bytes(b"corrupted")  # ... and a wrong one is fetched again (here: the server has nothing)
    with pytest.raises(OSError, match="download: cannot fetch .*blob.bin"):
        data.download(f"{base}/blob.bin", dest, good)


def test_download_refuses_plain_http_except_from_loopback():
    for url in (
        "http://example.com/x.gz",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "http://localhost/x",
        "http://10.0.0.1/x",
    ):
        with pytest.raises(ValueError, match="download: refusing .*only https:// URLs are fetched"):
            data.download(url, "/nonexistent/x", "0" * 64)


def test_download_refuses_a_redirect_to_plain_http(tmp_path):
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "http://example.com/elsewhere")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ValueError, match="refusing 'http://example.com/elsewhere'"):
            data.download(f"http://127.0.0.1:{httpd.server_address[1]}/x", tmp_path / "x", "0" * 64)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.part").exists()


def test_mnist_download_true_fetches_verifies_and_parses(tmp_path, server, monkeypatch):
    www, base = server
    X, y = write_mnist(www, 6, "train", gz=True)
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in www.iterdir()}
    monkeypatch.setattr(files, "MNIST_FILES", (base + "/", hashes))
    Xd, yd = data.mnist(tmp_path / "mnist", download=True)
    np.testing.assert_array_equal(Xd, X)
    np.testing.assert_array_equal(yd, y)
    # a file whose SHA-256 differs from the table's is refused, and not kept, before anything reads it
    monkeypatch.setattr(
        files,
        "FASHION_MNIST_FILES",
        ("https://unused.invalid/", files.MNIST_FILES[1] | {"train-images-idx3-ubyte.gz": "f" * 64}),
    )
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        data.fashion_mnist(tmp_path / "fashion", download=True, mirror=base)
    assert not (tmp_path / "fashion" / "train-images-idx3-ubyte.gz").exists()


def test_cifar10_download_true_unpacks_only_the_batch_files(tmp_path, server, monkeypatch):
    www, base = server
    staging = tmp_path / "staging"
    written = write_cifar(staging / "cifar-10-batches-bin", per_batch=1)
    (staging / "evil.txt").write_text("outside the batches")
    with tarfile.open(www / "cifar-10-binary.tar.gz", "w:gz") as tar:
        tar.add(staging / "cifar-10-batches-bin", arcname="cifar-10-batches-bin")
        tar.add(staging / "evil.txt", arcname="../evil.txt")  # a path escaping the folder: never written
    sha = hashlib.sha256((www / "cifar-10-binary.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setattr(files, "CIFAR10_ARCHIVE", ("https://unused.invalid/", {"cifar-10-binary.tar.gz": sha}))
    root = tmp_path / "root"
    X, y = data.cifar10(root, "test", download=True, mirror=base)
    np.testing.assert_array_equal(X, written["test_batch.bin"][0])
    assert not (tmp_path / "evil.txt").exists() and not (root.parent / "evil.txt").exists()
    assert sorted(p.name for p in (root / "cifar-10-batches-bin").iterdir()) == sorted(written)


def test_the_source_tables_are_https_with_full_sha256_hashes():
    tables = (files.MNIST_FILES, files.FASHION_MNIST_FILES, files.CIFAR10_ARCHIVE)
    for base, hashes in tables:
        assert base.startswith("https://") and base.endswith("/")
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in hashes.values())
    stems = {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    }
    assert set(files.MNIST_FILES[1]) == set(files.FASHION_MNIST_FILES[1]) == stems
    assert len({h for _, t in tables for h in t.values()}) == 9  # no hash copied twice by mistake

"""Loaders for the standard image files you download yourself: MNIST, Fashion-MNIST, CIFAR-10.

Parsed with numpy from the published binary formats (no pickle, nothing executed); each file's
header and size are checked before its contents are read, and a missing, truncated or foreign
file is an error that names the file and what is wrong.

* ``read_idx(path)``: an IDX file (MNIST's format; ``.gz`` or not): 2 zero bytes, a type code
  (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
  dimensions, each dimension as a big-endian uint32, then the values, big-endian, row-major.
* ``read_cifar10_batch(path)``: CIFAR-10's *binary version*: records of 1 label byte + 3,072
  pixel bytes (1,024 red, 1,024 green, 1,024 blue, each 32x32 row-major).
* ``mnist(root, split)``, ``fashion_mnist(root, split)``, ``cifar10(root, split)``: the arrays
  ``(X uint8, y int64)``; ``X`` is (N, 28, 28) or (N, 3, 32, 32) (PyTorch's channel-first
  layout).  ``download=True`` fetches missing files over HTTPS (``data.download``) and checks
  their SHA-256 first; ``mirror=`` names another base URL serving the same files.
"""

from __future__ import annotations

import gzip
import os
import tarfile
from io import BufferedIOBase
from pathlib import Path

import numpy as np

from .download import download as _download

__all__ = [
    "read_idx", "read_cifar10_batch", "mnist", "fashion_mnist", "cifar10",
    "MNIST_FILES", "FASHION_MNIST_FILES", "CIFAR10_ARCHIVE", "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES",
]  # fmt: skip

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MAX_BYTES = 1 << 32  # no IDX or CIFAR file of interest comes close; a header claiming more is corrupt

# (base URL, {file name: SHA-256}); the hashes are those TensorFlow Datasets records for these files
MNIST_FILES = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
)
FASHION_MNIST_FILES = (
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    {
        "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
)
CIFAR10_ARCHIVE = (
    "https://www.cs.toronto.edu/~kriz/",
    {"cifar-10-binary.tar.gz": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"},
)
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

_CIFAR_DIR = "cifar-10-batches-bin"
_CIFAR_SPLITS = {"train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"]}
_CIFAR_RECORD = 1 + 3 * 32 * 32


def _read_exactly(f: BufferedIOBase, n: int, path: str, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ValueError(f"read_idx: {path!r} is truncated: {n} bytes needed for {what}, only {len(data)} found")
    return data


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (gzip-compressed or not), in native byte order."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise FileNotFoundError(f"read_idx: no such file: {name!r}")
    with open(name, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    with (gzip.open if gz else open)(name, "rb") as f:
        try:
            magic = _read_exactly(f, 4, name, "the header")
        except (OSError, EOFError) as e:  # a .gz that is not one, or cut short
            raise ValueError(f"read_idx: {name!r} is not a readable gzip file: {e}") from None
        if magic[:2] != b"\0\0" or magic[2] not in _IDX_TYPES or magic[3] == 0:
            raise ValueError(
                f"read_idx: {name!r} is not an IDX file: magic bytes {magic.hex()} (expected 0000, a type code "
                f"among {', '.join(f'{c:02x}' for c in _IDX_TYPES)}, and a dimension count >= 1)"
            )
        dtype, ndim = np.dtype(_IDX_TYPES[magic[2]]), magic[3]
        shape = tuple(int(d) for d in np.frombuffer(_read_exactly(f, 4 * ndim, name, "the dimensions"), ">u4"))
        nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if nbytes > _MAX_BYTES:
            raise ValueError(f"read_idx: {name!r} claims shape {shape} ({nbytes} bytes): a corrupt header")
        if not gz and os.path.getsize(name) != 4 + 4 * ndim + nbytes:
            size = os.path.getsize(name)
            problem = "truncated" if size < 4 + 4 * ndim + nbytes else "longer than its header says"
            raise ValueError(
                f"read_idx: {name!r} is {problem}: shape {shape} of {dtype.name} needs {4 + 4 * ndim + nbytes} "
                f"bytes, the file has {size}"
            )
        try:
            body = _read_exactly(f, nbytes, name, f"shape {shape} of {dtype.name}")
            extra = f.read(1)
        except (OSError, EOFError) as e:
            raise ValueError(f"read_idx: {name!r} is a damaged gzip file: {e}") from None
        if extra:
            raise ValueError(f"read_idx: {name!r} is longer than its header says (shape {shape} of {dtype.name})")
    return np.frombuffer(body, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def read_cifar10_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) from one CIFAR-10 binary batch file."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise FileNotFoundError(f"read_cifar10_batch: no such file: {name!r}")
    size = os.path.getsize(name)
    if size == 0 or size % _CIFAR_RECORD or size > _MAX_BYTES:
        raise ValueError(
            f"read_cifar10_batch: {name!r} has {size} bytes, not a whole number of {_CIFAR_RECORD}-byte records "
            "(1 label byte + 3x32x32 pixels): truncated, or not CIFAR-10's binary version"
        )
    records = np.fromfile(name, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise ValueError(f"read_cifar10_batch: {name!r}: record {bad} has label {labels[bad]}, expected 0..9")
    return records[:, 1:].reshape(-1, 3, 32, 32).copy(), labels


# --------------------------------------------------------------------------- the datasets
def _split_names(who: str, split: str, choices: dict[str, list[str]] | tuple[str, ...]) -> None:
    if split not in choices:
        raise ValueError(f"{who}: split must be one of {tuple(choices)}, got {split!r}")


def _fetch(root: Path, files: tuple[str, dict[str, str]], name: str, mirror: str | None) -> Path:
    base, hashes = files
    url = (mirror or base).rstrip("/") + "/" + name
    return _download(url, root / name, hashes[name])


def _idx_file(who: str, root: Path, stem: str, files: tuple[str, dict[str, str]], download: bool,
              mirror: str | None) -> Path:  # fmt: skip
    for candidate in (root / stem, root / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    if download:
        return _fetch(root, files, stem + ".gz", mirror)
    raise FileNotFoundError(
        f"{who}: no {stem} or {stem}.gz in {os.fspath(root)!r}; download it from {files[0]}{stem}.gz or pass "
        "download=True"
    )


def _idx_dataset(who: str, root: str | os.PathLike, split: str, files: tuple[str, dict[str, str]], download: bool,
                 mirror: str | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    _split_names(who, split, ("train", "test"))
    prefix = "train" if split == "train" else "t10k"
    root = Path(root)
    img_path = _idx_file(who, root, f"{prefix}-images-idx3-ubyte", files, download, mirror)
    lbl_path = _idx_file(who, root, f"{prefix}-labels-idx1-ubyte", files, download, mirror)
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(
            f"{who}: {img_path.name} holds {images.dtype} of shape {images.shape}, expected uint8 (N, H, W)"
        )
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{who}: {lbl_path.name} holds {labels.dtype} of shape {labels.shape}, expected uint8 (N,)")
    if len(images) != len(labels):
        raise ValueError(f"{who}: {len(images)} images in {img_path.name} but {len(labels)} labels in {lbl_path.name}")
    if len(labels) and labels.max() > 9:
        raise ValueError(f"{who}: {lbl_path.name} has label {labels.max()}, expected 0..9")
    return images, labels.astype(np.int64)


def mnist(root: str | os.PathLike, split: str = "train", download: bool = False,
          mirror: str | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """MNIST from the four IDX files in ``root`` (``train-images-idx3-ubyte[.gz]``, ...):
    ``X`` uint8 (60000 or 10000, 28, 28), ``y`` int64 digits 0..9."""
    return _idx_dataset("mnist", root, split, MNIST_FILES, download, mirror)


def fashion_mnist(root: str | os.PathLike, split: str = "train", download: bool = False,
                  mirror: str | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Fashion-MNIST (Zalando; same file names and format as MNIST); class names in
    ``FASHION_MNIST_CLASSES``."""
    return _idx_dataset("fashion_mnist", root, split, FASHION_MNIST_FILES, download, mirror)


def _extract_cifar(archive: Path, root: Path) -> None:
    """Write the six batch files out of the archive -- only those names, only regular files
    (never a path the archive chooses)."""
    wanted = {f"{_CIFAR_DIR}/{n}" for names in _CIFAR_SPLITS.values() for n in names}
    (root / _CIFAR_DIR).mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                src = tar.extractfile(member)
                assert src is not None
                with src, open(root / member.name, "wb") as out:
                    out.write(src.read())
                wanted.discard(member.name)
    if wanted:
        raise ValueError(f"cifar10: {archive.name} lacks {', '.join(sorted(wanted))}")


def cifar10(root: str | os.PathLike, split: str = "train", download: bool = False,
            mirror: str | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """CIFAR-10 (binary version) from ``root/cifar-10-batches-bin/`` (or the batch files
    directly in ``root``): ``X`` uint8 (50000 or 10000, 3, 32, 32), ``y`` int64; class names in
    ``CIFAR10_CLASSES``.  ``download=True`` fetches ``cifar-10-binary.tar.gz`` (162 MiB), checks
    its SHA-256 and unpacks the batch files."""
    _split_names("cifar10", split, _CIFAR_SPLITS)
    root = Path(root)
    names = _CIFAR_SPLITS[split]
    folder = next((d for d in (root / _CIFAR_DIR, root) if all((d / n).is_file() for n in names)), None)
    if folder is None and download:
        archive_name = next(iter(CIFAR10_ARCHIVE[1]))
        _extract_cifar(_fetch(root, CIFAR10_ARCHIVE, archive_name, mirror), root)  # verified before it is opened
        folder = root / _CIFAR_DIR
    if folder is None:
        raise FileNotFoundError(
            f"cifar10: no {', '.join(names)} in {os.fspath(root / _CIFAR_DIR)!r}; get the binary version "
            f"({CIFAR10_ARCHIVE[0]}cifar-10-binary.tar.gz) and unpack it in {os.fspath(root)!r}, or pass download=True"
        )
    parts = [read_cifar10_batch(folder / n) for n in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

"""Reading a saved model's ``.npz`` without trusting it: headers first, then bounded reads.

An ``.npz`` is a zip archive of ``.npy`` members.  ``read_state(path, expected)`` first refuses a
file larger than the model's entries can make, or one declaring many more entries; then reads the
zip's central directory and only the first bytes of each member (the ``.npy`` header: dtype, order,
shape), and checks every name, shape and dtype against what the model expects -- and each member's
declared uncompressed size against shape x itemsize -- before it decompresses any data; then it
reads from each member exactly the bytes its array needs and no more.  So memory stays bounded by
the model's own size, whatever the file claims: a decompression bomb, a lying header, an
unexpected or duplicated entry, Python objects (never unpickled), encryption or a foreign file are
refused with a ``ModelFileError`` that names the file and the entry.

``npz_path`` is the one path rule of ``Module.save`` and ``Module.load``: numpy's own (``m``
means ``m.npz``), so ``save("m")`` then ``load("m")`` reads the file just written.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["ModelFileError", "npz_path", "read_state"]

MAX_HEADER = 10_000  # bytes of one .npy header (numpy's own default limit)
_OVERHEAD = 4096  # bytes a zip member may add around its array: zip headers, name, .npy header
MAX_EXTRA = 16  # unexpected entries beyond this many are refused from the entry count, unlisted
_EOCD = struct.Struct("<4s4H2LH")  # zip's end-of-central-directory record
_NPY_MAGIC = b"\x93NUMPY"


class ModelFileError(ValueError):
    """A file that is not a saved model, or not this model's; the message names the file and the entry."""


def npz_path(path: str | os.PathLike) -> str:
    """The file ``numpy.savez`` writes for ``path``: ``.npz`` is appended unless the name has it."""
    name = os.fspath(path)
    return name if name.endswith(".npz") else name + ".npz"


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=object))  # exact, no overflow


def read_state(path: str, expected: Mapping[str, tuple[int, ...]], model: str = "the model") -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` at ``path``, by name, after checking them against ``expected``
    (name -> shape); raises ``ModelFileError`` before decompressing anything that does not fit."""
    limit = sum(16 * _size(s) + _OVERHEAD + 2 * len(k) for k, s in expected.items()) + _OVERHEAD
    if os.path.isdir(path):
        raise ModelFileError(f"load: {path!r} is a directory, not a saved model")
    with open(path, "rb") as f:
        head = f.read(len(_NPY_MAGIC))
        if head == _NPY_MAGIC:
            raise ModelFileError(f"load: {path!r} holds a single array, not named entries (write it with Module.save)")
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            raise ModelFileError(f"load: cannot read {path!r} as a saved model: the file is empty")
        if size > limit:
            raise ModelFileError(
                f"load: {path!r} is {size:,} bytes, more than {model}'s {len(expected)} entries can take "
                f"({limit:,} bytes at most); it is not this model's file"
            )
        entries = _declared_entries(f, size)
        if entries is not None and entries > len(expected) + MAX_EXTRA:
            raise ModelFileError(
                f"load: {path!r} declares {entries:,} entries, {model} has {len(expected)}; it is not this model's file"
            )
        f.seek(0)
        try:
            archive = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
            raise ModelFileError(
                f"load: cannot read {path!r} as a saved model: not an .npz (zip) archive ({e})"
            ) from None
        with archive:
            members = _check_names(path, archive.infolist(), expected, model)
            headers = {key: _read_header(path, archive, info, key, expected[key]) for key, info in members.items()}
            return {key: _read_data(path, archive, members[key], key, headers[key]) for key in members}


def _declared_entries(f: Any, size: int) -> int | None:
    """The entry count in the zip's end-of-central-directory record (None if not found, or zip64's), read
    before zipfile parses the directory, so a directory of millions of entries is refused unread."""
    tail = min(size, _EOCD.size + 0xFFFF)  # the record, then a comment of at most 64 kB
    f.seek(size - tail)
    data = f.read(tail)
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(data):
        return None
    entries = _EOCD.unpack_from(data, at)[4]
    return None if entries == 0xFFFF else entries


def _check_names(
    path: str, infos: list[zipfile.ZipInfo], expected: Mapping[str, tuple[int, ...]], model: str
) -> dict[str, zipfile.ZipInfo]:
    """The members by entry name, when they are exactly the expected ones (each once)."""
    members: dict[str, zipfile.ZipInfo] = {}
    twice, foreign = [], []
    for info in infos:
        key = info.filename[: -len(".npy")] if info.filename.endswith(".npy") else None
        if key is None:
            foreign.append(info.filename)
        elif key in members:
            twice.append(key)
        else:
            members[key] = info
    problems = []
    missing = [k for k in expected if k not in members]
    extra = [k for k in members if k not in expected] + foreign
    if missing:
        problems.append(f"missing entries: {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected entries: {', '.join(map(_show, extra[:10]))}{' ...' if len(extra) > 10 else ''}")
    if twice:
        problems.append(f"entries stored twice: {', '.join(map(_show, twice))}")
    if problems:
        raise ModelFileError(f"load: {path!r} does not fit {model}: " + "; ".join(problems))
    return members


def _show(name: str) -> str:
    """A name from the file as it can be shown in a one-line message."""
    return name if name.isprintable() and len(name) <= 100 and ", " not in name else repr(name[:100])


def _entry_error(path: str, key: str, why: str) -> ModelFileError:
    return ModelFileError(f"load: cannot read {path!r} as a saved model: entry {key}: {why}")


_READ_ERRORS = (ValueError, EOFError, OSError, SyntaxError, zipfile.BadZipFile, zlib.error)


def _header(stream: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran order, dtype) from the start of a member's stream, leaving it at the data."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream, max_header_size=MAX_HEADER)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream, max_header_size=MAX_HEADER)
    raise ValueError(f".npy format version {version} (1.0 and 2.0 are read)")


def _first_line(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else repr(e)


def _read_header(
    path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, shape: tuple[int, ...]
) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """The member's .npy header (shape, order, dtype) and its data's byte count, checked against ``shape``
    and against the member's declared uncompressed size; decompresses a few hundred bytes at most."""
    if info.flag_bits & 0x1:
        raise _entry_error(path, key, "it is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _entry_error(path, key, f"compression method {info.compress_type} (numpy writes stored or deflated)")
    try:
        with archive.open(info) as stream:
            fshape, fortran, dtype = _header(stream)
            start = stream.tell()
    except _READ_ERRORS as e:
        raise _entry_error(path, key, f"no valid .npy header ({_first_line(e)})") from None
    if dtype.hasobject:
        raise _entry_error(path, key, f"it holds Python objects (dtype {dtype}), which are never unpickled")
    if dtype.kind not in "fiu" or dtype.fields is not None or dtype.subdtype is not None:
        raise _entry_error(path, key, f"dtype {dtype}; a model's entries are real numbers (float or int)")
    if tuple(fshape) != tuple(shape):
        raise ModelFileError(f"load: {path!r}: entry {key} has shape {tuple(fshape)}, the model needs {tuple(shape)}")
    nbytes = _size(shape) * dtype.itemsize
    if info.file_size != start + nbytes:
        raise _entry_error(
            path, key, f"the archive declares {info.file_size:,} bytes, but its header ({dtype}, shape "
            f"{tuple(fshape)}) needs {start + nbytes:,}"
        )  # fmt: skip
    return tuple(fshape), bool(fortran), dtype, nbytes


def _read_data(
    path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
    header: tuple[tuple[int, ...], bool, np.dtype, int],
) -> np.ndarray:  # fmt: skip
    """The member's array, reading exactly the bytes its checked header needs (and checking the CRC)."""
    shape, fortran, dtype, nbytes = header
    try:
        with archive.open(info) as stream:
            again = _header(stream)
            data = stream.read(nbytes) if again == (shape, fortran, dtype) else b""
            trailing = stream.read(1)  # reaching the end makes zipfile check the CRC
    except _READ_ERRORS as e:
        raise _entry_error(path, key, f"its data is damaged ({_first_line(e)})") from None
    if len(data) != nbytes or trailing:
        raise _entry_error(path, key, f"its data does not have the {nbytes:,} bytes its header needs")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")

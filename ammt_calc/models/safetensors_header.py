"""Read a `.safetensors` file's header: every tensor's dtype and shape, without the data.

The format (huggingface/safetensors, README "Format"): an 8-byte little-endian unsigned
header length N, then N bytes of UTF-8 JSON mapping each tensor name to
`{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the first byte
after the header) plus an optional `"__metadata__"` of strings, then the data. The data
must be covered exactly: no tensor overlaps another, none runs past the end, no holes.

Only the 8 + N header bytes are read (a file of many GByte takes milliseconds), and N is
bounded (100 MB, the limit of the reference implementation), so memory stays bounded
whatever the file claims; the JSON is read within bounds (files.parse_json): at most
MAX_TENSORS tensors (twice DeepSeek-V3's 91,991, the most of any open checkpoint) of at most
MAX_DIMS dimensions each. Errors never quote the header length field: a "shard" that is a
link to a private file must not print its first bytes. A sharded checkpoint (`model.safetensors.index.json`) is the
sum of its shards' headers. Parameter counts and bytes are exact integers.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError, short_path
from ..files import open_regular, parse_json
from ..files import read_bounded as _read_file

MAX_HEADER_BYTES = 100_000_000  # safetensors' own MAX_HEADER_SIZE (100 MB)
MAX_INDEX_BYTES = 50_000_000  # an index lists tensor names: a few hundred kByte in practice
INDEX_SUFFIX = ".safetensors.index.json"
MAX_TENSORS = 200_000  # per checkpoint (all shards): DeepSeek-V3 has 91,991, Llama-3.1-405B 1,138
MAX_DIMS = 16  # a weight has at most 5 (a 3-D convolution's); numpy itself allows 64
MAX_ELEMENTS = 1 << 53  # per tensor: beyond it a float miscounts, and no file holds 2**53 values
# JSON values per tensor in a header: its key, {dtype, shape, data_offsets}, the shape's
# dimensions and two offsets (files.parse_json counts each `{`, `[` and `,`)
VALUES_PER_TENSOR = 8 + MAX_DIMS
# Bits per element of each dtype the format defines (safetensors Dtype enum): sub-byte
# types (F4, F6) pack elements, and a tensor of them must fill whole bytes.
DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32,
    "I64": 64, "U64": 64, "F64": 64, "C64": 64,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int  # byte offsets in the data region
    end: int

    @property
    def elements(self) -> int:
        return math.prod(self.shape)

    @property
    def bits(self) -> int:
        return DTYPE_BITS[self.dtype]

    @property
    def nbytes(self) -> int:
        return self.end - self.begin


@dataclass(frozen=True)
class SafetensorsInfo:
    """The tensors of one file, or of every shard of a sharded checkpoint."""

    path: str  # the file, or the index of a sharded checkpoint
    tensors: tuple[TensorInfo, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # the shard files read (one for a single file)
    header_bytes: int = 0  # bytes read: 8 + N per file

    @property
    def num_params(self) -> int:
        return sum(t.elements for t in self.tensors)

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)

    @property
    def bits(self) -> int:
        return 8 * self.nbytes

    def params_by_dtype(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tensors:
            out[t.dtype] = out.get(t.dtype, 0) + t.elements
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def to_dict(self) -> dict:
        return {"path": self.path, "files": list(self.files), "num_params": self.num_params,
                "bytes": self.nbytes, "tensors": len(self.tensors), "params_by_dtype": self.params_by_dtype()}


def read_safetensors(path_text: str | os.PathLike) -> SafetensorsInfo:
    """A `.safetensors` file, a `*.safetensors.index.json`, or a folder holding either."""
    path = Path(path_text).expanduser()
    if path.is_dir():
        found = find_in_folder(path)
        if found is None:
            raise UserError(f"'{path_text}' holds no model.safetensors nor model.safetensors.index.json")
        path = found
    if path.name.endswith(INDEX_SUFFIX):
        return read_index(path)
    return read_header(path)


def find_in_folder(folder: Path) -> Path | None:
    """The checkpoint of a Hugging Face model folder: the index of a sharded one, else model.safetensors,
    else the folder's only .safetensors file."""
    for name in ("model" + INDEX_SUFFIX, "model.safetensors"):
        if (folder / name).exists():  # a FIFO of that name is refused when read, not skipped
            return folder / name
    indexes = sorted(folder.glob("*" + INDEX_SUFFIX))
    if len(indexes) == 1:
        return indexes[0]
    files = sorted(folder.glob("*.safetensors"))
    return files[0] if len(files) == 1 else None


def read_header(path_text: str | os.PathLike) -> SafetensorsInfo:
    """One file's header, checked against the file's size; the data region is never read."""
    path = Path(path_text).expanduser()
    name = short_path(path_text)
    with open_regular(path, "safetensors file") as (f, info):
        size = info.st_size
        try:
            prefix = f.read(8)
            if len(prefix) < 8:
                raise UserError(f"'{name}' is not a safetensors file: {size} bytes, shorter than the 8-byte header length")
            (length,) = struct.unpack("<Q", prefix)
            # the length is not shown: in a file that is not safetensors it is the file's first 8 bytes
            if length > MAX_HEADER_BYTES:
                raise UserError(f"'{name}' is not a safetensors file: its header length field exceeds the"
                                f" format's {MAX_HEADER_BYTES:,} bytes (100 MB)")
            if 8 + length > size:
                raise UserError(f"'{name}' is not a safetensors file: its header length field runs past the end"
                                " of the file (truncated?)")
            raw = f.read(length)
        except OSError as exc:
            raise UserError(f"cannot read '{name}': {exc.strerror or exc}") from None
    if len(raw) != length:  # the file shrank while being read
        raise UserError(f"'{name}': the header is truncated; read it once it is written")
    header = _parse_json(raw, f"'{name}': the header", MAX_TENSORS * VALUES_PER_TENSOR)
    tensors, metadata = _tensors(header, name)
    _check_layout(tensors, size - 8 - length, name)
    return SafetensorsInfo(str(path_text), tuple(tensors), metadata, (str(path_text),), 8 + length)


def read_index(path_text: str | os.PathLike) -> SafetensorsInfo:
    """A sharded checkpoint: every shard named in the index's weight_map, summed."""
    path = Path(path_text).expanduser()
    name = str(path_text)
    raw = read_bounded(path, MAX_INDEX_BYTES, name, "an index of a sharded checkpoint")
    index = _parse_json(raw, f"'{short_path(name)}'", 4 * MAX_TENSORS)
    weight_map = index.get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise UserError(f"'{name}': missing 'weight_map' (tensor name -> shard file) of a sharded checkpoint")
    shards: dict[str, list[str]] = {}
    for tensor, shard in weight_map.items():
        if not isinstance(shard, str) or not shard or Path(shard).name != shard or shard in (".", ".."):
            raise UserError(f"'{name}': weight_map['{_short(tensor)}'] is {_short(shard)!r}; expected the file name"
                            " of a shard in the same folder")
        shards.setdefault(shard, []).append(tensor)
    if len(weight_map) > MAX_TENSORS:
        raise UserError(f"'{short_path(name)}': weight_map lists more than {MAX_TENSORS:,} tensors; the largest"
                        " open checkpoints have under 100,000")
    tensors: list[TensorInfo] = []
    files, header_bytes, seen = [], 0, {}
    for shard, listed in shards.items():
        shard_path = path.parent / shard
        if not shard_path.exists():
            raise UserError(f"'{name}': shard '{shard}' is missing from {path.parent}")
        info = read_header(shard_path)
        if len(tensors) + len(info.tensors) > MAX_TENSORS:
            raise UserError(f"'{short_path(name)}': its shards hold more than {MAX_TENSORS:,} tensors; the largest"
                            " open checkpoints have under 100,000")
        held = {t.name for t in info.tensors}
        missing = [t for t in listed if t not in held]
        if missing:
            raise UserError(f"'{name}': weight_map puts '{_short(missing[0])}' in '{shard}', which does not hold it")
        for t in info.tensors:
            if t.name in seen:
                raise UserError(f"'{name}': tensor '{_short(t.name)}' is in both '{seen[t.name]}' and '{shard}'")
            seen[t.name] = shard
        tensors.extend(info.tensors)
        files.append(str(shard_path))
        header_bytes += info.header_bytes
    metadata = index.get("metadata") if isinstance(index.get("metadata"), dict) else {}
    return SafetensorsInfo(name, tuple(tensors), {k: str(v) for k, v in metadata.items()}, tuple(files), header_bytes)


def read_bounded(path: Path, limit: int, name: str, what: str) -> bytes:
    """A small file's bytes, refused by its kind and size before it is read (a FIFO at once)."""
    return _read_file(path, limit, what, lambda shown, size: f"'{shown}': {size} bytes; {what} may have at most"
                      f" {limit} bytes")


# --- checks -------------------------------------------------------------------------------


def _parse_json(raw: bytes, what: str, max_values: int) -> dict:
    if not raw.lstrip(b" ").startswith(b"{"):
        raise UserError(f"{what} is not a JSON object (a safetensors header starts with '{{')")
    data = parse_json(raw, what, max_values=max_values, unique_keys=True)
    if not isinstance(data, dict):
        raise UserError(f"{what} is not a JSON object")
    return data


def _tensors(header: dict, name: str) -> tuple[list[TensorInfo], dict[str, str]]:
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise UserError(f"'{name}': __metadata__ must map text to text")
    tensors = []
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        where = f"'{name}': tensor '{_short(key)}'"
        if not isinstance(spec, dict):
            raise UserError(f"{where}: expected {{dtype, shape, data_offsets}}")
        for needed in ("dtype", "shape", "data_offsets"):
            if needed not in spec:
                raise UserError(f"{where}: missing '{needed}'")
        dtype = spec["dtype"]
        if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
            raise UserError(f"{where}: unknown dtype {_short(dtype)!r}; known: {', '.join(DTYPE_BITS)}")
        shape = spec["shape"]
        if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
            raise UserError(f"{where}: shape must be a list of non-negative integers, got {_short(shape)}")
        if len(shape) > MAX_DIMS:
            raise UserError(f"{where}: {len(shape)} dimensions; a tensor has at most {MAX_DIMS} here")
        if not _elements_fit(shape):
            raise UserError(f"{where}: shape {_short(shape)} holds more than 2**53 values; no file holds that many")
        offsets = spec["data_offsets"]
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets)
                or offsets[0] > offsets[1]):
            raise UserError(f"{where}: data_offsets must be [begin, end] with 0 <= begin <= end, got {_short(offsets)}")
        info = TensorInfo(key, dtype, tuple(shape), offsets[0], offsets[1])
        bits = info.elements * info.bits
        if bits % 8 or bits // 8 != info.nbytes:
            raise UserError(f"{where}: {dtype} {list(shape)} needs {bits / 8:g} bytes, but its data_offsets span"
                            f" {info.nbytes}")
        tensors.append(info)
    return tensors, dict(metadata)


def _check_layout(tensors: list[TensorInfo], data_size: int, name: str) -> None:
    """The data region is covered exactly: sorted by offset, each tensor starts where the last ended."""
    at, last = 0, None
    for t in sorted(tensors, key=lambda t: (t.begin, t.end)):
        if t.begin < at:
            raise UserError(f"'{name}': tensors '{_short(last.name)}' (bytes {last.begin}-{last.end}) and"
                            f" '{_short(t.name)}' (bytes {t.begin}-{t.end}) overlap")
        if t.begin > at:
            raise UserError(f"'{name}': no tensor covers data bytes {at}-{t.begin} (the format allows no holes)")
        if t.end > data_size:
            raise UserError(f"'{name}': tensor '{_short(t.name)}' ends at data byte {t.end}, past the end of the"
                            f" file's {data_size} data bytes: truncated")
        at, last = max(at, t.end), t
    if at != data_size:
        raise UserError(f"'{name}': the tensors cover {at} of the file's {data_size} data bytes"
                        " (the format allows no trailing bytes)")


def _elements_fit(shape: list[int]) -> bool:
    """The product of the dimensions is at most MAX_ELEMENTS (0 if any is 0), found without big integers."""
    if 0 in shape:
        return True
    product = 1
    for dim in shape:
        product *= dim
        if product > MAX_ELEMENTS:
            return False
    return True


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _short(value, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

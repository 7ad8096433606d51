"""The .safetensors header reader: exact counts from headers built here, a sparse file of
several GByte read through its header alone, sharded checkpoints, hostile headers."""

import json
import struct
import tempfile
from pathlib import Path

import pytest
from helpers import write_safetensors
from hypothesis import given, settings
from hypothesis import strategies as st

from ammt_calc.errors import UserError
from ammt_calc.models import safetensors_header as safetensors


def test_header_built_here(tmp_path):
    path = tmp_path / "model.safetensors"
    n = write_safetensors(path, {"embed.weight": ("BF16", (10, 4)), "norm.weight": ("F32", (4,)),
                                 "step": ("I64", ())})
    info = safetensors.read_header(path)
    # 10*4 + 4 + 1 (a scalar has one element) = 45 values; 40*2 + 4*4 + 8 = 104 bytes
    assert info.num_params == 45 and isinstance(info.num_params, int)
    assert info.nbytes == 104 and info.bits == 832
    assert info.header_bytes == 8 + n
    assert info.params_by_dtype() == {"BF16": 40, "F32": 4, "I64": 1}
    assert [t.name for t in info.tensors] == ["embed.weight", "norm.weight", "step"]
    assert safetensors.read_safetensors(tmp_path).num_params == 45  # the folder


def test_sub_byte_dtypes(tmp_path):
    path = tmp_path / "fp4.safetensors"
    header = {"w": {"dtype": "F4", "shape": [8, 2], "data_offsets": [0, 8]},  # 16 x 4 bit = 8 bytes
              "s": {"dtype": "F8_E8M0", "shape": [2], "data_offsets": [8, 10]}}
    write_safetensors(path, None, header=header, data_size=10)
    info = safetensors.read_header(path)
    assert info.num_params == 18 and info.nbytes == 10


class CountingFile:
    """A file that counts the bytes read through it."""

    total = 0

    def __init__(self, real):
        self.real = real

    def read(self, n=-1):
        data = self.real.read(n)
        CountingFile.total += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def test_sparse_multi_gbyte_file_reads_only_the_header(tmp_path, monkeypatch):
    path = tmp_path / "big.safetensors"
    # 3 x 16384 x 32768 BF16 = 3,221,225,472 bytes (3.2 GByte) of data: a hole on disk
    tensors = {f"layers.{i}.weight": ("BF16", (16384, 32768)) for i in range(3)}
    n = write_safetensors(path, tensors, sparse=True)
    assert path.stat().st_size == 8 + n + 3 * 16384 * 32768 * 2
    CountingFile.total = 0
    from ammt_calc import files  # the one reader opens every user file

    monkeypatch.setattr(files, "open", lambda p, mode="r": CountingFile(open(p, mode)), raising=False)
    info = safetensors.read_header(path)
    assert CountingFile.total == 8 + n  # the length and the JSON: not one byte of the 3.2 GByte
    assert info.num_params == 3 * 16384 * 32768 == 1_610_612_736
    assert info.nbytes == 3_221_225_472


def test_sharded_checkpoint(tmp_path):
    write_safetensors(tmp_path / "model-00001-of-00002.safetensors", {"a": ("F16", (3, 4)), "b": ("F16", (4,))})
    write_safetensors(tmp_path / "model-00002-of-00002.safetensors", {"c": ("BF16", (5, 5))})
    index = {"metadata": {"total_size": 82}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                                                            "b": "model-00001-of-00002.safetensors",
                                                            "c": "model-00002-of-00002.safetensors"}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    info = safetensors.read_safetensors(tmp_path)  # the folder finds the index
    # 12 + 4 + 25 = 41 values; 41 x 2 bytes = 82
    assert info.num_params == 41 and info.nbytes == 82 and len(info.files) == 2
    assert info.metadata == {"total_size": "82"}


@pytest.mark.parametrize("weight_map, message", [
    ({"a": "../elsewhere.safetensors"}, "expected the file name of a shard"),
    ({"a": "missing.safetensors"}, "shard 'missing.safetensors' is missing"),
    ({"zzz": "s1.safetensors"}, "puts 'zzz' in 's1.safetensors', which does not hold it"),
    ({"a": "s1.safetensors", "b": "s2.safetensors"}, "tensor 'a' is in both"),
    ({}, "missing 'weight_map'"),
])
def test_bad_index(tmp_path, weight_map, message):
    write_safetensors(tmp_path / "s1.safetensors", {"a": ("F16", (2,))})
    write_safetensors(tmp_path / "s2.safetensors", {"a": ("F16", (2,)), "b": ("F16", (2,))})
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    with pytest.raises(UserError, match=message):
        safetensors.read_safetensors(tmp_path / "model.safetensors.index.json")


def _raw(path, length_field, body=b"", tail=b""):
    path.write_bytes(struct.pack("<Q", length_field) + body + tail)


def test_truncated_and_lying_lengths(tmp_path):
    path = tmp_path / "x.safetensors"
    path.write_bytes(b"\x05\x00")
    with pytest.raises(UserError, match="shorter than the 8-byte header length"):
        safetensors.read_header(path)
    _raw(path, 1000, b'{"a": 1}')  # claims 1000 bytes, has 8
    with pytest.raises(UserError, match="header length field runs past the end of the file"):
        safetensors.read_header(path)
    _raw(path, 200_000_000, b"{}")  # a 200 MB claim is refused before any allocation
    with pytest.raises(UserError, match="header length field exceeds the format's 100,000,000 bytes") as caught:
        safetensors.read_header(path)
    assert "200000000" not in str(caught.value)  # the first 8 bytes of a file are never shown
    _raw(path, 2**64 - 1)
    with pytest.raises(UserError, match="100,000,000 bytes"):
        safetensors.read_header(path)


def _tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


@pytest.mark.parametrize("header, data_size, message", [
    (b"not json at all", 0, "is not a JSON object"),
    (b"{\"a\": ", 0, "is not valid JSON"),
    (b"{\"a\": NaN}", 0, "NaN, which is not JSON"),
    (b"\xff{}", 0, "is not a JSON object"),
    (b"{\"x\": \"\xff\"}", 0, "not UTF-8"),
    (b"[1]", 0, "is not a JSON object"),
    (b"{\"a\": {\"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [0, 2]},"
     b" \"a\": {\"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [2, 4]}}", 4, "names the key 'a' twice"),
    ({"a": _tensor("F16", [2], 0, 4), "b": _tensor("F16", [2], 2, 6)}, 6, "'a' .*and 'b' .*overlap"),
    ({"a": _tensor("F16", [2], 0, 4), "b": _tensor("F16", [2], 4, 8)}, 6, "'b' ends at data byte 8, past the end"),
    ({"a": _tensor("F16", [2], 0, 4), "b": _tensor("F16", [2], 6, 10)}, 10, "no tensor covers data bytes 4-6"),
    ({"a": _tensor("F16", [2], 0, 4)}, 9, "cover 4 of the file's 9 data bytes"),
    ({"a": _tensor("Q4_K", [2], 0, 4)}, 4, "unknown dtype 'Q4_K'"),
    ({"a": {"dtype": "F16", "shape": [2]}}, 4, "missing 'data_offsets'"),
    ({"a": {"shape": [2], "data_offsets": [0, 4]}}, 4, "missing 'dtype'"),
    ({"a": _tensor("F16", [3], 0, 4)}, 4, r"F16 \[3\] needs 6 bytes, but its data_offsets span 4"),
    ({"a": _tensor("F16", [-2], 0, 4)}, 4, "shape must be a list of non-negative integers"),
    ({"a": _tensor("F16", [2], 4, 0)}, 4, "data_offsets must be"),
    ({"a": _tensor("F16", [10**30], 0, 4)}, 4, r"holds more than 2\*\*53 values"),
    ({"a": _tensor("F4", [3], 0, 2)}, 2, "needs 1.5 bytes"),
    ({"__metadata__": {"format": 1}}, 0, "__metadata__ must map text to text"),
    ({"a": [1]}, 0, "expected {dtype, shape, data_offsets}"),
])
def test_hostile_headers(tmp_path, header, data_size, message):
    path = tmp_path / "x.safetensors"
    write_safetensors(path, None, header=header, data_size=data_size)
    with pytest.raises(UserError, match=message):
        safetensors.read_header(path)


def test_messages_are_one_line_and_name_the_file(tmp_path):
    path = tmp_path / "x.safetensors"
    write_safetensors(path, None, header={"a\nb": _tensor("F16", [3], 0, 4)}, data_size=4)
    with pytest.raises(UserError) as caught:
        safetensors.read_header(path)
    assert "\n" not in str(caught.value) and "x.safetensors" in str(caught.value)


# --- property tests ----------------------------------------------------------------------

DTYPES = sorted(d for d, bits in safetensors.DTYPE_BITS.items() if bits % 8 == 0)
TENSORS = st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda n: n != "__metadata__"),
                          st.tuples(st.sampled_from(DTYPES), st.lists(st.integers(0, 6), max_size=3)),
                          max_size=6)
WORK = Path(tempfile.mkdtemp(prefix="ammt-st-"))


@settings(max_examples=60, deadline=None)
@given(TENSORS)
def test_any_valid_layout_is_counted_exactly(tensors):
    header, at, values = {}, 0, 0
    for name, (dtype, shape) in tensors.items():
        count = 1
        for d in shape:
            count *= d
        size = count * safetensors.DTYPE_BITS[dtype] // 8
        header[name] = _tensor(dtype, shape, at, at + size)
        at, values = at + size, values + count
    path = WORK / "p.safetensors"
    write_safetensors(path, None, header=header, data_size=at)
    info = safetensors.read_header(path)
    assert info.num_params == values and info.nbytes == at and len(info.tensors) == len(tensors)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 2**64 - 1), st.binary(max_size=64))
def test_arbitrary_bytes_give_a_result_or_a_user_error(body, length, tail):
    path = WORK / "r.safetensors"
    for claimed in (len(body), length):
        _raw(path, claimed, body, tail)
        try:
            info = safetensors.read_header(path)
        except UserError as exc:
            assert "\n" not in str(exc)
        else:
            assert info.nbytes == len(tail) and info.num_params >= 0

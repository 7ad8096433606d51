"""Issue 21, the third hardening round: model files, the cache, the cluster, and the API held
to the CLI's contract. One test (or one parametrised group) per cause, numbered as in the
issue; where memory is the point the case runs in a child under a 1 GiB address-space cap
(limits_helpers.run_limited). Every bad input ends in exit 2 and one line."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
from pathlib import Path

import pytest
from hardening_helpers import assert_refused, deadline, listener, run
from limits_helpers import run_limited

from ammt_calc.errors import UserError

GIB_MB = 1024  # the cap of the contract: 1 GiB of address space
DL = "model-distribution-image-recognition"  # a model of model_size downloaded within the latency
LLAMA = {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
         "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256}




def safetensors_bytes(header: bytes | dict, data: bytes = b"") -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own (0700), read afresh."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("AMMT_CALC_CACHE", str(folder))
    monkeypatch.delenv("AMMT_CALC_NO_CACHE", raising=False)
    fresh_process_cache()
    yield folder
    fresh_process_cache()


def fresh_process_cache():
    """As a new process would: the catalog and the cache documents read again, notes forgotten."""
    from ammt_calc import api
    from ammt_calc.usecases import cache

    cache.clear_memory()
    api._CATALOGS.clear()


# --- 1. a FIFO given as a model file --------------------------------------------------------


@pytest.mark.parametrize("layout, ref", [
    (("config.json",), "config.json"),
    (("w.safetensors",), "w.safetensors"),
    (("model.safetensors.index.json",), "model.safetensors.index.json"),
    (("only.safetensors",), "."),  # the only weights file of a folder
    (("config.json",), "."),  # a folder's config.json
])
@pytest.mark.parametrize("how", ["model", "--set"])
def test_1_a_fifo_model_file_is_refused_at_once(tmp_path, layout, ref, how):
    folder = tmp_path / "m"
    folder.mkdir()
    for name in layout:
        os.mkfifo(folder / name)
    target = folder / ref
    args = ("model", target) if how == "model" else ("usecase", "llm-model-download", "--set", f"model={target}")
    if how == "--set" and ref == ".":
        args = ("usecase", "llm-model-download", "--set", f"model={folder}/")
    with deadline():
        code, _, err = run(*args)
    assert_refused(code, err, "FIFO")


# --- 2. a config.json whose layer count would take gigabytes ---------------------------------


def test_2_a_huge_layer_count_is_refused_by_its_bound_under_1_gib(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**LLAMA, "num_hidden_layers": 10_000_000}))
    code, report, err = run_limited("""
        from ammt_calc.models.zoo import load_model
        load_model(sys.argv[1])
    """, memory_mb=GIB_MB, cpu_seconds=30, args=[path])
    assert code == 0 and report, err
    assert "'num_hidden_layers' must be an integer from 1 to 1,000" in report["error"]


# --- 3. an edited catalog cache cannot change an answer -------------------------------------


def dl_rate(*extra) -> tuple[float, str]:
    code, out, err = run("usecase", DL, "--format", "json", *extra)
    assert code == 0, err
    row = next(r for r in json.loads(out)["rows"] if r["kpi"] == "dl_data_rate")
    return row["value"], err


def edit_cache(folder: Path, edit) -> None:
    for document in folder.glob("catalog-*.json"):
        data = json.loads(document.read_text())
        for entry in data["files"].values():
            edit(entry)
        document.write_text(json.dumps(data))


@pytest.mark.parametrize("formula, checked", [("2 * model_size / latency", None),
                                              ("model_size * latency", True)])  # the wrong dimension, "checked"
def test_3_an_edited_cache_entry_is_not_used(private_cache, formula, checked):
    expected = dl_rate()[0]  # model_size / latency at the defaults (138 MByte in 1 s)
    fresh_process_cache()

    def plant(entry):
        for kpi in entry["data"].get("kpis", {}).values():
            if isinstance(kpi, dict) and kpi.get("formula", "").strip() == "model_size / latency":
                kpi["formula"] = formula
        if checked is not None:
            entry["checked"] = checked

    edit_cache(private_cache, plant)
    value, err = dl_rate()
    assert value == expected  # from the YAML, not twice it nor an unchecked formula
    notes = [line for line in err.splitlines() if "catalog cache" in line]
    assert len(notes) == 1 and "did not verify" in notes[0] and "ignored and replaced" in notes[0], err
    fresh_process_cache()
    assert dl_rate() == (expected, "")  # replaced: the next run is quiet


# --- 4. a shared cache folder ------------------------------------------------------------------


def test_4_a_group_writable_cache_folder_is_not_used(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("AMMT_CALC_CACHE", str(shared))
    fresh_process_cache()
    code, _, err = run("list")
    fresh_process_cache()
    assert code == 0 and list(shared.iterdir()) == []
    assert "writable by group or others; no cache is used" in err


def test_4_temporary_files_never_follow_a_planted_link(private_cache, tmp_path, monkeypatch):
    """The old name was `.{name}.{pid}.tmp`, opened with open(): a link planted there was followed."""
    from ammt_calc.files import builtin_dir
    from ammt_calc.usecases import cache

    victim = tmp_path / "victim"
    victim.write_text("untouched")
    private_cache.mkdir(mode=0o700)
    (private_cache / f".{cache.document_name(builtin_dir())}.{os.getpid()}.tmp").symlink_to(victim)
    assert run("list")[0] == 0
    assert victim.read_text() == "untouched"
    written = list(private_cache.glob("catalog-*.json"))
    assert written and all(not p.is_symlink() and oct(p.stat().st_mode & 0o777) == "0o600" for p in written)


# --- 5. a damaged cache document heals -------------------------------------------------------


@pytest.mark.parametrize("damage, fragment", [
    ("deep", "nested more than 32 levels"),
    ("fifo", "FIFO"),
    ("huge", "at most 16,777,216 are read"),  # 700 MB (sparse): refused by its size, never read
    ("symlink", "symbolic link"),
    ("bad-entry", "did not verify"),  # an entry that would fail validation blames nothing
])
def test_5_a_damaged_cache_document_is_ignored_replaced_and_named(private_cache, tmp_path, damage, fragment):
    assert run("list")[0] == 0
    fresh_process_cache()
    documents = sorted(private_cache.glob("catalog-*.json"))
    target = documents[0]
    if damage == "bad-entry":
        edit_cache(private_cache, lambda entry: entry.update(data={"id": 5, "title": ["x"]}))
    else:
        target.unlink()
    if damage == "deep":
        target.write_text("[" * 100_000 + "]" * 100_000)
    elif damage == "fifo":
        os.mkfifo(target)
    elif damage == "huge":
        with open(target, "wb") as f:
            f.truncate(700_000_000)
    elif damage == "symlink":
        elsewhere = tmp_path / "elsewhere.json"
        elsewhere.write_text("{}")
        target.symlink_to(elsewhere)
    with deadline():
        code, out, err = run("list")
    assert code == 0 and DL in out and "Traceback" not in err
    notes = [line for line in err.splitlines() if line.startswith("note: catalog cache")]
    assert len(notes) == 1 and fragment in notes[0] and "ignored and replaced" in notes[0], err
    fresh_process_cache()
    assert run("list")[2] == ""  # healed: a regular, valid document again
    assert not target.is_symlink() and json.loads(target.read_text())["files"]


# --- 6 and 7. --scheduler ----------------------------------------------------------------------




SAMPLE = ("sample", DL, "--draw", "model_size=loguniform:10MB:1GB", "--draws", "100", "--engine", "dask")


def test_6_a_silent_scheduler_is_one_line_at_the_deadline():
    pytest.importorskip("distributed")
    with listener() as address, deadline(60):
        code, _, err = run(*SAMPLE, "--scheduler", address, "--connect-timeout", "1")
    assert_refused(code, err, "did not answer within 1 s")


def test_7_an_http_server_is_not_a_scheduler():
    pytest.importorskip("distributed")
    with listener(b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as address, deadline(60):
        code, _, err = run(*SAMPLE, "--scheduler", address, "--connect-timeout", "2")
    line = assert_refused(code, err)
    assert "did not answer" in line or "not a Dask scheduler" in line


@pytest.mark.parametrize("address, fragment", [
    ("", "names no scheduler"),
    ("   ", "names no scheduler"),
    ("tcp://127.0.0.1:-1", "port must be a number from 1 to 65535"),
    ("tcp://127.0.0.1:99999", "port must be a number from 1 to 65535"),
    ("tcp://127.0.0.1:0", "port must be a number from 1 to 65535"),
    ("tcp://127.0.0.1:８７８６", "not an address"),
    ("tcp://:8786", "the host must be"),
    ("tcp://:::x", "in brackets"),
    ("ucx://127.0.0.1:8786", "ucx:// needs"),
    ("tls://127.0.0.1:8786", "needs TLS certificates"),
    ("gopher://127.0.0.1:8786", "unknown scheme"),
    ("inproc://x", "unknown scheme"),
])
def test_7_a_bad_scheduler_address_is_refused_before_connecting(address, fragment):
    pytest.importorskip("distributed")
    with deadline(30):
        code, _, err = run(*SAMPLE, "--scheduler", address)
    assert_refused(code, err, fragment)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "601", "１"])
def test_7_the_connect_timeout_is_a_bounded_number(value):
    code, _, err = run(*SAMPLE, "--scheduler", "tcp://127.0.0.1:8786", "--connect-timeout", value)
    assert_refused(code, err, "--connect-timeout must be a number above 0 and at most 600")


# --- 8, 19. config.json numbers and nesting ---------------------------------------------------


@pytest.mark.parametrize("text, fragment", [
    (json.dumps(LLAMA)[:-1] + f', "hidden_size": {32 * 10**400}' + "}", "number of more than 40 characters"),
    (json.dumps({**LLAMA, "head_dim": 10**30}), "'head_dim' must be an integer from 1 to 4,096"),
    (json.dumps(LLAMA)[:-1] + f', "head_dim": {10**300}' + "}", "number of more than 40 characters"),
    (json.dumps(LLAMA)[:-1] + ', "x": ' + "1" * 5000 + "}", "number of more than 40 characters"),  # 19
    ("[" * 5000 + "]" * 5000, "nested more than 32 levels"),  # 19
    (json.dumps({**LLAMA, "rope_scaling": json.loads('{"a":' * 40 + "1" + "}" * 40)}), "nested more than 32"),
])
def test_8_19_config_numbers_and_nesting_are_named(tmp_path, text, fragment):
    path = tmp_path / "config.json"
    path.write_text(text)
    code, _, err = run("model", path)
    line = assert_refused(code, err, fragment)
    assert "UTF-8" not in line


# --- 9, 10, 18. safetensors headers and indexes ------------------------------------------------


@pytest.mark.parametrize("spec, fragment", [
    ({"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]}, "unknown dtype"),
    ({"dtype": "F32", "shape": [2**62] * 20, "data_offsets": [0, 4]}, "20 dimensions"),
    ({"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 4]}, "more than 2**53 values"),
    ({"dtype": "F32", "shape": [1] * 100_000, "data_offsets": [0, 4]}, "100000 dimensions"),
    ({"dtype": "F32", "shape": [1] * 1_000_000, "data_offsets": [0, 4]}, "1000000 dimensions"),
])
def test_9_hostile_tensor_specs_are_one_line_under_1_gib(tmp_path, spec, fragment):
    path = tmp_path / "x.safetensors"
    path.write_bytes(safetensors_bytes({"w": spec}, b"\0" * 4))
    code, report, err = run_limited("""
        from ammt_calc.models.safetensors_header import read_header
        read_header(sys.argv[1])
    """, memory_mb=GIB_MB, cpu_seconds=20, args=[path])
    assert code == 0 and report, err
    assert fragment in report["error"]


@pytest.mark.parametrize("kind", ["header of {}", "index with a junk key"])
def test_10_object_heavy_json_under_the_size_caps_is_refused_under_1_gib(tmp_path, kind):
    """A 99 MB header of `{}` took 2.5 GB; a 48 MB index with a junk array 1.2 GB, and was accepted."""
    if kind == "header of {}":
        body = b'{"x": [' + b"{}," * 33_000_000 + b"{}]}"  # 99 MB
        target = tmp_path / "x.safetensors"
        target.write_bytes(struct.pack("<Q", len(body)) + body)
    else:
        (tmp_path / "s.safetensors").write_bytes(struct.pack("<Q", 2) + b"{}")
        body = b'{"weight_map": {"a": "s.safetensors"}, "junk": [' + b"0," * 24_000_000 + b"0]}"  # 48 MB
        target = tmp_path / "m.safetensors.index.json"
        target.write_bytes(body)
    del body
    code, report, err = run_limited("""
        from ammt_calc.models.safetensors_header import read_safetensors
        read_safetensors(sys.argv[1])
    """, memory_mb=GIB_MB, cpu_seconds=60, args=[target])
    assert code == 0 and report, err
    assert "JSON values; a real one holds far fewer" in report["error"]


def test_18_a_shard_linked_to_a_private_file_does_not_leak_its_bytes(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_bytes(b"root:$6$verysecret:19000:0:99999:7:::\n")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "s.safetensors").symlink_to(secret)
    (tmp_path / "m" / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "s.safetensors"}}))
    code, _, err = run("model", tmp_path / "m")
    line = assert_refused(code, err, "not a safetensors file")
    first8 = secret.read_bytes()[:8]
    assert str(int.from_bytes(first8, "little")) not in line and str(len(secret.read_bytes()) - 8) not in line
    assert "$6$" not in line and "verysecret" not in line


# --- 11. numbers: ASCII digits, a length bound --------------------------------------------------

LONG = "1" * 5000


@pytest.mark.parametrize("args, env, fragment", [
    (("usecase", DL, "--transport", f"tcp,mtu={LONG}"), {}, "mtu must be a whole number"),
    (("usecase", DL, "--transport", "tcp,mtu=１５００"), {}, "mtu="),
    (("usecase", DL, "--cell", f"layers={LONG},bandwidth=100MHz,scs=30kHz,modulation=256QAM"), {},
     "layers must be a whole number from 1 to 8"),
    (("usecase", DL, "--cell", "layers=²,bandwidth=100MHz,scs=30kHz,modulation=256QAM"), {},
     "layers must be a whole number from 1 to 8"),
    (("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "①", "--modulation", "256QAM"), {},
     "layers must be a whole number from 1 to 8"),
    (("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", LONG, "--modulation", "256QAM"), {},
     "layers must be a whole number from 1 to 8"),
    (("sweep", DL, "--vary", f"latency=1s:2s:{LONG}"), {}, "COUNT must be a whole number from 2"),
    (("sweep", DL, "--vary", "latency=1s:2s:²"), {}, "COUNT must be a whole number from 2"),
    (("sample", DL, "--draw", "latency=uniform:1s:2s", "--draws", "²"), {}, "--draws must be a whole number"),
    (("sample", DL, "--draw", "latency=uniform:1s:2s", "--draws", LONG), {}, "--draws must be a whole number"),
    (("sample", DL, "--draw", "latency=uniform:1s:2s", "--seed", LONG), {}, "--seed must be a whole number"),
    (("sample", DL, "--draw", "latency=uniform:1s:2s", "--seed", "٣"), {}, "--seed must be a whole number"),
    (("sweep", DL, "--vary", "latency=1s:10s:70000", "-o", "out.csv"), {"AMMT_CALC_THREADS": "²"},
     "AMMT_CALC_THREADS must be a whole number"),
    (("sweep", DL, "--vary", "latency=1s:10s:70000", "-o", "out.csv"), {"AMMT_CALC_THREADS": LONG},
     "AMMT_CALC_THREADS must be a whole number"),
])
def test_11_numbers_go_through_the_one_grammar(cli, args, env, fragment):
    result = cli(*args, env=env)
    line = assert_refused(result.returncode, result.stderr, fragment)
    assert len(line) < 400  # the 5000 digits are not echoed


# --- 12. an interrupted Dask sweep ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("distributed")
    pytest.importorskip("pyarrow")
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local.scheduler_address


def test_12_sigterm_during_a_dask_sweep_cancels_it_and_leaves_no_partial_folder(cluster, tmp_path):
    import time

    from conftest import entry_point

    args = [*entry_point(), "sweep", DL, "--vary", "model_size=10MB:1GB:3000", "--vary", "latency=100ms:10s:3000",
            "--engine", "dask", "--scheduler", cluster, "-o", str(tmp_path / "ds")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        for _ in range(1200):  # until the parts are being written (at most 2 minutes)
            if any(p.name.startswith(".ds.") for p in tmp_path.iterdir()) or proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.strip().splitlines()[-1] == f"interrupted: {tmp_path / 'ds'} left unchanged", err
    assert "Traceback" not in err and sorted(p.name for p in tmp_path.iterdir()) == []


def test_12_a_read_only_dataset_folder_is_named(cluster, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is writable")
        code, _, err = run("sweep", DL, "--vary", "latency=1s:2s:3", "--engine", "dask", "--scheduler", cluster,
                           "-o", folder / "ds")
    finally:
        folder.chmod(0o700)
    assert_refused(code, err, "cannot write the dataset", "ro/ds")


def test_12_a_dataset_folder_that_cannot_be_made_is_named(cluster, tmp_path):
    """(As root, a read-only folder is writable: a parent that is a file shows the same path.)"""
    (tmp_path / "file").write_text("")
    code, _, err = run("sweep", DL, "--vary", "latency=1s:2s:3", "--engine", "dask", "--scheduler", cluster,
                       "-o", tmp_path / "file" / "ds")
    assert_refused(code, err, "file/ds")


# --- 13, 21. the API held to the CLI's contract -----------------------------------------------------


@pytest.mark.parametrize("fields, fragment", [
    (dict(mtu=0), "mtu=0 is not a whole number of bytes from 68"),
    (dict(rtt_s=-1.0), "rtt_s=-1.0 is not a number of seconds from 0 to 60"),
    (dict(ip=5), "ip=5 is not 4 or 6"),
    (dict(mtu=1500.5), "mtu=1500.5"),
    (dict(warm="yes"), "warm=yes"),
    (dict(protocol="sctp"), "protocol 'sctp'"),
])
def test_13_a_transport_spec_is_checked_when_built(fields, fragment):
    from ammt_calc.network.transport import TransportSpec

    with pytest.raises(UserError, match=fragment):
        TransportSpec(**{"protocol": "tcp", **fields})


def test_13_cell_objects_are_checked_when_built():
    from dataclasses import replace

    from ammt_calc.network.cells import parse_cell

    cell = parse_cell("bandwidth=100MHz,scs=30kHz,layers=4,modulation=256QAM", [])
    for field, value in (("layers", 0), ("bandwidth_mhz", 1e300), ("n_prb", 10**6), ("modulation", "4096QAM")):
        with pytest.raises(UserError, match="Carrier: "):
            replace(cell.dl, **{field: value})
    with pytest.raises(UserError, match="Cell: "):
        replace(cell, dl="not a carrier")


def test_13_the_api_refuses_what_the_cli_refuses():
    import numpy as np

    from ammt_calc import api as ac

    with pytest.raises(UserError, match="usecases is an empty list"):
        ac.evaluate([])
    with pytest.raises(UserError, match="give --engine dask too"):
        ac.sample(DL, {"model_size": "loguniform:10MB:1GB"}, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(UserError, match="MiB at once: use sweep"):  # 1e8 points as two broadcasting axes
        ac.evaluate(DL, model_size=ac.quantity(np.ones((10**4, 1)), "MB"), latency=ac.quantity(np.ones((1, 10**4)), "s"))


def test_13_a_long_vary_list_is_measured_before_it_is_read_under_1_gib():
    code, report, err = run_limited("""
        from ammt_calc import api as ac
        try:
            ac.sweep("model-distribution-image-recognition", {"latency": ["1 s"] * (10**7 + 1)})
        except UserError as exc:
            result["list"] = str(exc)
        ac.sweep("model-distribution-image-recognition", {"latency": "1s," * 10**7 + "1s"})
    """, memory_mb=GIB_MB, cpu_seconds=20)
    assert code == 0 and report, err
    assert "holds 10,000,001 values; at most 10,000,000" in report["list"]
    assert "more than 10,000,000 values" in report["error"]


CLI_REFUSALS = [  # (CLI arguments, the same request through the API)
    (("usecase", "no-such-case"), lambda ac: ac.evaluate("no-such-case")),
    (("usecase", DL, "--set", "nonsense=1"), lambda ac: ac.evaluate(DL, nonsense="1")),
    (("usecase", DL, "--set", "latency=5 MB"), lambda ac: ac.evaluate(DL, latency="5 MB")),
    (("usecase", DL, "--transport", "tcp,mtu=10"), lambda ac: ac.evaluate(DL, transport="tcp,mtu=10")),
    (("usecase", DL, "--cell", "profile=rural,bandwidth=1e300MHz"),
     lambda ac: ac.evaluate(DL, cell="profile=rural,bandwidth=1e300MHz")),
    (("sweep", DL, "--vary", "latency=1s:2s:1"), lambda ac: ac.plan_sweep(DL, {"latency": "1s:2s:1"})),
    (("sweep", DL, "--vary", "latency=1s:2s:3", "--set", "latency=1s"),
     lambda ac: ac.plan_sweep(DL, {"latency": "1s:2s:3"}, {"latency": "1s"})),
    (("sample", DL, "--draw", "latency=uniform:2s:1s"), lambda ac: ac.plan_sample(DL, {"latency": "uniform:2s:1s"})),
    (("sample", DL, "--draw", "latency=uniform:1s:2s", "--scheduler", "tcp://127.0.0.1:8786"),
     lambda ac: ac.sample(DL, {"latency": "uniform:1s:2s"}, scheduler="tcp://127.0.0.1:8786")),
    (("radio", "--bandwidth", "100MHz", "--scs", "30kHz", "--layers", "9", "--modulation", "256QAM"),
     lambda ac: ac.radio(bandwidth="100MHz", scs="30kHz", layers="9", modulation="256QAM")),
]


@pytest.mark.parametrize("args, call", CLI_REFUSALS, ids=[" ".join(a[:3]) for a, _ in CLI_REFUSALS])
def test_13_the_cli_refusals_through_the_api_give_the_same_message(args, call):
    from ammt_calc import api as ac

    code, _, err = run(*args)
    line = assert_refused(code, err)
    with pytest.raises(UserError) as caught:
        call(ac)
    assert line == f"error: {caught.value}"


@pytest.mark.parametrize("call, fragment", [
    (lambda ac: ac.evaluate(5), "usecases must be None (all), an id, a UseCase or a list of them, not int"),
    (lambda ac: ac.evaluate([5]), "usecases must be a use-case id (text) or a UseCase, not int"),
    (lambda ac: ac.show(5), "usecase_or_id must be a use-case id (text) or a UseCase, not int"),
    (lambda ac: ac.usecase(5), "usecase must be a use-case id (text) or a UseCase, not int"),
    (lambda ac: ac.list_usecases(family=3), "family must be text or None, not int"),
    (lambda ac: ac.evaluate(DL, qos="yes"), "qos must be True or False, not str"),
    (lambda ac: ac.evaluate(DL, transport=5), "transport must be a spec text"),
    (lambda ac: ac.evaluate(DL, latency=object()), "got object"),
    (lambda ac: ac.evaluate(DL, {1: "2 s"}), "parameter names are text, not int"),
    (lambda ac: ac.evaluate(DL, catalog="x"), "catalog must be a Catalog"),
    (lambda ac: ac.plan_sweep(DL, 5), "vary must be a mapping"),
    (lambda ac: ac.plan_sample(DL, {"latency": 5}), "draws must map parameter names to distribution texts"),
    (lambda ac: ac.plan_sample(DL, {"latency": "uniform:1s:2s"}, count=2.5), "--draws must be a whole number"),
    (lambda ac: ac.plan_sample(DL, {"latency": "uniform:1s:2s"}, seed=-1), "--seed must be a whole number"),
    (lambda ac: ac.solve(DL, 5, "dl_data_rate=1 Gbit/s"), "parameter must be text, not int"),
    (lambda ac: ac.split(5), "model must be text, not int"),
    (lambda ac: ac.model(None), "source must be text, not NoneType"),
])
def test_21_wrong_argument_types_are_user_errors_naming_the_argument(call, fragment):
    from ammt_calc import api as ac

    with pytest.raises(UserError) as caught:
        call(ac)
    assert fragment in str(caught.value)


def test_21_a_path_is_taken_as_its_text(tmp_path):
    from ammt_calc import api as ac

    path = tmp_path / "config.json"
    path.write_text(json.dumps({**LLAMA, "tie_word_embeddings": False, "max_position_embeddings": 131072}))
    assert ac.model(path).to_dict()["num_params"] == 8_030_261_248
    result = ac.evaluate("llm-model-download", model=path)
    assert result.parameters["num_params"].magnitude == 8_030_261_248


# --- 14. a named choice drawn -------------------------------------------------------------------


def test_14_a_choice_parameter_is_drawn_with_the_documented_syntax():
    code, out, err = run("sample", "ddc-assisted-fl", "--draw", "schedule=choice:pipelined,sequential",
                         "--draws", "1000", "--format", "json")
    assert code == 0, err
    rows = {r["kpi"]: r for r in json.loads(out)["rows"]}
    assert (rows["transfer_time"]["p5"], rows["transfer_time"]["p95"]) == (2.0, 4.0)  # pipelined 2 s, sequential 4 s
    code, _, err = run("sample", "ddc-assisted-fl", "--draw", "schedule=uniform:0:1")
    assert_refused(code, err, "schedule: '0' is not one of its choices")


# --- 15. AMMT_CALC_THREADS ---------------------------------------------------------------------------


def test_15_a_thread_count_beyond_a_few_per_core_is_refused_under_1_gib(tmp_path):
    code, report, err = run_limited("""
        import os
        os.environ["AMMT_CALC_THREADS"] = "10000"
        from ammt_calc.cli import main
        result["code"] = main(["sweep", "model-distribution-image-recognition", "--vary", "latency=1s:10s:70000",
                               "-o", sys.argv[1]])
    """, memory_mb=GIB_MB, cpu_seconds=60, args=[tmp_path / "out.csv"])
    assert code == 0 and report, err
    cores = os.cpu_count() or 1
    assert report["code"] == 2 and f"AMMT_CALC_THREADS must be a whole number from 1 to {4 * cores}" in err
    assert list(tmp_path.iterdir()) == []


# --- 16. scratch folders ----------------------------------------------------------------------------


def test_16_plot_with_an_unwritable_home_warns_nothing_and_leaves_nothing(cli_process, tmp_path):
    pytest.importorskip("matplotlib")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {"HOME": "/dev/null/home", "TMPDIR": str(scratch), "XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": "",
           "MPLCONFIGDIR": ""}
    result = cli_process("sweep", DL, "--vary", "latency=1s:10s:5", "--plot", tmp_path / "p.png", env=env)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if not line.startswith("note: ")] == []
    assert (tmp_path / "p.png").is_file() and list(scratch.iterdir()) == []


def test_16_a_local_dask_run_leaves_no_scratch_folder(cli_process, tmp_path):
    pytest.importorskip("distributed")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = cli_process(*SAMPLE, env={"TMPDIR": str(scratch), "DASK_TEMPORARY_DIRECTORY": ""})
    assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []


# --- 17. bandwidth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["profile=rural,bandwidth=1e300MHz", "profile=rural,bandwidth=2001MHz"])
def test_17_a_bandwidth_wider_than_an_nr_carrier_is_refused(spec):
    code, _, err = run("usecase", DL, "--cell", spec)
    assert_refused(code, err, "wider than an NR carrier (2000 MHz")


# --- 20. HOME ------------------------------------------------------------------------------------------


def test_20_a_relative_home_puts_no_cache_under_the_working_folder(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("AMMT_CALC_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    fresh_process_cache()
    result = cli("list", env={"HOME": "relative-home"})
    fresh_process_cache()
    assert result.returncode == 0 and not (tmp_path / "relative-home").exists()
    assert "note: catalog cache: HOME='relative-home' is not an absolute path; no cache is used" in result.stderr

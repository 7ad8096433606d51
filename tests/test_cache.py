"""The compiled catalog cache: used when nothing changed, rebuilt when a catalog file is
edited (size, mtime or bytes), ignored when corrupt or foreign, off with --no-cache."""

import json
import os

import pytest

from ammt_calc.usecases import cache
from ammt_calc.usecases import loading as catalog
from ammt_calc.usecases.loading import load_catalog

USECASE = """\
id: test-cached
title: Cached
family: distribution
description: a model of model_size downloaded within the latency
parameters:
  model_size: {default: 100 MByte}
  latency: {default: 1 s}
kpis:
  dl_data_rate: {formula: model_size / latency, unit: Mbit/s, direction: DL}
"""


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder of its own, and a user catalog folder with one file."""
    monkeypatch.setenv("AMMT_CALC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("AMMT_CALC_NO_CACHE", raising=False)
    cache.clear_memory()
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "cached.yaml").write_text(USECASE)
    yield folder
    cache.clear_memory()


@pytest.fixture
def counted(monkeypatch):
    """How often YAML is parsed and dimensions checked, per file name."""
    calls = {"parse": [], "check": []}
    parse, check = catalog.read_yaml, catalog.check_dimensions
    monkeypatch.setattr(catalog, "read_yaml", lambda path: calls["parse"].append(path.name) or parse(path))
    monkeypatch.setattr(catalog, "check_dimensions", lambda uc: calls["check"].append(uc.id) or check(uc))
    return calls


def run(folder):
    cache._documents.clear()  # as in a new process: the documents are read from disk again
    return load_catalog([folder], check_units=True)


def test_second_run_parses_and_checks_nothing(fresh, counted):
    first = run(fresh)
    assert "cached.yaml" in counted["parse"] and "test-cached" in counted["check"]
    assert (fresh.parent / "cache" / cache.document_name(fresh)).is_file()
    counted["parse"].clear(), counted["check"].clear()
    second = run(fresh)
    assert counted == {"parse": [], "check": []}
    assert [uc.id for uc in second] == [uc.id for uc in first]
    uc = second.get("test-cached")  # still compiled and working: 100 MByte / 1 s = 800 Mbit/s
    assert uc.kpis["dl_data_rate"].formula.evaluate({"model_size": 8e8, "latency": 1.0}) == 8e8


def test_an_edited_file_is_read_again(fresh, counted):
    run(fresh)
    path = fresh / "cached.yaml"
    path.write_text(USECASE.replace("100 MByte", "200 MByte"))  # size and mtime change
    counted["parse"].clear(), counted["check"].clear()
    uc = run(fresh).get("test-cached")
    assert counted == {"parse": ["cached.yaml"], "check": ["test-cached"]}
    assert uc.parameters["model_size"].default == "200 MByte"


def test_same_size_same_mtime_other_bytes_is_read_again(fresh, counted):
    run(fresh)
    path = fresh / "cached.yaml"
    stat = path.stat()
    path.write_text(USECASE.replace("100 MByte", "300 MByte"))  # same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old mtime: only the digest differs
    counted["parse"].clear()
    assert run(fresh).get("test-cached").parameters["model_size"].default == "300 MByte"
    assert counted["parse"] == ["cached.yaml"]


def test_touch_alone_rebuilds_the_entry(fresh, counted):
    run(fresh)
    path = fresh / "cached.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    counted["parse"].clear()
    run(fresh)
    assert counted["parse"] == ["cached.yaml"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[1, 2, 3]", b'{"format": 1, "files": []}',
                                     json.dumps({"format": 1, "version": "0.0.0-other", "units": "", "files": {}}).encode()])
def test_a_corrupt_or_foreign_cache_is_ignored_and_rewritten(fresh, counted, content):
    target = fresh.parent / "cache"
    target.mkdir()
    (target / cache.document_name(fresh)).write_bytes(content)
    uc = run(fresh).get("test-cached")
    assert uc.id == "test-cached" and "cached.yaml" in counted["parse"]
    document = json.loads((target / cache.document_name(fresh)).read_text())
    assert document["format"] == cache.FORMAT and str(fresh / "cached.yaml") in document["files"]


def test_an_edited_entry_cannot_change_an_answer(fresh, counted):
    """The cache holds data, never code, and only data the file says: a planted formula, even
    with its seal recomputed, is ignored, the file read again, and a note names the entry."""
    run(fresh)
    path = fresh.parent / "cache" / cache.document_name(fresh)
    document = json.loads(path.read_text())
    entry = document["files"][str(fresh / "cached.yaml")]
    for formula, reseal in (("2 * model_size / latency", False), ("__import__('os').system('true')", True)):
        entry["data"]["kpis"]["dl_data_rate"]["formula"] = formula
        if reseal:
            entry.update(cache._sealed(entry))
        path.write_text(json.dumps(document))
        counted["parse"].clear()
        uc = run(fresh).get("test-cached")
        assert counted["parse"] == ["cached.yaml"]
        assert uc.kpis["dl_data_rate"].formula.evaluate({"model_size": 8e8, "latency": 1.0}) == 8e8
        notes = cache.take_notes()
        assert len(notes) == 1 and "did not verify" in notes[0] and "cached.yaml" in notes[0], notes
        assert json.loads(path.read_text())["files"][str(fresh / "cached.yaml")]["data"]["kpis"]["dl_data_rate"][
            "formula"] == "model_size / latency"  # replaced
    entry["data"] = "not a mapping"  # a malformed entry is ignored and the file read again
    path.write_text(json.dumps(document))
    counted["parse"].clear()
    assert run(fresh).get("test-cached") and counted["parse"] == ["cached.yaml"]
    assert oct((fresh.parent / "cache").stat().st_mode & 0o777) == "0o700"  # the user's own folder


def test_a_cached_use_case_is_built_when_first_asked_for(fresh, monkeypatch):
    run(fresh)
    built = []
    build = catalog._build_usecase
    monkeypatch.setattr(catalog, "_build_usecase", lambda data, path: built.append(data["id"]) or build(data, path))
    second = run(fresh)
    assert "test-cached" in second.ids and built == []  # listing needs none of them built
    assert [s.title for s in second.summaries() if s.id == "test-cached"] == ["Cached"]
    assert second.get("test-cached").kpis["dl_data_rate"].unit == "Mbit/s" and built == ["test-cached"]
    second.get("test-cached")
    assert built == ["test-cached"]  # once


def test_no_cache_reads_and_writes_none(fresh, counted, monkeypatch):
    monkeypatch.setenv("AMMT_CALC_NO_CACHE", "1")
    run(fresh)
    run(fresh)
    assert counted["parse"].count("cached.yaml") == 2
    assert not (fresh.parent / "cache").exists()


def test_values_json_cannot_hold_are_not_cached(fresh, counted):
    (fresh / "cached.yaml").write_text(USECASE + "notes: [2020-01-01]\n")  # a date: not text
    with pytest.raises(catalog.CatalogError):
        run(fresh)
    assert not cache._plain({"a": {1: "int key"}}) and cache._plain({"a": [1.0, "x", None, True]})


def test_platform_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("AMMT_CALC_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert cache.folder() == tmp_path / "xdg" / "ammt-calc"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
        assert cache.folder().name == "ammt-calc" and cache.folder().parent.name == ".cache"


def test_cli_no_cache(fresh, counted, capsys):
    from ammt_calc.cli import main

    assert main(["--no-cache", "--catalog", str(fresh), "list"]) == 0
    assert "test-cached" in capsys.readouterr().out
    assert not (fresh.parent / "cache").exists()


def test_no_home_means_no_cache(monkeypatch):
    monkeypatch.delenv("AMMT_CALC_CACHE", raising=False)

    def homeless():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(cache.Path, "home", staticmethod(homeless))
    cache.clear_memory()  # the folder is worked out once per environment
    try:
        assert cache.folder() is None and not cache.enabled()
    finally:
        cache.clear_memory()  # forget the homeless answer before home comes back


def test_one_document_per_folder_and_the_oldest_pruned(fresh, monkeypatch, tmp_path):
    monkeypatch.setattr(cache, "MAX_DOCUMENTS", 2)
    folders = []
    for k in range(3):
        other = tmp_path / f"cat{k}"
        other.mkdir()
        (other / "cached.yaml").write_text(USECASE.replace("test-cached", f"test-cached-{k}"))
        folders.append(other)
        run(other)
    documents = {p.name: json.loads(p.read_text()) for p in (tmp_path / "cache").glob("catalog-*.json")}
    assert len(documents) == 2  # the least recently written went
    newest = documents[cache.document_name(folders[-1])]
    assert list(newest["files"]) == [str(folders[-1] / "cached.yaml")]  # its own folder's entries only


def test_a_listing_verifies_what_it_shows_and_a_build_the_rest(fresh, counted):
    """`list` looks for the texts it shows (id, title, family, sources) in the file; the
    formulas are looked for when the use case is built, not before."""
    run(fresh)
    path = fresh.parent / "cache" / cache.document_name(fresh)
    document = json.loads(path.read_text())
    entry = document["files"][str(fresh / "cached.yaml")]
    entry["data"]["title"] = "A title the file does not have"
    entry.update(cache._sealed(entry))  # sealed again: only the file can tell
    path.write_text(json.dumps(document))
    counted["parse"].clear()
    listed = {uc.id: uc.title for uc in run(fresh).summaries()}
    assert listed["test-cached"] != "A title the file does not have" and counted["parse"] == ["cached.yaml"]
    assert "did not verify" in cache.take_notes()[0]

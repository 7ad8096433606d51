"""`ammt-calc link` through the real entry point: values, refusals, the reach of a flow, the plot."""

import json

import pytest


def test_link_json_fields_with_units(cli):
    out = cli("link", "uma", "--nlos", "--fc", "3.5GHz", "--bandwidth", "100MHz", "--distance", "400m",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    (row,) = doc["rows"]
    assert row["path_loss"] == {"value": pytest.approx(126.1391, abs=1e-3), "unit": "dB"}
    assert row["sinr"]["DL"]["unit"] == "dB" and row["spectral_efficiency"]["UL"]["unit"] == "bit/s/Hz"
    assert row["dl_rate"]["unit"] == "Mbit/s" and row["dl_rate"]["value"] == pytest.approx(885.44, abs=0.01)
    assert doc["breakpoint_distance"]["value"] == pytest.approx(560.0)
    sources = {v["name"]: v["source"] for v in doc["values"]}
    assert "M.2412" in sources["bs_power"] and "Table A.2" in sources["ul_alpha"]


def test_link_range_gives_count_rows_csv(cli):
    out = cli("link", "umi", "--los", "--fc", "28GHz", "--bandwidth", "100MHz", "--scs", "120kHz",
              "--distance", "50m:2km:40:log", "--format", "csv")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 41 and lines[0].startswith("distance [m],los_probability,path_loss [dB]")


@pytest.mark.parametrize("args, words", [
    (("--distance", "400"), "--distance 400 has no unit: write 400 m"),
    (("--fc", "3.5"), "--fc 3.5 has no unit"),
    (("--distance", "5km,6km"), "outside 10 to 5000 m"),
    (("--fc", "200GHz"), "0.5 to 100 GHz"),
    (("--bs-power", "46"), "write it with its unit, e.g. 46dBm"),
    (("--los", "--nlos"), "one of --los, --nlos, --mixed"),
    (("--coverage", "20%"), "at least 50 %"),
    (("--plot", "rate.svg"), "ending in .png"),
])
def test_link_refusals_are_one_line(cli, args, words):
    base = {"--fc": "3.5GHz", "--distance": "400m"}
    for flag, value in zip(args[::2], args[1::2]):
        if flag in base:
            base[flag] = value
    rest = [a for a in args if a not in ("--fc", "--distance") and a not in (base["--fc"], base["--distance"])]
    out = cli("link", "uma", "--bandwidth", "100MHz", "--fc", base["--fc"], "--distance", base["--distance"], *rest)
    assert out.returncode == 2
    assert words in out.stderr and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_reach_of_split_image_recognition_ul(cli):
    out = cli("link", "uma", "--nlos", "--fc", "3.5GHz", "--bandwidth", "100MHz", "--distance", "100m",
              "--usecase", "split-image-recognition", "--format", "json")
    assert out.returncode == 0, out.stderr
    (flow,) = json.loads(out.stdout)["flows"]
    assert flow["kpi"] == "ul_max_distance" and flow["needed"]["value"] == pytest.approx(144.0)
    assert 150 < flow["max_distance"]["value"] < 200  # 170.2 m: UL 2 layers, 23 dBm, alpha 0.4


def test_reach_infeasible_names_the_bound(cli):
    out = cli("link", "uma", "--los", "--fc", "3.5GHz", "--bandwidth", "20MHz", "--distance", "100m",
              "--usecase", "split-image-recognition", "--set", "frame_rate=600fps", "--format", "json")
    assert out.returncode == 0, out.stderr
    (flow,) = json.loads(out.stdout)["flows"]
    assert flow["max_distance"] is None and "at 10 m, the nearest distance" in flow["infeasible"]


def test_link_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    out = cli("link", "uma", "--fc", "3.5GHz", "--bandwidth", "100MHz", "--distance", "10m:1km:20",
              "--usecase", "split-image-recognition", "--plot", "rate.png")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "rate.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

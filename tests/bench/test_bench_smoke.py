"""The benchmark harness (bench/) runs end to end and reports what the docs and the lead rely on.

No timing is asserted: figures belong to `nox -s bench` on a quiet machine, not to CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))  # bench/ lives in the source tree, not in the installed package

from bench import _payloads  # noqa: E402
from bench._figures import aggregate  # noqa: E402
from bench._scenarios import SCENARIOS  # noqa: E402
from bench.server import CannedApp  # noqa: E402

#: Every (scenario, metric) the table shows for an implementation that takes part in all five.
EXPECTED_METRICS = {
    ("retrieve", "cpu_us_per_req"),
    ("retrieve", "req_per_s"),
    ("create", "cpu_us_per_req"),
    ("create", "req_per_s"),
    ("list", "cpu_ms"),
    ("list", "wall_ms"),
    ("list", "peak_rss_mb"),
    ("list_large", "cpu_ms"),
    ("list_large", "wall_ms"),
    ("list_large", "peak_rss_mb"),
    ("list_large", "rss_growth_mb"),
    ("structure", "us_per_page"),
    ("blocking_1t", "cpu_us_per_call"),
    ("blocking_1t", "latency_us"),
    ("blocking_8t", "cpu_us_per_call"),
    ("blocking_8t", "latency_us"),
    ("import", "import_ms"),
}


def _split(response: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


@pytest.mark.slow
def test_quick_run_reports_every_scenario_for_the_async_client(tmp_path: Path) -> None:
    """`python -m bench --quick --impl sdk-async` prints the table and writes JSON and SVG with every row."""
    out_json, out_svg = tmp_path / "bench.json", tmp_path / "bench.svg"
    cmd = [sys.executable, "-m", "bench", "--quick", "--impl", "sdk-async"]
    cmd += ["--json", str(out_json), "--svg", str(out_svg)]
    # The interpreter running this test and our own module: nothing untrusted reaches the command.
    proc = subprocess.run(  # noqa: S603
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]

    result = json.loads(out_json.read_text(encoding="utf-8"))
    assert result["errors"] == []
    assert result["meta"]["quick"] is True
    rows = {(r["scenario"], r["metric"], r["impl"]): r for r in result["rows"]}
    for impl in ("sdk-async", "aiohttp"):
        missing = {m for m in EXPECTED_METRICS if (*m, impl) not in rows}
        assert not missing, f"{impl} rows missing: {sorted(missing)}"
    assert rows["retrieve", "cpu_us_per_req", "aiohttp"]["ratio_raw"] == 1.0
    assert rows["retrieve", "cpu_us_per_req", "sdk-async"]["ratio_raw"] > 0
    assert len(result["targets"]) == 9
    assert all("met" in t for t in result["targets"])
    assert "conversations_sdk AsyncClient" in proc.stdout
    assert "raw aiohttp + json.loads" in proc.stdout
    assert out_svg.read_text(encoding="utf-8").startswith("<svg")


def test_canned_server_walks_every_item_once_with_cursors() -> None:
    """Following has_more/last_id over the canned server yields items 0..N-1 exactly once."""
    app = CannedApp()
    seen: list[str] = []
    target = b"/v1/conversations/conv_items_250/items?limit=100"
    while True:
        status, page = _split(app.respond(b"GET", target))
        assert status == 200
        data = page["data"]
        assert isinstance(data, list)
        seen += [entry["id"] for entry in data]
        assert page["last_id"] == data[-1]["id"]
        if not page["has_more"]:
            break
        target = (
            b"/v1/conversations/conv_items_250/items?limit=100&after="
            + str(page["last_id"]).encode()
        )
    assert [_payloads.index_of(i) for i in seen] == list(range(250))


def test_canned_server_refuses_out_of_spec_limits_and_unknown_routes() -> None:
    """Requests the real API would reject get the API's error shape, not a silent page."""
    assert _split(CannedApp().respond(b"GET", b"/v1/conversations/c/items?limit=101"))[0] == 400
    assert _split(CannedApp().respond(b"DELETE", b"/v1/conversations/c"))[0] == 404


def test_ratios_compare_each_client_with_the_floor_and_its_own_kind_of_official_client() -> None:
    """Async rows are compared with AsyncOpenAI, blocking rows with OpenAI; both with raw aiohttp."""
    samples = {
        ("blocking_1t", "aiohttp"): [{"cpu_us_per_call": 100.0, "latency_us": 1.0}],
        ("blocking_1t", "sdk-async"): [{"cpu_us_per_call": 110.0, "latency_us": 1.0}],
        ("blocking_1t", "sdk-blocking"): [
            {"cpu_us_per_call": 150.0, "latency_us": 1.0},
            {"cpu_us_per_call": 210.0, "latency_us": 1.0},
            {"cpu_us_per_call": 190.0, "latency_us": 1.0},
        ],
        ("blocking_1t", "openai-async"): [{"cpu_us_per_call": 1000.0, "latency_us": 1.0}],
        ("blocking_1t", "openai-sync"): [{"cpu_us_per_call": 800.0, "latency_us": 1.0}],
    }
    scenario = [s for s in SCENARIOS if s.name == "blocking_1t"]
    rows = {(r["metric"], r["impl"]): r for r in aggregate(samples, scenario)}
    blocking = rows["cpu_us_per_call", "sdk-blocking"]
    assert blocking["median"] == 190.0
    assert blocking["ratio_raw"] == 1.9
    assert blocking["ratio_openai"] == 190.0 / 800.0
    assert rows["cpu_us_per_call", "sdk-async"]["ratio_openai"] == 110.0 / 1000.0
    assert rows["overhead_cpu_us", "sdk-blocking"]["median"] == 80.0
    assert rows["overhead_latency_us", "sdk-blocking"]["median"] == 0.0
    assert rows["overhead_cpu_us", "sdk-blocking"]["ratio_raw"] is None

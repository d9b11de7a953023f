"""The lab frame: one registry, the claims contract, shipped records, the code viewer, fair training slots."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
import threading

import pytest

from demos import registry
from demos.claims import ClaimSpec, Context, measure_lab, results_path, shipped, specs
from demos.registry import LABS, Lab, labs_for_card, source
from kb.cards import load_content
from kb.labs import lab_problems
from tests.conftest import ROOT
from ui.compute import Slots

REAL = load_content()
CARD_IDS = {c.id for c in REAL.cards}


def test_the_registry_is_sound_and_every_card_it_names_exists() -> None:
    assert registry.problems() == []
    assert lab_problems(CARD_IDS) == []
    assert {lab.name for lab in labs_for_card("non-max-suppression")} == {"nms"}


def test_a_lab_naming_a_missing_card_is_reported_with_the_registry_line() -> None:
    found = lab_problems(CARD_IDS - {"intersection-over-union"})  # a card only the NMS lab names
    assert len(found) == 1
    problem = found[0]
    assert problem.file == "demos/registry.py" and problem.field == "nms.cards"
    line = (ROOT / "demos/registry.py").read_text().splitlines()[problem.line - 1]
    assert '"intersection-over-union"' in line


def test_kb_check_reports_registry_problems_as_file_and_line(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Run the real CLI on a copy of the content without one card a lab names: exit 1, file:line in the output."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "day-172" / "sliding-windows.md").unlink()
    # cards that relate to the removed one would be reported too; only the registry line matters here
    done = subprocess.run(
        [sys.executable, "-m", "kb", "check", "--content", str(content)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert any(line.startswith("demos/registry.py:") and "sliding-windows" in line for line in done.stdout.splitlines())


def test_claim_specs_name_only_their_labs_cards_and_have_unique_ids() -> None:
    for lab in LABS:
        ids = [s.id for s in specs(lab)]
        assert len(ids) == len(set(ids)), lab.name
        for spec in specs(lab):
            assert set(spec.cards) <= set(lab.cards), (lab.name, spec.id)


def test_shipped_claim_records_state_exactly_the_current_claims() -> None:
    """A statement on a page is the measured object: the saved record must carry today's wording and cards."""
    for lab in LABS:
        if lab.claims is None:
            continue
        record = shipped(lab.family)
        assert record is not None, f"{results_path(lab.family)} missing: python -m demos.{lab.family} eval --save"
        saved = {c["id"]: c for c in record["claims"] if c["lab"] == lab.name}
        for spec in specs(lab):
            assert spec.id in saved, (lab.name, spec.id)
            assert saved[spec.id]["statement"] == spec.statement
            assert saved[spec.id]["cards"] == list(spec.cards)
            assert saved[spec.id]["holds"] is True, (lab.name, spec.id, saved[spec.id]["measured"])


def test_code_shown_on_a_panel_is_the_code_that_runs() -> None:
    for lab in LABS:
        for dotted in lab.code:
            path, code = source(dotted)
            obj = registry.resolve(dotted)
            assert code == textwrap.dedent(inspect.getsource(obj)).rstrip("\n")
            assert path.endswith(".py")


def test_the_app_side_of_the_frame_imports_no_torch() -> None:
    """Registry, claims statements, panels and the frame load without torch (the card page opens without it)."""
    panels = sorted({lab.panel.partition(":")[0] for lab in LABS})
    claims = sorted({lab.claims for lab in LABS if lab.claims})
    code = (
        "import sys, importlib\n"
        f"mods = {['demos.registry', 'demos.claims', 'kb.labs', 'ui.labs.frame', *panels, *claims]!r}\n"
        "[importlib.import_module(m) for m in mods]\n"
        "from demos.claims import specs\nfrom demos.registry import LABS\n[specs(lab) for lab in LABS]\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_measure_lab_records_a_raising_lab_as_not_holding(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    module = types.ModuleType("fake_claims")
    module.SPECS = (ClaimSpec("a", ("c",), "A holds."), ClaimSpec("b", ("c",), "B holds."))  # type: ignore[attr-defined]

    def measure(ctx: Context) -> dict:
        raise RuntimeError("boom")

    module.measure = measure  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_claims", module)
    lab = Lab("fake", "Fake", "fake", ":material/science:", ("c",), "s", panel="x:y", claims="fake_claims")
    import torch

    got = measure_lab(lab, Context(device=torch.device("cpu")))
    assert [c["holds"] for c in got] == [False, False]
    assert "boom" in got[0]["error"]


def test_demos_list_and_claims_cli(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-m", "demos", "list", "--json"], cwd=ROOT, capture_output=True, text=True)
    labs = json.loads(done.stdout)["labs"]
    assert {lab["name"] for lab in labs} >= {"nms", "transfer", "captioning", "bayesian"}
    assert next(lab for lab in labs if lab["name"] == "nms")["cards"] == list(registry.by_name()["nms"].cards)
    bad = subprocess.run(
        [sys.executable, "-m", "demos", "claims", "--device", "gpu"], cwd=ROOT, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "device 'gpu' is not one of auto, cpu, cuda" in bad.stderr
    assert "Traceback" not in bad.stderr


# ------------------------------------------------------------------------------------------------ slots


def test_slots_admit_in_arrival_order_and_never_more_than_the_limit() -> None:
    pool = Slots(1)
    a, b, c = pool.join(), pool.join(), pool.join()
    assert pool.try_start(b) is False  # a came first
    assert pool.try_start(a) is True
    assert (pool.position(a), pool.position(b), pool.position(c)) == (0, 1, 2)
    assert pool.try_start(b) is False  # the slot is taken
    pool.release(a)
    assert pool.try_start(c) is False and pool.try_start(b) is True
    pool.release(c)  # leaving the queue frees nothing and skips nobody
    assert pool.running == 1
    pool.release(b)
    assert pool.running == 0


def test_slots_under_threads_never_exceed_the_limit() -> None:
    pool, lock, peak, now = Slots(2), threading.Lock(), [0], [0]

    def worker() -> None:
        ticket = pool.join()
        while not pool.try_start(ticket):
            pass
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        with lock:
            now[0] -= 1
        pool.release(ticket)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= peak[0] <= 2 and pool.running == 0


def test_slots_refuse_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Slots(0)


# ------------------------------------------------------------------------------------------------ background runs


def test_a_run_reports_progress_finishes_and_gives_its_slot_back() -> None:
    from ui.compute import Job, Progress, run_job

    pool, job = Slots(1), Job("a run")
    seen: list[float] = []

    def fn(progress: Progress) -> str:
        for i in range(4):
            progress((i + 1) / 4, f"step {i + 1}", partial=i)
            seen.append(job.fraction)
        return "result"

    run_job(job, fn, pool)
    assert (job.state, job.result, job.partial, seen) == ("done", "result", 3, [0.25, 0.5, 0.75, 1.0])
    assert pool.running == 0


def test_stop_ends_a_run_at_its_next_report_and_a_failure_is_recorded() -> None:
    from ui.compute import Job, Progress, run_job

    pool = Slots(1)
    job = Job("a run")
    steps: list[int] = []

    def fn(progress: Progress) -> None:
        for i in range(100):
            if i == 3:
                job.stop.set()  # the learner pressed Stop during step 3
            progress(i / 100)
            steps.append(i)

    run_job(job, fn, pool)
    assert job.state == "stopped" and steps == [0, 1, 2] and pool.running == 0
    broken = Job("a broken run")
    run_job(broken, lambda progress: 1 / 0, pool)
    assert broken.state == "failed" and "ZeroDivisionError" in (broken.error or "") and pool.running == 0


def test_a_run_stopped_while_waiting_never_starts() -> None:
    from ui.compute import Job, run_job

    pool = Slots(1)
    holder = pool.join()
    assert pool.try_start(holder)
    waiting = Job("a queued run")
    started: list[bool] = []
    thread = threading.Thread(target=run_job, args=(waiting, lambda p: started.append(True), pool, 0.01))
    thread.start()
    waiting.stop.set()
    thread.join(timeout=5)
    assert waiting.state == "stopped" and started == [] and pool.running == 1
    pool.release(holder)


# ------------------------------------------------------------------------------------------------ measured text


def test_metric_names_read_numeric_pairs_as_decimals_and_keep_layer_names() -> None:
    from ui.labs.frame import metric_name

    assert metric_name("top_probability_t_0_05") == "top probability t 0.05"
    assert metric_name("real_word_share_at_1_3") == "real word share at 1.3"
    assert metric_name("ratio_depth_40") == "ratio depth 40"
    assert metric_name("vgg16_conv5_3_field") == "vgg16 conv5 3 field"  # a layer name, not a decimal
    assert metric_name("test_accuracy_1x7_7x1") == "test accuracy 1x7 7x1"


def test_measured_text_shows_never_for_null_counts_and_short_series_as_arrows() -> None:
    from ui.labs.frame import measured_text

    text = measured_text(
        {
            "updates_stale_16": None,
            "steps_mse": None,
            "gap": None,
            "recall": [0.78125, 0.95264, 0.9965],
            "sizes": [128, 256, 512],
            "by_seed": [0.733, 0.749],
            "long": [1, 2, 3, 4, 5],
            "flags": [True, False],
        }
    )
    assert "updates stale 16 **never**" in text and "steps mse **never**" in text and "gap **—**" in text
    assert "recall **0.781 → 0.953 → 0.997**" in text and "sizes **128 → 256 → 512**" in text
    assert "by seed **0.733, 0.749**" in text
    assert "long" not in text and "flags" not in text and "None" not in text


def test_a_fast_record_says_its_protocol_differs_from_the_figures() -> None:
    from ui.labs.frame import protocol_text

    base = {"hardware": {"device": "2-core x86_64 CPU"}, "created": "2026-11-29T22:20:48Z"}
    fast = protocol_text("conv", {**base, "mode": "fast", "command": "python -m demos.conv eval --json --save"})
    assert fast.startswith("Measured by `python -m demos.conv eval --json --save` (fast protocol")
    assert "differ" in fast and "2-core x86_64 CPU, 2026-11-29" in fast
    full = protocol_text("nms", {**base, "mode": "full"})
    assert "`python -m demos.nms eval --json --full` (full protocol)" in full and "differ" not in full


def test_measured_floats_that_round_to_an_integer_keep_their_digits() -> None:
    from ui.labs.frame import measured_text

    assert (
        measured_text({"top": 0.99995, "one": 1.0, "gap": 2.443e-12})
        == "top **0.99995** · one **1** · gap **2.443e-12**"
    )

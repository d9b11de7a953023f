"""The generative labs' panels on their lab pages: the shipped result draws at once, one interaction computes."""

from __future__ import annotations

import json
import time

import pytest

from tests.pages.conftest import texts

PAGE = "pages/lab.py"


def finish_live(at, key: str, timeout_s: float = 120) -> None:
    """Wait for the panel's background run (ui.compute.start) to end, then rerun the page as the browser's
    watcher does; the run must have finished, not stopped or failed."""
    deadline = time.monotonic() + timeout_s
    job = at.session_state[f"{key}-job"]
    while job.active:
        assert time.monotonic() < deadline, f"the live run {job.what!r} did not end in {timeout_s} s"
        time.sleep(0.05)
    assert job.state == "done", (job.state, job.error)
    at.run()


def specs(at) -> str:
    return json.dumps([c.proto.spec for c in at.get("plotly_chart")])


def test_autoencoder_panel_switches_latent_size_and_trains_a_vae_live(app, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.labs.gen

    monkeypatch.setattr(ui.labs.gen, "LIVE_VAE_EPOCHS", 1)
    at = app(PAGE, name="gen-autoencoders")
    assert not at.exception
    assert "The VAE's ELBO, latent size 8" in specs(at)
    assert "linear autoencoder trained with L2 comes within 2 %" in texts(at)
    at.segmented_control(key="page-gen-autoencoders-latent").set_value(2).run()
    assert "The VAE's ELBO, latent size 2" in specs(at)
    at.button(key="page-gen-autoencoders-train").click().run()
    assert not at.exception
    finish_live(at, "page-gen-autoencoders")
    assert "Latent size 2, 1 epochs in" in texts(at)


def test_interpolation_panel_computes_a_new_pair(app) -> None:
    at = app(PAGE, name="gen-interpolation")
    assert not at.exception
    assert "(shipped)" in texts(at)
    at.selectbox(key="page-gen-interpolation-a").set_value(0).run(timeout=180)
    assert not at.exception
    assert "From a held-out 0 to a held-out 7" in texts(at) and "computed on CPU" in texts(at)


def test_gan2d_panel_replays_the_shipped_run_and_trains_live(app, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    import demos.gen.panels

    monkeypatch.setattr(demos.gen.panels, "GAN2D", replace(demos.gen.panels.GAN2D, steps=20, snapshot_every=10))
    at = app(PAGE, name="gen-gan2d")
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["frames"]) == 16 and "modes covered" in spec["layout"]["title"]["text"]
    at.segmented_control(key="page-gen-gan2d-target").set_value("grid").run()
    at.button(key="page-gen-gan2d-train").click().run()
    assert not at.exception
    finish_live(at, "page-gen-gan2d")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [f["name"] for f in spec["frames"]] == ["0", "10", "20"]
    assert "your run, seed" in texts(at)


def test_dcgan_panel_draws_new_samples(app) -> None:
    at = app(PAGE, name="gen-dcgan")
    assert not at.exception
    assert "DCGAN samples (shipped)" in texts(at) and "VAE-GAN: not trained" in texts(at)
    at.button(key="page-gen-dcgan-new").click().run(timeout=180)
    assert not at.exception
    assert "DCGAN samples (computed on CPU)" in texts(at)

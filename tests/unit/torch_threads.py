"""A fixture for tests that train tiny models: torch on one CPU thread for the test, restored after it.

Tiny tensors gain nothing from a second thread, and on a busy 2-core machine (load 14 while other jobs run) a
6-step training took 20 s with two threads against 0.9 s with one. The setting is put back after each test, so
no other test sees it; the app never changes it (only a command's main() may).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)

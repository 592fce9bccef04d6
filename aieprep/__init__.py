"""AIE Prep: helpers for the course notebooks, the self-check and the build pipeline."""

__version__ = "0.1.0"

"""Helpers of tools/plot (one module per mode, shared loading in common)."""

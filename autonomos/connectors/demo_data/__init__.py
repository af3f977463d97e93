"""Data files of the ``demo`` connector and the deterministic script that writes them."""

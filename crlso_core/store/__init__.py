"""The run store: one folder per run (its file names, opening and stamping it), its typed
records, the saved models and codes, the cell pool, the index of a runs root, and bundles."""

"""NAS-Bench-301 (DARTS space): the space (space.py: NB301Space), what a cell is and cells as
arrays (cells.py), genotypes as text and NASLib's columns (text.py), and the G-VAE decoder's
targets, loss and decoding (decoder.py)."""

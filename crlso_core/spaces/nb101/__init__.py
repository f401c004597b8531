"""NAS-Bench-101 (Ying et al. 2019): the space (space.py: NB101Space, NB101Cell) and what it
is built on: a cell spec checked, pruned and hashed as the official library does (cells.py,
hashing.py), many cells at once as arrays (arrays.py), the text forms (text.py), every cell
enumerated (enumerate.py) and the G-VAE decoder's targets and repairs (decoder.py)."""

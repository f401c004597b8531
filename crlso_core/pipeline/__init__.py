"""A CR-LSO run from labelled cells to search results (stages, runs, pairs) and the jobs
that run it in the background, locally or on Ray."""

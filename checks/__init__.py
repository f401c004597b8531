"""One-off verifications too slow or too large for the test suite (the whole NB101 space,
a table of the whole space): each is a command run from the repository root, e.g.
`python -m checks.nb101_enumerate`, exiting non-zero when its check fails."""

"""Background jobs: their supervision (local), the work each kind does, and the same work as a Ray task."""

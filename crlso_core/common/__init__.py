"""What every layer uses: the one error type users see and the checks that raise it, the
log where bugs go, progress events, atomic file writes."""

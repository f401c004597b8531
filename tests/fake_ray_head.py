"""A local port that accepts connections like a Ray head's and greets them (or not): what the
Ray probe's tests and the bench's fault tests stand in for a cluster with."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager

SETTINGS_FRAME = bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])  # an empty HTTP/2 SETTINGS frame: what a Ray head sends first


@contextmanager
def listener(greeting: bytes | None):
    """Yields "127.0.0.1:PORT" where connections are accepted and sent `greeting` (None: silence)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if greeting is not None:
                try:
                    conn.sendall(greeting)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for conn in held:
            conn.close()

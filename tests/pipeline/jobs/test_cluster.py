"""Joining a Ray cluster is bounded in seconds: an address where something accepts a
connection but never greets us as a Ray head does (gRPC's HTTP/2 SETTINGS frame) is
refused within seconds, before Ray would wait a minute for it."""

from __future__ import annotations

import time

import pytest

from crlso_core.common.errors import CRLSOError
from crlso_core.pipeline.jobs import cluster
from crlso_core.pipeline.jobs.cluster import cluster_resources, probe
from tests.fake_ray_head import SETTINGS_FRAME, listener


def test_a_socket_that_accepts_and_never_answers_is_refused_within_seconds():
    with listener(None) as address:
        start = time.monotonic()
        with pytest.raises(CRLSOError) as caught:
            probe(address)
        took = time.monotonic() - start
    assert took < 5
    assert f"The Ray cluster at '{address}' accepted a connection but did not answer within 3 s" in str(caught.value)
    assert "cannot be used" in str(caught.value)


def test_a_server_that_answers_otherwise_is_not_taken_for_a_ray_head():
    with listener(b"HTTP/1.1 400 Bad Request\r\n\r\n") as address, pytest.raises(CRLSOError, match="not as a Ray head does"):
        probe(address)


def test_a_grpc_greeting_passes_the_probe():
    settings = SETTINGS_FRAME
    with listener(settings) as address:
        probe(address)


def test_the_pages_question_to_a_silent_cluster_is_answered_within_seconds(monkeypatch):
    """What the Train page asks (cluster_resources) never reaches ray.init for a silent port:
    the trial's page waited 67 s for it."""
    ray = pytest.importorskip("ray")
    monkeypatch.setattr(ray, "init", lambda *a, **k: pytest.fail("ray.init must not be reached"))
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    with listener(None) as address:
        start = time.monotonic()
        with pytest.raises(CRLSOError, match="did not answer within"):
            cluster_resources(address)
    assert time.monotonic() - start < 5


def test_a_tls_head_is_left_to_ray(monkeypatch):
    """With Ray's TLS on a head says nothing before our TLS hello: the greeting is not asked for."""
    monkeypatch.setenv("RAY_USE_TLS", "1")
    with listener(None) as address:
        probe(address)
    assert getattr(cluster, "PAGE_JOIN_S", 60) <= 30  # and a page waits seconds, not a minute, to join

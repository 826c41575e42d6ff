from __future__ import annotations

from django.test import Client

from gongzhi.core.db import ReplicaRouter, reading_from_replica


def test_metrics_are_served_to_loopback_with_request_counts_and_queue_depth(client, db):
    client.get("/healthz")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'gongzhi_http_requests_total{method="GET",route="core:healthz",status="200"}' in body
    assert "gongzhi_task_queue_depth" in body


def test_metrics_are_hidden_from_other_addresses_without_the_token(db, settings):
    settings.GONGZHI_METRICS_TOKEN = "s3cret"
    outsider = Client(REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/metrics").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_reads_go_to_a_replica_only_inside_the_replica_block(monkeypatch):
    monkeypatch.setattr("gongzhi.core.db.replica_aliases", lambda: ["replica0"])
    router = ReplicaRouter()
    assert router.db_for_read(None) == "default"
    with reading_from_replica():
        assert router.db_for_read(None) == "replica0"
    assert router.db_for_write(None) == "default"


def test_metrics_are_hidden_from_requests_relayed_by_a_local_proxy(client, db):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 404

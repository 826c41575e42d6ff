"""Prometheus metrics: requests and latencies (middleware), plus gauges that apps add.

An app registers a gauge callback with `register_gauge(name, help, fn)`; `fn()` returns a
number (or a dict of label → number) and is read at scrape time, e.g. the overdue cases.
Under gunicorn, set PROMETHEUS_MULTIPROC_DIR so every worker's counters are summed.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

REQUESTS = Counter("gongzhi_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "gongzhi_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_gauges: dict[str, tuple[str, Callable[[], Any]]] = {}


def register_gauge(name: str, help_text: str, fn: Callable[[], Any]) -> None:
    _gauges[name] = (help_text, fn)


def _queue_depth() -> int:
    from huey.contrib.djhuey import HUEY

    return int(HUEY.pending_count())


register_gauge("gongzhi_task_queue_depth", "Background tasks waiting in the queue", _queue_depth)


class _GaugeCollector:
    def collect(self) -> Any:
        for name, (help_text, fn) in sorted(_gauges.items()):
            try:
                value = fn()
            except Exception:  # a broken gauge must not break the scrape
                logger.exception("metrics gauge %s failed", name)
                continue
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, help_text, labels=["label"])
                for label, v in value.items():
                    family.add_metric([str(label)], float(v))
            else:
                family = GaugeMetricFamily(name, help_text, value=float(value))
            yield family


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match is not None and match.view_name else "unmatched"
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - start)
        return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Metrics for Prometheus: from loopback, or with `Authorization: Bearer <GONGZHI_METRICS_TOKEN>`."""
    token = getattr(settings, "GONGZHI_METRICS_TOKEN", "")
    remote = request.META.get("REMOTE_ADDR", "")
    # Loopback counts only for a direct scrape: behind a reverse proxy on the same host
    # every request comes from loopback, but carries X-Forwarded-For.
    direct_loopback = remote in ("127.0.0.1", "::1") and "X-Forwarded-For" not in request.headers
    authorised = direct_loopback or (token and request.headers.get("Authorization") == f"Bearer {token}")
    if not authorised:
        return HttpResponse(status=404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry)
    gauges = CollectorRegistry()
    gauges.register(_GaugeCollector())
    output += generate_latest(gauges)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)

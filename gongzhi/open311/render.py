"""GeoReport v2 output in JSON and XML, and the spec's error format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

# How a list's items are named in XML (GeoReport v2 examples).
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}
# XML 1.0 forbids most control characters even when escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return _INVALID_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, str(key), child)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _append(element, item_tag, child)
    else:
        element.text = _text(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    _fill(ET.SubElement(parent, tag), value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def respond(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    """`value` as JSON (as is) or as XML under `root` (lists become repeated item elements)."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, value), status=status, content_type="text/xml; charset=utf-8")
    body = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return HttpResponse(body.encode(), status=status, content_type="application/json; charset=utf-8")


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error format: a list of {code, description}; the code is the HTTP status."""
    items = [{"code": status, "description": str(d)} for d in descriptions]
    return respond(fmt, "errors", items, status=status)

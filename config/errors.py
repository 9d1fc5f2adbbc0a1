"""The API's one error shape, for every layer that answers an API client (views, downloads,
middleware): {"error": {"status", "code", "message", "fields"}}. See config.api."""

from __future__ import annotations


def error_body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}

"""The write token (KG_WRITE_TOKEN) shared by the write APIs: documents and curations.

KG_WRITE_TOKEN holds one token or several separated by commas. A token `name:secret` names its holder
(the curator recorded with each decision); a plain secret stands for "curator". Clients send the whole
token: `Authorization: Bearer name:secret`.
"""

from __future__ import annotations

import hmac

from flask import Response, g, request

from kg.curation import curator_name, write_tokens
from kg.web import service
from kg.web.errors import problem


def authorise_write() -> Response | None:
    """None when the request carries a configured write token (its name is then g.writer), else the refusal."""
    tokens = write_tokens(service().settings.write_token)
    if not tokens:
        return problem(403, "Write API disabled", "the write API is off: set KG_WRITE_TOKEN on the server to enable it")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = problem(401, "Unauthorized", "send the write token as `Authorization: Bearer TOKEN`")
        response.headers["WWW-Authenticate"] = 'Bearer realm="kg-write"'
        return response
    offered = given.strip().encode("utf-8")
    # Compare against every token (no early exit), so the time taken does not say which one nearly matched.
    matches = [t for t in tokens if hmac.compare_digest(offered, t.encode("utf-8"))]
    if not matches:
        return problem(403, "Forbidden", "the write token is wrong")
    g.writer = curator_name(matches[0])
    return None

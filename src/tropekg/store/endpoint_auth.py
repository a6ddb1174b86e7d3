"""Credentials for a SPARQL endpoint: its URLs, a user and a password in; a urllib opener out that
answers the server's challenge, HTTP Basic (Fuseki, GraphDB) or Digest (Virtuoso's
``/sparql-auth`` and ``/sparql-graph-crud-auth``), and gives the credentials to the endpoint's own
origins only.

Nothing is sent before the server asks: a request carries no ``Authorization`` header of its own,
so a redirect never takes one along, and when another origin asks for credentials (after a
redirect, say) it gets none and the request fails with its HTTP 401. An origin is scheme, host and
port: urllib's own password managers compare host and port only, which would hand a password
meant for ``https://host:8890`` to ``http://host:8890``.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterable

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port filled in from the scheme when the URL omits it."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


class OriginPasswords(urllib.request.HTTPPasswordMgrWithDefaultRealm):
    """One user and password for a set of origins, whatever realm their challenge names."""

    def __init__(self, urls: Iterable[str | None], user: str | None, password: str | None):
        super().__init__()
        self._origins = {origin(u) for u in urls if u}
        self._user = user
        self._password = password or ""

    def find_user_password(self, realm, authuri):
        if self._user is not None and origin(authuri) in self._origins:
            return self._user, self._password
        return None, None


# urllib's handlers raise ValueError for a challenge in a scheme they do not speak (the Basic one for
# Digest, when there is no password to answer with; both for Bearer): leave the 401 to be reported.
class _DigestChallenge(urllib.request.HTTPDigestAuthHandler):
    def http_error_401(self, req, fp, code, msg, headers):
        try:
            return super().http_error_401(req, fp, code, msg, headers)
        except ValueError:
            self.reset_retry_count()
            return None


class _BasicChallenge(urllib.request.HTTPBasicAuthHandler):
    def http_error_401(self, req, fp, code, msg, headers):
        try:
            return super().http_error_401(req, fp, code, msg, headers)
        except ValueError:
            return None


def endpoint_opener(urls: Iterable[str | None], user: str | None, password: str | None,
                    handlers: Iterable[urllib.request.BaseHandler] | None = None) -> urllib.request.OpenerDirector:
    """An opener answering Digest and Basic challenges from the given URLs' origins; any other
    challenge, or one from another origin, stays an HTTP 401. ``handlers`` are all the others the
    opener has (by default urllib's, as ``build_opener`` gives them)."""
    passwords = OriginPasswords(urls, user, password)
    challenges = (_DigestChallenge(passwords), _BasicChallenge(passwords))
    if handlers is None:
        return urllib.request.build_opener(*challenges)
    opener = urllib.request.OpenerDirector()
    for handler in (*handlers, *challenges):
        opener.add_handler(handler)
    return opener

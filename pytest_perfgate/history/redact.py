"""Store locations as messages show them: :func:`redact` hides the password of the user part (``@``
in it included) and of ``password=`` in the query; :func:`scrub` takes it (and ``PGPASSWORD``)
out of a driver's message too."""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

MASK = "***"
_QUERY_PASSWORD = re.compile(r"(?i)((?:^|[?&;])(?:ssl)?password=)([^&;#]*)")
#: Secrets shorter than this are not searched for in free text (they would mask ordinary words).
_SHORTEST = 3


def _userinfo_end(rest: str) -> int:
    """Where the user part (``user:password``) of ``rest`` (the URL after ``://``) ends; -1: none.

    The last ``@`` before the query counts, so a password holding ``@`` is hidden whole; where there
    is none there, the last ``@`` of all (a password may hold ``/`` and ``?``: when in doubt, hide).
    """
    query, slash = rest.find("?"), rest.find("/")
    if query != -1 and -1 < slash < query and (end := rest.rfind("@", 0, query)) != -1:
        return end
    return rest.rfind("@")


def _split(location: str) -> tuple[str, str, str, str] | None:
    """(scheme://, user, password, the rest from the ``@`` on) of a URL with a password in its user part."""
    scheme, separator, rest = location.partition("://")
    if not separator:
        return None
    end = _userinfo_end(rest)
    user, colon, password = rest[: max(end, 0)].partition(":")
    if end < 0 or not colon:
        return None
    return scheme + separator, user, password, rest[end:]


def redact(location: str) -> str:
    """The location with every password replaced by ``***`` (a file path comes back unchanged)."""
    if "://" not in location:
        return location
    parts = _split(location)
    if parts is not None:
        prefix, user, _, rest = parts
        location = f"{prefix}{user}:{MASK}{rest}"
    return _QUERY_PASSWORD.sub(lambda match: match.group(1) + MASK, location)


def secrets_in(location: str) -> list[str]:
    """Every password the location (or the ``PGPASSWORD`` variable) holds, longest first."""
    found = [match.group(2) for match in _QUERY_PASSWORD.finditer(location)]
    parts = _split(location)
    if parts is not None:
        password = parts[2]
        found.append(password)
        pieces = password.split("@")
        found += ["@".join(pieces[index:]) + "@" for index in range(1, len(pieces))]
    found.append(os.environ.get("PGPASSWORD", ""))
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if len(secret) >= _SHORTEST}, key=len, reverse=True)


def scrub(text: str, location: str) -> str:
    """A message about ``location`` with its URL redacted and no password left in it."""
    text = text.replace(location, redact(location))
    for secret in secrets_in(location):
        text = text.replace(secret, MASK)
    return text

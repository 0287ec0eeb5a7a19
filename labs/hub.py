"""The only code in the academy that talks to JupyterHub.

Two kinds of call:
- the hub REST API (`/hub/api/...`) with the academy *service* token, whose role can
  create users, start/stop servers and issue tokens — nothing else (see
  jupyter_config/jupyterhub_config.py);
- a learner's single-user server (`/user/<name>/api/contents/...`) with a short-lived
  token owned by that learner and limited to `access:servers!user=<name>`. The
  service token itself cannot open anyone's notebooks.

Every request has an explicit timeout. Only requests that are safe to repeat are
retried (connection failures, and idempotent GET/PUT/DELETE). Anything that goes
wrong with the hub surfaces as one exception, `HubUnavailable`, whose message is
the Vietnamese text shown to the learner.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# (connect, read) seconds. Hub API calls are quick; spawning is polled, not awaited.
TIMEOUT = (3.05, 15)
SPAWN_TIMEOUT = (3.05, 45)
STATUS_TIMEOUT = (1.0, 2.0)
HUB_UP_CACHE_SECONDS = 15
TOKEN_SECONDS = 15 * 60


class HubUnavailable(Exception):
    """The lab server cannot be reached or did not do what was asked."""

    default_message = _(
        "Máy chủ bài thực hành tạm thời không truy cập được. Vui lòng thử lại sau "
        "ít phút, hoặc tải tệp bài làm (.ipynb) lên để nộp bài."
    )

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(detail or str(self.default_message))
        self.detail = detail
        self.message = message or str(self.default_message)


@dataclass(frozen=True)
class ServerState:
    exists: bool  # the hub knows the user
    ready: bool
    pending: str | None  # "spawn", "stop" or None
    url: str = ""


def hub_url() -> str:
    return getattr(settings, "JUPYTERHUB_URL", "http://127.0.0.1:18000").rstrip("/")


def _service_token() -> str:
    token = getattr(settings, "JUPYTERHUB_API_TOKEN", "")
    if token:
        return token
    # `manage.py hub_register` writes it here for `make run`.
    path = Path(settings.DATA_DIR) / "jupyterhub" / "service_token"
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise HubUnavailable("no service token configured") from exc


_local = threading.local()


def _session() -> requests.Session:
    """One pooled session per thread (requests.Session is not thread-safe)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        retry = Retry(
            total=3,
            connect=3,
            read=2,
            status=2,
            backoff_factor=0.2,
            status_forcelist=(502, 503, 504),
            # POST is not repeated after the request reached the hub: creating a
            # token twice or queueing two spawns is not harmless.
            allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=32)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False
        _local.session = session
    return session


def _request(
    method: str,
    url: str,
    *,
    token: str,
    ok: tuple[int, ...],
    timeout: tuple[float, float] = TIMEOUT,
    **kwargs: Any,
) -> requests.Response:
    try:
        response = _session().request(
            method,
            url,
            headers={"Authorization": f"token {token}"},
            timeout=timeout,
            allow_redirects=False,
            **kwargs,
        )
    except requests.RequestException as exc:
        cache.delete(_HUB_UP_KEY)
        raise HubUnavailable(f"{method} {url}: {exc}") from exc
    if response.status_code not in ok:
        raise HubUnavailable(
            f"{method} {url}: HTTP {response.status_code} {response.text[:200]}"
        )
    return response


def _api(method: str, path: str, *, ok: tuple[int, ...], **kwargs: Any):
    return _request(
        method, f"{hub_url()}/hub/api{path}", token=_service_token(), ok=ok, **kwargs
    )


def _user_path(username: str) -> str:
    return f"/users/{quote(username, safe='')}"


# Set in the academy session once the learner has opened a lab in this session.
SESSION_OPENED_KEY = "labs_hub_opened"


def logout_url() -> str:
    """The hub's logout page: it clears the hub's cookies, stops the learner's server
    (`shutdown_on_logout`) and sends the browser back to the academy."""
    return f"{hub_url()}/hub/logout"


# --- Hub status -------------------------------------------------------------------------
_HUB_UP_KEY = "labs:hub:up"


def _status_session() -> requests.Session:
    """A per-thread session without retries (and, like `_session`, no proxies)."""
    session = getattr(_local, "status_session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        _local.status_session = session
    return session


def hub_available() -> bool:
    """Whether the hub answers, cached briefly so a lesson page costs no round trip."""
    cached = cache.get(_HUB_UP_KEY)
    if cached is not None:
        return cached
    try:
        # One quick try, no retries: this runs inside lesson pages, and a hub that is
        # down must cost them as little as possible.
        response = _status_session().get(
            f"{hub_url()}/hub/api/", timeout=STATUS_TIMEOUT, allow_redirects=False
        )
        up = response.status_code == 200
    except requests.RequestException:
        up = False
    cache.set(_HUB_UP_KEY, up, HUB_UP_CACHE_SECONDS)
    return up


# --- Users and servers ------------------------------------------------------------------
def user_ensure(username: str) -> None:
    """Create the hub user if it does not exist yet (409 = already there)."""
    _api("POST", _user_path(username), ok=(201, 409))


def server_state(username: str) -> ServerState:
    response = _api("GET", _user_path(username), ok=(200, 404))
    if response.status_code == 404:
        return ServerState(exists=False, ready=False, pending=None)
    server = (response.json().get("servers") or {}).get("")
    if not server:
        return ServerState(exists=True, ready=False, pending=None)
    return ServerState(
        exists=True,
        ready=bool(server.get("ready")),
        pending=server.get("pending"),
        url=server.get("url") or "",
    )


def server_start(username: str, *, profile: str | None = None) -> ServerState:
    """Ask the hub to start the learner's default server; does not wait for it.

    `profile` picks a KubeSpawner profile (values.yaml: one per program); the local
    spawner ignores it. 201 = started, 202 = spawn pending, 400 = already running
    or a stop is pending.
    """
    options = {"profile": profile} if profile else None
    # The hub answers at once (slow_spawn_timeout = 0), but under a burst of
    # spawns its event loop is busy: allow a longer read than for other calls.
    response = _api(
        "POST",
        f"{_user_path(username)}/server",
        ok=(201, 202, 400),
        json=options,
        timeout=SPAWN_TIMEOUT,
    )
    if response.status_code == 400:
        state = server_state(username)
        if state.ready or state.pending == "spawn":
            return state
        if state.pending == "stop":
            # Wait for the stop to finish, then start again (once).
            _wait(username, lambda s: s.pending is None, timeout=30)
            _api(
                "POST",
                f"{_user_path(username)}/server",
                ok=(201, 202, 400),
                json=options,
                timeout=SPAWN_TIMEOUT,
            )
            return server_state(username)
        raise HubUnavailable(f"start {username}: {response.text[:200]}")
    return ServerState(exists=True, ready=response.status_code == 201, pending="spawn")


def _wait(username: str, done, *, timeout: float) -> ServerState:
    deadline = time.monotonic() + timeout
    interval = 0.1
    while True:
        state = server_state(username)
        if done(state):
            return state
        if time.monotonic() >= deadline:
            raise HubUnavailable(f"{username}: server not ready after {timeout:.0f} s")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)


def server_wait_ready(username: str, timeout: float = 90) -> ServerState:
    """Poll until the learner's server is ready; a failed spawn raises at once."""

    def done(state: ServerState) -> bool:
        if state.ready:
            return True
        if state.pending is None:
            raise HubUnavailable(f"{username}: the server stopped while starting")
        return False

    return _wait(username, done, timeout=timeout)


def server_running(username: str) -> bool:
    return server_state(username).ready


def server_stop(username: str) -> None:
    _api("DELETE", f"{_user_path(username)}/server", ok=(202, 204, 400, 404))


# --- Short-lived learner tokens ---------------------------------------------------------
_tokens: dict[str, tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def user_token(username: str, expires_in: int = TOKEN_SECONDS) -> str:
    """A token owned by the learner, good only for their own server, for `expires_in`
    seconds. Reused within this process until a minute before it expires."""
    with _tokens_lock:
        cached = _tokens.get(username)
        if cached and cached[1] - 60 > time.monotonic():
            return cached[0]
    response = _api(
        "POST",
        f"{_user_path(username)}/tokens",
        ok=(200, 201),
        json={
            "note": "academy: contents for lab launch/submit",
            "expires_in": int(expires_in),
            "scopes": [f"access:servers!user={username}"],
        },
    )
    token = response.json()["token"]
    with _tokens_lock:
        _tokens[username] = (token, time.monotonic() + expires_in)
    return token


# --- The learner's files (Jupyter contents API) -----------------------------------------
def _contents_url(username: str, path: str) -> str:
    clean = "/".join(quote(part) for part in path.strip("/").split("/") if part)
    return f"{hub_url()}/user/{quote(username, safe='')}/api/contents/{clean}"


def contents_get(
    username: str, path: str, token: str, *, content: bool = True
) -> dict | None:
    """The contents model of `path`, or None when it does not exist."""
    response = _request(
        "GET",
        _contents_url(username, path),
        token=token,
        ok=(200, 404),
        params={"content": "1" if content else "0"},
    )
    return response.json() if response.status_code == 200 else None


def contents_exists(username: str, path: str, token: str) -> bool:
    return contents_get(username, path, token, content=False) is not None


def directory_ensure(username: str, path: str, token: str) -> None:
    """Create `path` and its parents (PUT of a directory is idempotent)."""
    parts = [part for part in path.strip("/").split("/") if part]
    for depth in range(1, len(parts) + 1):
        _request(
            "PUT",
            _contents_url(username, "/".join(parts[:depth])),
            token=token,
            ok=(200, 201),
            json={"type": "directory"},
        )


def contents_put(username: str, path: str, data: bytes | dict, token: str) -> None:
    """Write a file. Bytes are stored exactly as given (a starter notebook keeps the
    author's bytes); a dict is stored as a notebook model."""
    if isinstance(data, dict):
        model = {"type": "notebook", "format": "json", "content": data}
    else:
        model = {
            "type": "file",
            "format": "base64",
            "content": base64.b64encode(data).decode("ascii"),
        }
    _request(
        "PUT",
        _contents_url(username, path),
        token=token,
        ok=(200, 201),
        json=model,
        timeout=(3.05, 60),
    )


def contents_rename(username: str, path: str, new_path: str, token: str) -> None:
    """Move a file. PATCH is not repeated by the retry policy, on purpose."""
    _request(
        "PATCH",
        _contents_url(username, path),
        token=token,
        ok=(200,),
        json={"path": new_path.strip("/")},
    )


def notebook_fetch(username: str, path: str) -> bytes:
    """The learner's notebook as saved on their server, as .ipynb bytes.

    Raises HubUnavailable when the server is not running or the file is missing.
    """
    token = user_token(username)
    model = contents_get(username, path, token)
    if model is None or model.get("type") != "notebook":
        raise HubUnavailable(
            f"{username}: {path} not found",
            message=str(
                _(
                    "Không tìm thấy tệp bài làm trên máy chủ bài thực hành. Hãy mở "
                    "bài thực hành, lưu lại (Ctrl+S) rồi nộp bài."
                )
            ),
        )
    return json.dumps(model["content"], ensure_ascii=False, indent=1).encode("utf-8")

"""The lab launch flow on JupyterHub: open, warm up, reset to starter, submit.

The learner's files live in `labs/<slug>/` of their hub home. Opening a lab copies
the current version's starter notebook and data there, but never over a file that
already exists: that is the learner's own work. "Reset to starter" first renames
the learner's notebook to `starter.backup-<timestamp>.ipynb`.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from labs import hub
from labs.archives import starter_with_kernel
from labs.models import Lab, Submission
from lms.accounts.models import User
from lms.oauth import hub_username

STARTER = "starter.ipynb"
BUNDLES_DIR = Path(settings.BASE_DIR) / "labs" / "bundles"


def lab_folder(*, lab: Lab) -> str:
    return f"labs/{lab.slug}"


def lab_notebook_path(*, lab: Lab) -> str:
    return f"{lab_folder(lab=lab)}/{STARTER}"


def lab_url(*, user: User, lab: Lab) -> str:
    """Where JupyterLab shows the learner's notebook (the hub signs them in)."""
    return (
        f"{hub.hub_url()}/user/{quote(hub_username(user), safe='')}"
        f"/lab/tree/{quote(lab_notebook_path(lab=lab))}"
    )


def learner_files(*, lab: Lab) -> dict[str, bytes]:
    """starter.ipynb and data/… of the lab's current version, keyed by the path
    inside `labs/<slug>/`. Falls back to the bundle folder in the repository for a
    lab that has no imported version yet (local development)."""
    if lab.current_version_id:
        from labs import services

        archive = services.learner_download(lab=lab)
        files = {}
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            for info in bundle.infolist():
                if info.is_dir():
                    continue
                _slug, _sep, inner = info.filename.partition("/")
                if inner:
                    files[inner] = bundle.read(info)
        return files
    folder = BUNDLES_DIR / lab.slug
    files = {}
    if (folder / STARTER).is_file():
        files[STARTER] = starter_with_kernel((folder / STARTER).read_bytes())
    data = folder / "data"
    if data.is_dir():
        for path in sorted(data.rglob("*")):
            if path.is_file():
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def _listing(username: str, folder: str, token: str) -> set[str] | None:
    """Names in `folder` on the learner's server, or None if it does not exist."""
    model = hub.contents_get(username, folder, token)
    if model is None:
        return None
    return {child["name"] for child in model.get("content") or []}


def _copy_missing(*, username: str, lab: Lab, token: str) -> list[str]:
    """Copy the lab's files that are not on the server yet; returns what was copied."""
    root = lab_folder(lab=lab)
    files = learner_files(lab=lab)
    if not files:
        raise hub.HubUnavailable(
            f"lab {lab.slug} has no starter", message=str(_no_starter_message())
        )
    by_folder: dict[str, dict[str, bytes]] = {}
    for inner, data in files.items():
        by_folder.setdefault(posixpath.dirname(inner), {})[
            posixpath.basename(inner)
        ] = data
    copied = []
    for sub in sorted(by_folder):
        folder = f"{root}/{sub}" if sub else root
        existing = _listing(username, folder, token)
        if existing is None:
            hub.directory_ensure(username, folder, token)
            existing = set()
        for name, data in sorted(by_folder[sub].items()):
            if name not in existing:
                hub.contents_put(username, f"{folder}/{name}", data, token)
                copied.append(f"{folder}/{name}")
    return copied


def _no_starter_message() -> str:
    from django.utils.translation import gettext

    return gettext("Bài thực hành này chưa sẵn sàng: chưa có notebook khởi đầu.")


def server_ready_ensure(*, user: User, timeout: float = 90) -> str:
    """Create the hub user, start their server and wait until it answers."""
    username = hub_username(user)
    hub.user_ensure(username)
    state = hub.server_start(username)
    if not state.ready:
        hub.server_wait_ready(username, timeout=timeout)
    return username


def lab_warmup(*, user: User) -> hub.ServerState:
    """Start the learner's server without waiting (the lesson page calls this on
    load, so the later click finds a running server)."""
    username = hub_username(user)
    hub.user_ensure(username)
    return hub.server_start(username)


def lab_open(*, user: User, lab: Lab, timeout: float = 90) -> str:
    """Make sure the learner's server runs and holds the lab's files; returns the
    JupyterLab URL of the starter notebook."""
    username = server_ready_ensure(user=user, timeout=timeout)
    token = hub.user_token(username)
    _copy_missing(username=username, lab=lab, token=token)
    return lab_url(user=user, lab=lab)


def lab_reset(*, user: User, lab: Lab, timeout: float = 90) -> tuple[str, str | None]:
    """Put the original starter back, keeping the learner's notebook as a backup.

    Returns the JupyterLab URL and the backup's path (None when there was nothing
    to back up)."""
    username = server_ready_ensure(user=user, timeout=timeout)
    token = hub.user_token(username)
    path = lab_notebook_path(lab=lab)
    backup = None
    if hub.contents_exists(username, path, token):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        backup = f"{lab_folder(lab=lab)}/starter.backup-{stamp}.ipynb"
        hub.contents_rename(username, path, backup, token)
    _copy_missing(username=username, lab=lab, token=token)
    return lab_url(user=user, lab=lab), backup


def lab_submit_from_hub(*, user: User, lab: Lab) -> Submission:
    """Fetch the learner's saved notebook from their server and submit it.

    Raises hub.HubUnavailable (server down, notebook missing) or
    labs.services.SubmissionRefused (not a valid notebook, lab not ready)."""
    from labs import services

    username = hub_username(user)
    notebook = hub.notebook_fetch(username, lab_notebook_path(lab=lab))
    return services.submission_create(
        user=user, lab=lab, notebook_bytes=notebook, source=Submission.Source.HUB
    )


def hub_tokens_revoke(*, user: User) -> int:
    """Revoke the OAuth tokens the academy issued to JupyterHub for `user` (at academy
    logout), so nothing the hub kept can act as them afterwards."""
    from oauth2_provider.models import AccessToken, RefreshToken

    from lms.oauth import HUB_CLIENT_ID

    refresh = RefreshToken.objects.filter(
        user=user, application__client_id=HUB_CLIENT_ID, revoked__isnull=True
    )
    for token in refresh:
        token.revoke()  # also deletes its access token
    deleted, _ = AccessToken.objects.filter(
        user=user, application__client_id=HUB_CLIENT_ID
    ).delete()
    return len(refresh) + deleted

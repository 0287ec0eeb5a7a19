"""Register JupyterHub as the academy's first-party OAuth client, idempotently.

django-oauth-toolkit hashes client secrets on save, so the plaintext the hub needs
exists only in the 0600 file this command writes. Also writes the academy service's
API token the hub loads into its `academy` service. Re-running keeps both files and
only rotates the secret when the file and the stored hash disagree (or --rotate).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

from lms.oauth import HUB_CLIENT_ID as CLIENT_ID


def secret_file_write(path: Path, value: str) -> None:
    """Write a secret readable by its owner only (created 0600, never widened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    path.chmod(0o600)


def secret_file_read(path: Path) -> str:
    return path.read_text().strip() if path.is_file() else ""


class Command(BaseCommand):
    help = "Create or update the JupyterHub OAuth client and the hub service token."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hub-url",
            default=getattr(settings, "JUPYTERHUB_URL", "http://127.0.0.1:18000"),
            help="Public URL of the hub (the redirect URI is <hub-url>/hub/oauth_callback).",
        )
        parser.add_argument(
            "--dir",
            default=str(Path(settings.DATA_DIR) / "jupyterhub"),
            help="Folder for the oauth_client_secret and service_token files.",
        )
        parser.add_argument(
            "--rotate", action="store_true", help="Issue a new client secret."
        )

    def handle(self, *args, **options):
        folder = Path(options["dir"])
        secret_path = folder / "oauth_client_secret"
        token_path = folder / "service_token"
        redirect_uri = options["hub_url"].rstrip("/") + "/hub/oauth_callback"

        Application = get_application_model()
        app = Application.objects.filter(client_id=CLIENT_ID).first()
        plaintext = secret_file_read(secret_path)
        stale = (
            options["rotate"]
            or not plaintext
            or app is None
            or not check_password(plaintext, app.client_secret)
        )
        if stale:
            plaintext = secrets.token_urlsafe(48)
        if app is None:
            app = Application(client_id=CLIENT_ID)
        app.name = "JupyterHub — Bài thực hành"
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.skip_authorization = True  # first-party: no consent screen
        app.redirect_uris = redirect_uri
        app.algorithm = Application.NO_ALGORITHM
        if stale:
            app.client_secret = plaintext  # hashed by DOT on save
        app.save()
        if stale:
            secret_file_write(secret_path, plaintext)

        if not secret_file_read(token_path):
            secret_file_write(token_path, secrets.token_hex(32))

        self.stdout.write(
            f"JupyterHub OAuth client '{CLIENT_ID}' → {redirect_uri}"
            f" ({'new secret' if stale else 'secret unchanged'}); files in {folder}"
        )

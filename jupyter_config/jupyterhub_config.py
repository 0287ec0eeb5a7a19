"""JupyterHub for the academy's labs: `jupyterhub -f jupyter_config/jupyterhub_config.py`.

Everything comes from environment variables so the same file serves `make run`
(loopback, local processes), the pytest `hub` fixture (other ports, a temporary data
folder) and a hand-run production hub. On Kubernetes the Zero to JupyterHub chart
writes its own config; `values.yaml` beside this file carries the same choices.

Variables (defaults are for `make run`):
  JUPYTERHUB_URL                   public URL of the hub (http://127.0.0.1:18000)
  JUPYTERHUB_HUB_BIND_URL          hub API, internal (http://127.0.0.1:18081)
  JUPYTERHUB_PROXY_API_URL         configurable-http-proxy API (http://127.0.0.1:18001)
  ACADEMY_URL                      academy as the browser sees it (SITE_URL or :8000)
  ACADEMY_INTERNAL_URL             academy as the hub reaches it (ACADEMY_URL)
  JUPYTERHUB_DATA_DIR              sqlite db, cookie secret, homes ($DATA_DIR/jupyterhub)
  ACADEMY_OAUTH_CLIENT_ID          DOT application client id (jupyterhub)
  ACADEMY_OAUTH_CLIENT_SECRET[_FILE]  plaintext secret written by `manage.py hub_register`
  JUPYTERHUB_API_TOKEN[_FILE]      the academy service's token (also from hub_register)
  JUPYTERHUB_SPAWNER               simple (default) | kubernetes
  JUPYTERHUB_ADMIN_GROUPS          academy groups that become hub admins (none)
  JUPYTERHUB_OPERATOR_GROUPS       academy groups that may see/stop servers (dost-admin)
  JUPYTERHUB_CULL_TIMEOUT          idle seconds before a server is stopped (3600)
  JUPYTERHUB_CONCURRENT_SPAWN_LIMIT, JUPYTERHUB_ACTIVE_SERVER_LIMIT  (30, 0 = no limit)
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

c = get_config()  # noqa: F821 - injected by JupyterHub when it loads this file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_BIN = Path(sys.executable).parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def env_secret(name: str, default_file: Path) -> str:
    """A secret from NAME, else from the file NAME_FILE (or `default_file`)."""
    value = env(name)
    if value:
        return value
    path = Path(env(f"{name}_FILE", str(default_file)))
    if not path.is_file():
        raise SystemExit(
            f"{name} is not set and {path} does not exist: run "
            "`manage.py hub_register` first (jupyter_config/start-hub does)."
        )
    return path.read_text().strip()


def env_set(name: str, default: str = "") -> set[str]:
    return {item.strip() for item in env(name, default).split(",") if item.strip()}


# --- URLs and ports -------------------------------------------------------------------
# Why: the hub binds to loopback only; the academy (and the browser in dev) reach it
# through the proxy's public port. The hub API and the proxy API stay internal.
PUBLIC_URL = env("JUPYTERHUB_URL", "http://127.0.0.1:18000").rstrip("/")
ACADEMY_URL = env("ACADEMY_URL", env("SITE_URL", "http://127.0.0.1:8000")).rstrip("/")
ACADEMY_INTERNAL_URL = env("ACADEMY_INTERNAL_URL", ACADEMY_URL).rstrip("/")
DATA_DIR = Path(
    env(
        "JUPYTERHUB_DATA_DIR",
        str(Path(env("DATA_DIR", str(REPO / "var"))) / "jupyterhub"),
    )
).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

c.JupyterHub.bind_url = env("JUPYTERHUB_BIND_URL", PUBLIC_URL)
c.JupyterHub.hub_bind_url = env("JUPYTERHUB_HUB_BIND_URL", "http://127.0.0.1:18081")
c.ConfigurableHTTPProxy.api_url = env(
    "JUPYTERHUB_PROXY_API_URL", "http://127.0.0.1:18001"
)
# Why: configurable-http-proxy is pinned in jupyter_config/package.json and installed
# by jupyter_config/install-proxy, not taken from whatever is on the PATH.
_chp = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [
    str(_chp) if _chp.exists() else shutil.which("configurable-http-proxy") or str(_chp)
]
c.ConfigurableHTTPProxy.pid_file = str(DATA_DIR / "proxy.pid")
# Why: a hub restart must not kill learners' running servers in production, but in
# dev and tests an orphaned single-user process is just a leak.
c.JupyterHub.cleanup_servers = env("JUPYTERHUB_CLEANUP_SERVERS", "1") == "1"
c.JupyterHub.cleanup_proxy = True

# --- State, cookies and tokens (JupyterHub security docs) -----------------------------
# Why: the cookie secret signs the hub's login cookie; keep it in a 0600 file so a
# restart does not log everyone out, and never in the repo.
c.JupyterHub.db_url = env(
    "JUPYTERHUB_DB_URL", f"sqlite:///{DATA_DIR / 'jupyterhub.sqlite'}"
)
_cookie_secret = DATA_DIR / "cookie_secret"
if not env("JPY_COOKIE_SECRET") and not _cookie_secret.exists():
    _cookie_secret.write_text(secrets.token_hex(32))
    _cookie_secret.chmod(0o600)
c.JupyterHub.cookie_secret_file = str(_cookie_secret)
# Why: a hub login should not outlive the academy session by much (8 h there); the
# OAuth round trip to the academy is silent, so a short lifetime costs nothing.
c.JupyterHub.cookie_max_age_days = float(env("JUPYTERHUB_COOKIE_MAX_AGE_DAYS", "0.5"))
# Why: the __Host- prefix pins the cookie to the exact host over https (it cannot be
# used on plain-http loopback). SameSite=Lax keeps the OAuth redirects working.
_https = urlparse(PUBLIC_URL).scheme == "https"
c.JupyterHub.cookie_host_prefix_enabled = _https
# The xsrf cookie copies these options (JupyterHub does that when none are given).
c.JupyterHub.tornado_settings = {
    "cookie_options": {"samesite": "Lax", "secure": True}
    if _https
    else {"samesite": "Lax"},
    # Why: by default POST /users/{name}/server holds the request up to 10 s while
    # the server starts. The academy polls readiness itself; with 20 learners
    # clicking at once those held requests pile up and time out. 0 = answer 202 now.
    "slow_spawn_timeout": 0,
}
# Why: user servers on their own subdomains isolate learners' JavaScript from each
# other and from the hub (recommended by the security docs; needs wildcard DNS/TLS).
if env("JUPYTERHUB_SUBDOMAIN_HOST"):
    c.JupyterHub.subdomain_host = env("JUPYTERHUB_SUBDOMAIN_HOST")
# Why: no token, however it was made, lives longer than a week.
c.JupyterHub.token_expires_in_max_seconds = 7 * 24 * 3600

# --- Authentication: the academy is the only identity provider ------------------------
# Why: learners must never see a second login. GenericOAuthenticator runs the
# authorization-code flow with PKCE against django-oauth-toolkit in the academy
# (first-party app, skip_authorization), and auto_login sends /hub/login straight
# there.
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = env("ACADEMY_OAUTH_CLIENT_ID", "jupyterhub")
c.GenericOAuthenticator.client_secret = env_secret(
    "ACADEMY_OAUTH_CLIENT_SECRET", DATA_DIR / "oauth_client_secret"
)
c.GenericOAuthenticator.oauth_callback_url = f"{PUBLIC_URL}/hub/oauth_callback"
c.GenericOAuthenticator.authorize_url = f"{ACADEMY_URL}/o/authorize/"
c.GenericOAuthenticator.token_url = f"{ACADEMY_INTERNAL_URL}/o/token/"
c.GenericOAuthenticator.userdata_url = f"{ACADEMY_INTERNAL_URL}/api/me/"
c.GenericOAuthenticator.scope = ["read"]
c.GenericOAuthenticator.username_claim = "username"
c.GenericOAuthenticator.login_service = "Học viện Dữ liệu"
c.GenericOAuthenticator.enable_pkce = True
c.GenericOAuthenticator.auto_login = True
# Why: JupyterHub >= 5 lets nobody in without an allow rule. Everyone who can finish
# the OAuth flow is an academy account, and the academy is the only IdP, so "all"
# means exactly "academy users".
c.GenericOAuthenticator.allow_all = True
# Why: the academy's role groups (userinfo "groups": learner, instructor,
# agency-manager, dost-admin) are copied into hub groups at each login, so a role
# change in the academy applies at the next hub login.
c.GenericOAuthenticator.manage_groups = True
c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
# Why: full hub admin can open every learner's notebooks; nobody needs that by
# default. Operators (DOST admins) get a narrower role below.
_admin_groups = env_set("JUPYTERHUB_ADMIN_GROUPS")
if _admin_groups:
    c.GenericOAuthenticator.admin_groups = _admin_groups
# Why: the hub's own logout page would leave the academy session alive and bounce
# the learner straight back in; send them to the academy instead.
c.GenericOAuthenticator.logout_redirect_url = f"{ACADEMY_URL}/"
c.JupyterHub.shutdown_on_logout = True

# --- The academy as a hub service with a scoped role ----------------------------------
# Why each scope (nothing else: no `access:servers`, no `shutdown`, no `proxy`, no
# groups, no `admin:server_state`):
#   admin:users  create the learner's hub user before their first hub login, so the
#                lesson page can start the server early (POST /users/{name} needs it;
#                JupyterHub has no narrower "create user" scope).
#   servers      start and stop the learner's default server and read whether it is
#                ready (= read:servers + start:servers + delete:servers).
#   tokens       issue short-lived tokens *owned by the learner*, limited to
#                `access:servers!user=<name>`, for the contents API. The academy's own
#                token cannot reach any single-user server.
c.JupyterHub.services = [
    {
        "name": "academy",
        "api_token": env_secret("JUPYTERHUB_API_TOKEN", DATA_DIR / "service_token"),
        # No "url": the hub must not proxy /services/academy/ to the academy.
    },
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(env('JUPYTERHUB_CULL_TIMEOUT', '3600'))}",
            f"--cull-every={int(env('JUPYTERHUB_CULL_EVERY', '300'))}",
            f"--max-age={int(env('JUPYTERHUB_CULL_MAX_AGE', str(10 * 3600)))}",
        ],
    },
]
c.JupyterHub.load_roles = [
    {
        "name": "academy",
        "description": "Học viện Dữ liệu: tạo người dùng, bật/tắt máy chủ, cấp token ngắn hạn",
        "scopes": ["admin:users", "servers", "tokens"],
        "services": ["academy"],
    },
    {
        # Why: the culler's documented minimum: see activity, stop idle servers.
        "name": "idle-culler",
        "scopes": [
            "list:users",
            "read:users:activity",
            "read:servers",
            "delete:servers",
        ],
        "services": ["idle-culler"],
    },
    {
        # Why: DOST operators can see who runs a server and stop a stuck one from the
        # admin page, without `access:servers` (they cannot open learners' notebooks).
        "name": "lab-operator",
        "scopes": ["admin-ui", "list:users", "read:users", "servers"],
        "groups": sorted(env_set("JUPYTERHUB_OPERATOR_GROUPS", "dost-admin")),
    },
]

# --- Spawner ----------------------------------------------------------------------------
# Why the limits: a 2-core machine spawns about one server per 8 s; 20 learners
# clicking at once must queue, not fail, so the concurrent limit is above a class size
# and the timeouts leave room for the queue.
c.JupyterHub.concurrent_spawn_limit = int(
    env("JUPYTERHUB_CONCURRENT_SPAWN_LIMIT", "30")
)
c.JupyterHub.active_server_limit = int(env("JUPYTERHUB_ACTIVE_SERVER_LIMIT", "0"))
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = int(env("JUPYTERHUB_START_TIMEOUT", "120"))
c.Spawner.http_timeout = int(env("JUPYTERHUB_HTTP_TIMEOUT", "90"))
c.Spawner.consecutive_failure_limit = 5
# Why: single-user servers must not be reachable from outside the machine or pod.
c.Spawner.ip = "127.0.0.1"

if env("JUPYTERHUB_SPAWNER", "simple") == "kubernetes":
    # Production: one pod per learner with a persistent volume. kubespawner is only
    # needed on the cluster's hub image, so nothing imports it here.
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.Spawner.ip = "0.0.0.0"  # noqa: S104 - inside the pod; the network policy fences it
    c.KubeSpawner.image = env(
        "JUPYTERHUB_SINGLEUSER_IMAGE", "quay.io/jupyter/scipy-notebook:2025-11-24"
    )
    c.KubeSpawner.cpu_limit = float(env("JUPYTERHUB_CPU_LIMIT", "1"))
    c.KubeSpawner.cpu_guarantee = float(env("JUPYTERHUB_CPU_GUARANTEE", "0.1"))
    c.KubeSpawner.mem_limit = env("JUPYTERHUB_MEM_LIMIT", "2G")
    c.KubeSpawner.mem_guarantee = env("JUPYTERHUB_MEM_GUARANTEE", "512M")
    c.KubeSpawner.storage_pvc_ensure = True
    c.KubeSpawner.storage_capacity = env("JUPYTERHUB_STORAGE", "2Gi")
    c.KubeSpawner.pvc_name_template = "claim-{username}"
    c.KubeSpawner.volumes = [
        {"name": "home", "persistentVolumeClaim": {"claimName": "claim-{username}"}}
    ]
    c.KubeSpawner.volume_mounts = [{"name": "home", "mountPath": "/home/jovyan"}]
    c.KubeSpawner.working_dir = "/home/jovyan"
else:
    # Development (`make run`, tests): every learner's server is a local process of
    # the hub's OS user with its own home folder. There is NO isolation between
    # learners this way, which is why production uses KubeSpawner.
    import asyncio
    import socket

    from jupyterhub.spawner import SimpleLocalProcessSpawner

    class AcademyLocalSpawner(SimpleLocalProcessSpawner):
        """SimpleLocalProcessSpawner that returns only once the server listens.

        Why: the hub polls a new server with exponential back-off (0.2, 0.4, ... 5 s),
        so a server ready at +6 s is noticed at +8..11 s. Polling the port every
        0.1 s here hands the hub a server that answers its first check.
        """

        async def start(self):
            ip, port = await super().start()
            deadline = asyncio.get_running_loop().time() + self.http_timeout
            while asyncio.get_running_loop().time() < deadline:
                if await self.poll() is not None:
                    break  # the process died; let the hub report it
                try:
                    with socket.create_connection((ip, port), timeout=0.2):
                        break
                except OSError:
                    await asyncio.sleep(0.1)
            return ip, port

    c.JupyterHub.spawner_class = AcademyLocalSpawner
    c.SimpleLocalProcessSpawner.home_dir_template = str(
        DATA_DIR / "homes" / "{username}"
    )
    c.Spawner.cmd = [
        env("JUPYTERHUB_SINGLEUSER_CMD", str(VENV_BIN / "jupyterhub-singleuser"))
    ]
    # Why: jupyter_server refuses to run as root without it; only then is it added.
    c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
    # Why: the language-server extension costs start-up time and does nothing for
    # these labs.
    c.Spawner.args += ['--ServerApp.jpserver_extensions={"jupyter_lsp": False}']
    # Why: learners should not be asked about "Jupyter news" or told about JupyterLab
    # updates they cannot install; the page config disables the announcements plugin.
    c.Spawner.args += [
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"
    ]
    # Why JUPYTER_CONFIG_PATH: jupyter_config/singleuser/labconfig/ becomes a LabConfig
    # directory of every learner's server, read in place from the repo:
    #   page_config.json                turns the announcements plugin off;
    #   default_setting_overrides.json  makes Vietnamese (vi_VN, from the pinned
    #       jupyterlab-language-pack-vi-VN) the default JupyterLab language.
    # jupyterlab_server merges that file into the settings schemas' defaults
    # (settings_utils._get_overrides), so it is only a *default*: a learner who picks
    # English in Settings → Language saves a user setting, and user settings win.
    # Not overrides.json in {sys.prefix}/share/jupyter/lab/settings/: that is the
    # venv's install tree (pip and `jupyter labextension` own it). Not a moved
    # LabApp.app_settings_dir: it would hide that folder's page_config.json and
    # overrides.d/ files that extensions install there.
    c.Spawner.environment = {
        "PYTHONNOUSERSITE": "1",
        "JUPYTER_CONFIG_PATH": str(HERE / "singleuser"),
    }

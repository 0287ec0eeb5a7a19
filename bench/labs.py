"""Benchmark: "Mở bài thực hành" → JupyterLab ready, on a real JupyterHub.

    .venv/bin/python bench/labs.py [--learners 20] [--cold-runs 5] [--read-seconds 10]

Builds a throw-away academy (fresh DATA_DIR, SQLite, migrations), serves it with
gunicorn on loopback, starts JupyterHub + configurable-http-proxy from
jupyter_config/ against it, and drives learners with `requests` sessions signed in
to the academy. A "click" is timed from the POST of the lab block's form until
(a) the redirect chain (academy → hub → OAuth at the academy → hub → user server)
ends on the JupyterLab page and (b) the first contents-API call JupyterLab makes
for the notebook answers 200. Browser rendering of JupyterLab is not included.

Scenarios:
- cold: the learner's server is stopped and they have no hub cookie (naive flow);
- speculative: the lesson page's warm-up call, `--read-seconds` of reading, click;
- speculative, immediate click: warm-up and click in the same second;
- 20 at once: every learner clicks at the same moment (cold, then speculative);
- hub API: p95 of the academy's status call with all servers running.

Prints a markdown table; ratios are against the cold p50.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-mat-khau-2026"  # noqa: S105 - throw-away accounts
SLUG = "l1-officer-names"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def academy_prepare(data_dir: Path, learners: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "bench.labs_settings",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import django

    django.setup()
    from labs.models import Lab
    from lms.accounts.models import User

    Lab.objects.get_or_create(slug=SLUG, defaults={"title": "Bài thực hành 1"})
    from django.conf import settings

    for number in range(1, learners + 1):
        user, _created = User.objects.get_or_create(
            username=f"hv{number:02d}",
            defaults={"consent_version": settings.PERSONAL_DATA_CONSENT_VERSION},
        )
        user.set_password(PASSWORD)
        user.save()
    return env


def gunicorn_start(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lms.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "24",
            "--timeout",
            "180",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )

    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def signed_in(academy: str, username: str):
    from tests.hub.conftest import AcademyBrowser

    browser = AcademyBrowser(academy)
    browser.login(username, PASSWORD)
    return browser


def click(browser, hub_url: str, username: str, *, warm_first: float | None):
    """Optionally warm up and wait (the lesson page), then time the click."""
    if warm_first is not None:
        browser.post_form(f"/bai-thuc-hanh/{SLUG}/khoi-dong/")
        time.sleep(warm_first)
    start = time.perf_counter()
    response = browser.post_form(f"/bai-thuc-hanh/{SLUG}/mo/")
    prefix = f"{hub_url}/user/{username}/lab/tree/labs/{SLUG}/starter.ipynb"
    if response.status_code != 200 or not response.url.startswith(prefix):
        raise RuntimeError(
            f"{username}: ended on {response.url} ({response.status_code})"
        )
    contents = browser.get(
        f"{hub_url}/user/{username}/api/contents/labs/{SLUG}/starter.ipynb",
        params={"content": "0"},
        timeout=60,
    )
    contents.raise_for_status()
    return time.perf_counter() - start


def click_cold(
    academy: str, hub_url: str, username: str, *, warm_first=None
) -> float | None:
    """A new browser (no hub cookie yet), signed in to the academy, then the click;
    None (counted as failed in the table) when the click fails."""
    browser = signed_in(academy, username)
    try:
        return click(browser, hub_url, username, warm_first=warm_first)
    except (RuntimeError, requests.RequestException) as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return None
    finally:
        browser.close()


def servers_stop(hub, usernames: list[str]) -> None:
    for name in usernames:
        hub.api("DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [
            name
            for name in usernames
            if (hub.api("GET", f"/users/{name}").json().get("servers") or {})
        ]
        if not busy:
            return
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--read-seconds", type=float, default=10.0)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-labs-"))
    env = academy_prepare(data_dir, args.learners)
    from tests.hub.conftest import free_port, hub_start, hub_stop, oauth_client_create

    port = free_port()
    academy = f"http://127.0.0.1:{port}"
    hub = hub_start(data_dir / "jupyterhub", academy)
    oauth_client_create(hub_url=hub.url, secret=hub.client_secret)
    env.update(JUPYTERHUB_URL=hub.url, JUPYTERHUB_API_TOKEN=hub.token)
    from django.conf import settings

    settings.JUPYTERHUB_URL, settings.JUPYTERHUB_API_TOKEN = hub.url, hub.token
    web = gunicorn_start(env, port)
    usernames = [f"hv{number:02d}" for number in range(1, args.learners + 1)]
    rows: list[tuple[str, list[float | None]]] = []
    try:
        one = usernames[0]
        cold = []
        for _ in range(args.cold_runs):
            servers_stop(hub, [one])
            cold.append(click_cold(academy, hub.url, one))
        rows.append(("1 learner, cold (naive)", cold))

        warm = []
        for _ in range(args.cold_runs):
            servers_stop(hub, [one])
            warm.append(click_cold(academy, hub.url, one, warm_first=args.read_seconds))
        rows.append(
            (
                f"1 learner, speculative start, click after {args.read_seconds:.0f} s",
                warm,
            )
        )

        immediate = []
        for _ in range(args.cold_runs):
            servers_stop(hub, [one])
            immediate.append(click_cold(academy, hub.url, one, warm_first=0.0))
        rows.append(("1 learner, speculative start, immediate click", immediate))

        def burst(warm_first: float | None) -> list[float | None]:
            """The class is signed in; everyone opens the lesson/clicks together."""
            servers_stop(hub, usernames)
            with ThreadPoolExecutor(8) as pool:
                browsers = list(
                    pool.map(lambda name: signed_in(academy, name), usernames)
                )
            barrier = threading.Barrier(len(usernames))

            def one_learner(pair) -> float | None:
                name, browser = pair
                barrier.wait()
                try:
                    return click(browser, hub.url, name, warm_first=warm_first)
                except (RuntimeError, requests.RequestException) as exc:
                    print(f"failed: {exc}", file=sys.stderr)
                    return None
                finally:
                    browser.close()

            with ThreadPoolExecutor(len(usernames)) as pool:
                return list(
                    pool.map(one_learner, zip(usernames, browsers, strict=True))
                )

        rows.append((f"{args.learners} learners at once, cold", burst(None)))
        for seconds in sorted({args.read_seconds, 30.0}):
            rows.append(
                (
                    f"{args.learners} learners at once, speculative, click after "
                    f"{seconds:.0f} s",
                    burst(seconds),
                )
            )

        # All servers are running now: the academy's hub API calls under load.
        from labs import hub as hub_client

        api_times = []
        for _round in range(10):
            for name in usernames:
                start = time.perf_counter()
                hub_client.server_state(name)
                api_times.append(time.perf_counter() - start)
        running = sum(hub_client.server_state(name).ready for name in usernames)
    finally:
        for process in (web,):
            process.terminate()
            process.wait(timeout=30)
        hub_stop(hub)

    base = statistics.median(value for value in rows[0][1] if value is not None)
    print(f"\n## Lab launch on this machine ({os.cpu_count()} cores)\n")
    print("| scenario | n | failed | p50 (s) | p95 (s) | max (s) | p50 vs cold |")
    print("|---|---|---|---|---|---|---|")
    for name, results in rows:
        values = [value for value in results if value is not None]
        failed = len(results) - len(values)
        if not values:
            print(f"| {name} | {len(results)} | {failed} | – | – | – | – |")
            continue
        p50 = statistics.median(values)
        print(
            f"| {name} | {len(results)} | {failed} | {p50:.2f} "
            f"| {percentile(values, 0.95):.2f} | {max(values):.2f} | {p50 / base:.2f}× |"
        )
    print(
        f"\nHub API (`GET /hub/api/users/<name>` with the academy token), {running} "
        f"servers running, {len(api_times)} calls: p50 "
        f"{statistics.median(api_times) * 1000:.1f} ms, p95 "
        f"{percentile(api_times, 0.95) * 1000:.1f} ms."
    )


if __name__ == "__main__":
    main()

"""Locust users for bench/load.py, which writes the JSON named by LOAD_CONFIG
(sessions, URLs, quiz answers, certificate codes) and runs this file headless.

Request names start with their class (`learner:`, `quiz:`, `lab:`, `dost:`,
`verify:`); the report groups by that prefix. Every request refuses redirects
unless it expects one, so a lost session (a redirect to the login page) or a
refused form shows up as an error instead of a 200 from the page it lands on.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, constant_pacing, constant_throughput, task

CONFIG = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text(encoding="utf-8"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUESTION = re.compile(r'name="q(\d+)"')
ERROR_TEXT = re.compile(
    r'class="[^"]*(?:errorlist|messages?-error|error)[^"]*"[^>]*>(.{0,200})', re.S
)
_accounts = {role: itertools.count() for role in ("learner", "lab", "dost")}


def _csrf(text: str) -> str:
    match = CSRF.search(text)
    return match.group(1) if match else ""


def _why(response) -> str:  # noqa: ANN001
    match = ERROR_TEXT.search(response.text or "")
    detail = match.group(1) if match else ""
    detail = re.sub(r"<[^>]*(>|$)|\s+", " ", detail).strip()
    where = response.headers.get("Location", "")
    return f"HTTP {response.status_code} {where} {detail}".strip()


class Account(HttpUser):
    """A virtual user signed in with one of the bench accounts' sessions."""

    abstract = True
    role = ""

    def on_start(self) -> None:
        keys = CONFIG["sessions"][self.role]
        self.session_key = keys[next(_accounts[self.role]) % len(keys)]
        self.client.cookies.set("sessionid", self.session_key)

    def page(self, url: str, name: str) -> str:
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(_why(response))
                return ""
            return response.text

    def post(self, url: str, data: dict, name: str, expect: str, **kw) -> str | None:
        """POST a form; success is a redirect whose target matches `expect`."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True, **kw
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not re.search(expect, location):
                response.failure(_why(response))
                return None
            return location


class Learner(Account):
    role = "learner"
    fixed_count = CONFIG["learners"]
    wait_time = between(*CONFIG["think"])

    @task(3)
    def catalogue(self) -> None:
        if random.random() < 0.3:
            self.page("/khoa-hoc/?q=du+lieu", "learner: catalogue search")
        else:
            self.page("/khoa-hoc/", "learner: catalogue")

    @task(3)
    def course(self) -> None:
        self.page(random.choice(CONFIG["courses"])["url"], "learner: course page")

    @task(5)
    def lesson(self) -> None:
        lesson = random.choice(CONFIG["lessons"])
        html = self.page(lesson["url"], "learner: lesson")
        if html and random.random() < 0.2 and "/hoan-thanh/" in html:
            self.post(
                f"/bai-hoc/{lesson['id']}/hoan-thanh/",
                {"csrfmiddlewaretoken": _csrf(html)},
                "learner: mark lesson done (POST)",
                r"^/",
            )

    @task(1)
    def my_learning(self) -> None:
        self.page("/hoc-tap-cua-toi/", "learner: my learning")

    @task(2)
    def quiz(self) -> None:
        course = random.choice(CONFIG["quiz_courses"])
        start = f"/khoa-hoc/{course}/kiem-tra/"
        html = self.page(start, "quiz: start page")
        if not html:
            return
        attempt = self.post(
            start,
            {"csrfmiddlewaretoken": _csrf(html)},
            "quiz: start (POST)",
            r"/kiem-tra/\d+/$",
        )
        if attempt is None:
            return
        html = self.page(attempt, "quiz: questions")
        if not html:
            return
        data: dict[str, object] = {"csrfmiddlewaretoken": _csrf(html)}
        for qid in dict.fromkeys(QUESTION.findall(html)):
            if random.random() < 0.8:
                data[f"q{qid}"] = CONFIG["answers"][qid]
        result = self.post(
            attempt, data, "quiz: submit answers (POST)", r"/kiem-tra/\d+/ket-qua/$"
        )
        if result:
            self.page(result, "quiz: result")


class LabSubmitter(Account):
    """Uploads the correct notebook, then follows it like submission.js does."""

    role = "lab"
    fixed_count = CONFIG["lab_users"]
    wait_time = constant_pacing(CONFIG["lab_pacing"])

    def on_start(self) -> None:
        super().on_start()
        self.notebook = Path(CONFIG["notebook"]).read_bytes()
        # Spread the first uploads over one pacing period instead of a burst.
        gevent.sleep(random.uniform(0, CONFIG["lab_pacing"]))

    @task
    def submit(self) -> None:
        html = self.page(CONFIG["lab_url"], "lab: lab page")
        if not html:
            return
        location = self.post(
            CONFIG["lab_url"],
            {"csrfmiddlewaretoken": _csrf(html)},
            "lab: upload notebook (POST)",
            r"/bai-nop/\d+/$",
            files={"notebook": ("bai.ipynb", self.notebook, "application/json")},
        )
        if location:
            pk = re.search(r"/bai-nop/(\d+)/$", location).group(1)
            gevent.spawn(self.follow, pk, time.monotonic())

    def follow(self, pk: str, started: float) -> None:
        deadline = started + CONFIG["grade_timeout"]
        data: dict = {}
        while time.monotonic() < deadline:
            gevent.sleep(1)
            with self.client.get(
                f"/bai-nop/{pk}/trang-thai/",
                name="lab: status poll",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(_why(response))
                    continue
                data = response.json()
            if data.get("finished"):
                break
        elapsed = (time.monotonic() - started) * 1000
        error = None
        if not data.get("finished"):
            error = RuntimeError(f"not graded within {CONFIG['grade_timeout']:.0f} s")
        elif data.get("status") != "graded":
            error = RuntimeError(f"ended {data.get('status')}")
        elif data.get("score") != data.get("max_score"):
            error = RuntimeError(f"score {data.get('score')}/{data.get('max_score')}")
        self.environment.events.request.fire(
            request_type="LAB",
            name="lab: submit→graded",
            response_time=elapsed,
            response_length=0,
            exception=error,
            context={},
        )


class DostAdmin(Account):
    role = "dost"
    fixed_count = CONFIG["dost"]
    wait_time = between(*CONFIG["think"])

    @task(3)
    def province(self) -> None:
        self.page("/tong-quan/", "dost: province dashboard")

    @task(3)
    def agency(self) -> None:
        agency = random.choice(CONFIG["agencies"])
        self.page(f"/tong-quan/don-vi/{agency}/", "dost: agency drill-down")

    @task(1)
    def officer(self) -> None:
        agency, user = random.choice(CONFIG["officers"])
        self.page(f"/tong-quan/don-vi/{agency}/can-bo/{user}/", "dost: officer page")

    @task(1)
    def export(self) -> None:
        self.page("/tong-quan/xuat/don-vi.csv", "dost: agency table CSV")


class Verifier(HttpUser):
    """Anyone scanning a certificate's QR code: anonymous, a steady rate."""

    fixed_count = CONFIG["verify_users"]
    wait_time = constant_throughput(
        CONFIG["verify_rate"] / max(1, CONFIG["verify_users"])
    )

    @task
    def verify(self) -> None:
        code = random.choice(CONFIG["certificates"])
        with self.client.get(
            f"/verify/{code}/",
            name="verify: certificate",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or code not in response.text:
                response.failure(_why(response))

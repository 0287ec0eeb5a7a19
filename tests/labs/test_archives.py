"""What learners receive: a starter that opens without a "Select Kernel" prompt."""

from __future__ import annotations

import json

from labs.archives import starter_with_kernel


def test_a_starter_without_a_kernelspec_gets_python3():
    bare = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})

    notebook = json.loads(starter_with_kernel(bare.encode()))

    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_a_starter_that_names_its_kernel_is_passed_through_byte_for_byte():
    named = json.dumps(
        {"cells": [], "metadata": {"kernelspec": {"name": "ir"}}, "nbformat": 4}
    ).encode()

    assert starter_with_kernel(named) == named


def test_a_file_that_is_not_json_is_passed_through():
    assert starter_with_kernel(b"\x00not json") == b"\x00not json"

"""Results codec and the hidden-check runner.

Two halves of one contract:

- ``export_source()`` is the cell appended after the learner's cells. It runs inside
  the learner's kernel and writes each declared result as plain JSON data: never
  pickle, never an object. Only exact ``pandas.DataFrame``/``Series`` and plain
  scalars are accepted, so an object whose ``__eq__`` returns True is refused there.
- ``child_main()`` runs in a separate process, outside the kernel and under another uid:
  it rebuilds pandas objects from that JSON and calls ``checks.py``. The learner's
  code can change what data gets written (e.g. patch pandas), but a check only ever
  sees data, so faking a pass means producing the right answer.

``python -m labs.checkrunner job.json`` is the fresh-process entry point; the fork
server calls ``child_main`` directly in a forked child.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import json
import os
import signal
import sys
import textwrap
import traceback
from typing import Any

from labs import sandbox

RESULTS_FORMAT = 1


# --------------------------------------------------------------------------- export


def _da_export(kinds, path, ns):  # one self-contained function: shipped as a cell
    """Runs in the learner's kernel: write the declared results to ``path`` as JSON."""
    import json

    try:
        import numpy as np
        import pandas as pd
    except ImportError:
        np = pd = None

    plain = (str, int, float, bool, type(None))

    class Reject(Exception):
        pass

    def scalar(v):
        if (
            np is not None
            and isinstance(v, np.generic)
            and type(v).__module__ == "numpy"
        ):
            v = v.item()
        if type(v) not in plain:
            raise Reject(type(v).__name__)
        return v

    def element(v):
        if v is None or (pd is not None and (v is pd.NA or v is pd.NaT)):
            return None
        return scalar(v)

    def array(s):
        dtype = s.dtype
        name = str(dtype)
        kind = getattr(dtype, "kind", "O")
        if isinstance(dtype, pd.CategoricalDtype):
            cats = array(pd.Series(dtype.categories))
            codes = [int(c) for c in s.cat.codes.tolist()]
            return {
                "dtype": "category",
                "ordered": bool(dtype.ordered),
                "categories": cats,
                "codes": codes,
            }
        if kind == "M":
            return {
                "dtype": name,
                "values": [None if x is pd.NaT else x.isoformat() for x in s.tolist()],
            }
        if kind == "m":
            return {
                "dtype": name,
                "values": [None if x is pd.NaT else int(x.value) for x in s.tolist()],
            }
        if kind in "biufO" or name in ("str", "string") or name.startswith("string"):
            return {"dtype": name, "values": [element(x) for x in s.tolist()]}
        raise Reject("dtype " + name)

    def index(idx):
        if type(idx) is pd.RangeIndex:
            return {"range": [idx.start, idx.stop, idx.step], "name": scalar(idx.name)}
        if type(idx) is pd.MultiIndex:
            levels = [
                array(pd.Series(idx.get_level_values(i))) for i in range(idx.nlevels)
            ]
            return {"levels": levels, "names": [scalar(n) for n in idx.names]}
        return {"array": array(pd.Series(idx)), "name": scalar(idx.name)}

    def frame(v):
        if pd is None or type(v) is not pd.DataFrame:
            raise Reject(type(v).__name__)
        data = [array(v.iloc[:, i]) for i in range(v.shape[1])]
        return {"index": index(v.index), "columns": index(v.columns), "data": data}

    def series(v):
        if pd is None or type(v) is not pd.Series:
            raise Reject(type(v).__name__)
        return {"index": index(v.index), "name": scalar(v.name), "data": array(v)}

    def jsonish(v, depth=0):
        if depth > 64:
            raise Reject("quá sâu")
        if type(v) is dict:
            if any(type(k) is not str for k in v):
                raise Reject("dict có khóa không phải chuỗi")
            return {k: jsonish(x, depth + 1) for k, x in v.items()}
        if type(v) in (list, tuple):
            return [jsonish(x, depth + 1) for x in v]
        return scalar(v)

    encoders = {
        "dataframe": frame,
        "series": series,
        "scalar": lambda v: scalar(v),
        "json": jsonish,
    }
    out = {}
    for name, kind in kinds.items():
        if name not in ns:
            out[name] = {"error": "missing"}
            continue
        try:
            out[name] = {"value": encoders[kind](ns[name])}
        except Reject as exc:
            out[name] = {"error": "type", "found": str(exc)[:100]}
        except Exception as exc:  # noqa: BLE001 - any failure is just "not exported"
            out[name] = {"error": "export", "found": type(exc).__name__[:100]}
    with open(path, "x", encoding="utf-8") as handle:
        json.dump({"format": 1, "results": out}, handle)


def export_source(kinds: dict[str, str], path: str) -> str:
    """The exporter cell: defines, calls and deletes one function."""
    call = f"_da_export({kinds!r}, {path!r}, globals())\ndel _da_export\n"
    return f"{_export_body()}\n{call}"


def export_call(kinds: dict[str, str], path: str) -> str:
    """A one-line exporter cell for kernels forked from the zygote, which already
    holds this module (pristine: no learner code ever ran there). IPython spends
    ~10 ms transforming and compiling the full source cell; this takes ~1 ms.
    Tampering with it is no worse than tampering with json or pandas: whatever it
    writes is still only data for the checks."""
    return (
        "import sys as _da_sys\n"
        f"_da_sys.modules['labs.checkrunner']._da_export({kinds!r}, {path!r}, globals())\n"
        "del _da_sys\n"
    )


@functools.cache
def _export_body() -> str:
    # inspect.getsource tokenizes this file: ~15 ms, once per process is enough.
    return textwrap.dedent(inspect.getsource(_da_export))


# --------------------------------------------------------------------------- decode


class ResultUnavailable(KeyError):
    """A check asked for a result the notebook did not produce (or not as data)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Results(dict):
    """``r`` as seen by checks: only usable results, and a record of what was read.

    Recording reads lets the grader explain a failed check by its root cause (a
    missing variable after a timeout, say) instead of a confusing type error.
    """

    def __init__(self, values: dict[str, Any], unavailable: set[str]) -> None:
        super().__init__(values)
        self.unavailable = unavailable
        self.touched: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.touched.add(name)
        if name in self.unavailable:
            raise ResultUnavailable(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.touched.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.touched.add(name)
        return super().__contains__(name)


def decode_results(
    raw: bytes | None, kinds: dict[str, str]
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """(values, problems): problems[name] = {"status": ..., "found": ...}.

    status: "missing" (no such variable), "invalid" (not the declared kind),
    "corrupt" (the exported data does not decode), "unexported" (no results file).
    """
    entries = _entries(raw)
    values: dict[str, Any] = {}
    problems: dict[str, dict[str, str]] = {}
    for name, kind in kinds.items():
        entry = entries.get(name) if entries is not None else None
        try:
            values[name] = _decode_entry(entry, kind)
        except _Problem as problem:
            problems[name] = problem.info
    return values, problems


class _Problem(Exception):
    def __init__(self, status: str, found: str = "") -> None:
        super().__init__(status)
        self.info = {"status": status, "found": found}


def _entries(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or document.get("format") != RESULTS_FORMAT:
        return None
    entries = document.get("results")
    return entries if isinstance(entries, dict) else None


def _decode_entry(entry: Any, kind: str) -> Any:
    if not isinstance(entry, dict):
        raise _Problem("unexported")
    if entry.get("error") == "missing":
        raise _Problem("missing")
    if "value" not in entry:
        raise _Problem("invalid", str(entry.get("found", ""))[:100])
    try:
        return _DECODERS[kind](entry["value"])
    except Exception as exc:  # noqa: BLE001 - crafted data must fail the result, not us
        raise _Problem("corrupt", type(exc).__name__) from exc


def _scalar(value: Any) -> Any:
    if isinstance(value, dict | list):
        raise TypeError("not a scalar")
    return value


def _json(value: Any) -> Any:
    return value


def _array(obj: dict[str, Any]) -> Any:
    import pandas as pd

    dtype_name = obj["dtype"]
    if dtype_name == "category":
        categories = pd.Index(_array(obj["categories"]))
        codes = _list(obj["codes"])
        categorical = pd.Categorical.from_codes(
            codes, categories=categories, ordered=bool(obj["ordered"])
        )
        return pd.Series(categorical)
    values = _list(obj["values"])
    dtype = pd.api.types.pandas_dtype(dtype_name)
    kind = getattr(dtype, "kind", "O")
    if kind == "M":
        return _datetimes(values, dtype)
    if kind == "m":
        return pd.Series(pd.to_timedelta(values, unit="ns")).astype(dtype)
    if kind == "O" and any(isinstance(v, dict | list) for v in values):
        raise TypeError("nested value in a column")
    return pd.Series(values, dtype=dtype)


def _datetimes(values: list[Any], dtype: Any) -> Any:
    import pandas as pd

    tz = getattr(dtype, "tz", None)
    if tz is None:
        return pd.Series(pd.to_datetime(values, format="ISO8601")).astype(dtype)
    parsed = pd.Series(pd.to_datetime(values, format="ISO8601", utc=True))
    return parsed.dt.tz_convert(tz).astype(dtype)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _index(obj: dict[str, Any]) -> Any:
    import pandas as pd

    if "range" in obj:
        start, stop, step = (int(v) for v in obj["range"])
        return pd.RangeIndex(start, stop, step, name=_scalar(obj.get("name")))
    if "levels" in obj:
        arrays = [pd.Index(_array(level)) for level in _list(obj["levels"])]
        return pd.MultiIndex.from_arrays(arrays, names=_list(obj["names"]))
    return pd.Index(_array(obj["array"]), name=_scalar(obj.get("name")))


def _frame(obj: dict[str, Any]) -> Any:
    import pandas as pd

    index = _index(obj["index"])
    columns = _index(obj["columns"])
    data = [_array(column) for column in _list(obj["data"])]
    if len(data) != len(columns) or any(len(col) != len(index) for col in data):
        raise ValueError("shape mismatch")
    frame = pd.concat(data, axis=1) if data else pd.DataFrame(index=range(len(index)))
    frame.index = index
    frame.columns = columns
    return frame


def _series(obj: dict[str, Any]) -> Any:
    series = _array(obj["data"])
    index = _index(obj["index"])
    if len(series) != len(index):
        raise ValueError("shape mismatch")
    series.index = index
    series.name = _scalar(obj.get("name"))
    return series


_DECODERS = {"dataframe": _frame, "series": _series, "scalar": _scalar, "json": _json}


# --------------------------------------------------------------------------- run


class CheckTimeout(BaseException):  # BaseException: a check cannot swallow it
    pass


def child_main(job: dict[str, Any], *, forked: bool) -> int:
    """Read the hidden inputs as root, enter the sandbox, run the checks. Returns 0.

    checks.py and the results are read *before* entering: inside, only the OS,
    Python and the job's own folder exist, and we run as an unprivileged uid.
    """
    with open(job["checks_path"], encoding="utf-8") as handle:
        source = handle.read()
    raw = sandbox.read_regular_file(job["results_path"], job["max_results_bytes"])
    out_fd = os.open(job["output_path"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    _import_check_modules()
    spec = sandbox.SandboxSpec.from_dict(job["sandbox"])
    sandbox.enter(spec, status_fd=None, parent_death=forked)
    os.environ.clear()
    os.environ.update(spec.env)
    try:
        outcome = run_checks(source, raw, job)
    except Exception as exc:  # noqa: BLE001 - reported to the grader as "error"
        outcome = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
    with os.fdopen(out_fd, "w", encoding="utf-8") as handle:
        json.dump(outcome, handle, default=str)
    return 0


def _import_check_modules() -> None:
    # Inside the sandbox the repository does not exist, so labs.checklib (which
    # checks.py imports) must already be loaded; pandas too, to save the time.
    import labs.checklib  # noqa: F401

    for name in ("numpy", "pandas"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def run_checks(source: str, raw: bytes | None, job: dict[str, Any]) -> dict[str, Any]:
    """Decode the results, load checks.py and run each check in manifest order."""
    values, problems = decode_results(raw, job["kinds"])
    namespace = _load_checks(source, job["checks_path"])
    results = [
        _run_one(namespace, name, values, set(problems), job["check_timeout"])
        for name in job["names"]
    ]
    return {"results": problems, "checks": results}


def _load_checks(source: str, path: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "bundle_checks", "__file__": path}
    code = compile(source, "checks.py", "exec")
    exec(code, namespace)  # noqa: S102 - the bundle's own trusted checks
    return namespace


def _run_one(
    namespace: dict[str, Any],
    name: str,
    values: dict[str, Any],
    unavailable: set[str],
    timeout: float,
) -> dict[str, Any]:
    from labs.checklib import CheckFailed, describe

    results = Results(values, unavailable)
    outcome: dict[str, Any] = {"name": name, "passed": False}
    try:
        with _Alarm(timeout):
            namespace[f"check_{name}"](results)
        outcome["passed"] = True
    except CheckFailed as failed:
        outcome.update(
            message=str(failed.message),
            expected=describe(failed.expected),
            found=describe(failed.found),
            hint=failed.hint,
        )
    except CheckTimeout:
        outcome["error"] = "timeout"
    except Exception as exc:  # noqa: BLE001 - a broken check is a failed check
        outcome["error"] = type(exc).__name__
        outcome["detail"] = "".join(traceback.format_exception_only(exc))[-500:]
    outcome["unavailable"] = sorted(results.touched & unavailable) or None
    if outcome["passed"]:
        outcome["unavailable"] = None
    return outcome


class _Alarm:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    @staticmethod
    def _fire(signum: int, frame: object) -> None:
        raise CheckTimeout


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as handle:
        job = json.load(handle)
    return child_main(job, forked=False)


if __name__ == "__main__":
    raise SystemExit(main())

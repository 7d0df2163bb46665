"""Run many jwt_tool.py commands in one Python process (interop tests, for speed).

    python jwt_batch.py < jobs.json

stdin is a JSON array of jobs ``{"env": {NAME: VALUE, ...}, "args": [...]}``; each job runs
``jwt_tool.main(args)`` with exactly ``env`` as its settings (every inherited ``JWT_*`` and
``SECRET_KEY`` variable is removed first; no ``.env`` file is read unless the working
directory holds one). stdout is one JSON array, in job order, of
``{"status": <exit status>, "stdout": "<what jwt_tool printed, stripped>", "error": null}``
(an exception jwt_tool does not catch gives status 1 and ``"error": "<Class>: <message>"``,
where the script alone would crash with a traceback). An argument
``{"job": N}`` stands for the stdout of the earlier job N (e.g. decode the token job N made).

jwt_tool.py itself is unchanged: a job gives exactly what ``python jwt_tool.py <args>``
would print with that environment.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

sys.dont_write_bytecode = True  # keep tests/python free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jwt_tool  # noqa: E402


def _is_setting(name: str) -> bool:
    return name.startswith("JWT_") or name == "SECRET_KEY"


def run_job(job: dict, results: list) -> dict:
    for name in [n for n in os.environ if _is_setting(n)]:
        del os.environ[name]
    os.environ.update({str(k): str(v) for k, v in job.get("env", {}).items()})
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            args = [
                results[a["job"]]["stdout"] if isinstance(a, dict) else str(a)
                for a in job["args"]
            ]
            status = jwt_tool.main(args)
        except SystemExit as exc:  # argparse errors, jwt_tool's own SystemExit messages
            status = exc.code if isinstance(exc.code, int) else 2
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - an uncaught library error, as a crash would be
            status = 1
            error = f"{type(exc).__name__}: {exc}"
    return {"status": status, "stdout": out.getvalue().strip(), "error": error}


def main() -> int:
    jobs = json.load(sys.stdin)
    results: list = []
    for job in jobs:
        results.append(run_job(job, results))
    print(json.dumps(results, separators=(",", ":"), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A line-based bridge from the Rust browser test (tests/tests/browser.rs) to a real headless
Chromium, driven with Selenium through Debian's chromedriver.

    python driver.py --chromium /usr/bin/chromium --chromedriver /usr/bin/chromedriver \
        --user-data-dir DIR [--deadline SECONDS] [--driver-log FILE]

Protocol, one JSON object per line:

- stdout, first line: {"ready": true, "browser": "<version>", "driver": "<version>"}, or
  {"ready": false, "error": "..."} when the browser could not be started (exit status 2);
- stdin: requests {"id": N, "cmd": "...", ...}; stdout: one answer per request,
  {"id": N, "ok": true, "value": ...} or {"id": N, "ok": false, "error": "..."}.

Commands:
  get        {"url"}              navigate (waits for the load event); value: the current URL
  click      {"css"}              click the first element matching the CSS selector
  execute    {"script", "args"}   run a synchronous script (`return ...`); value: its result
  cookies    {}                   every cookie the browser holds for the current page,
                                  HttpOnly ones included (WebDriver "Get All Cookies")
  screenshot {"path"}             save a PNG of the viewport
  quit       {}                   close the browser and exit

The browser is quit when stdin closes, after `quit`, on any fatal error, and when the deadline
passes (then the whole process group is killed: the Rust side starts this script as a process
group leader so that chromedriver and Chromium go with it).

Selenium Manager (which downloads drivers and browsers) is never used: the driver and browser
paths are given explicitly, and SE_MANAGER_PATH points at a file that does not exist so that
any attempt to use it fails at once instead of reaching the network.
"""

import argparse
import json
import os
import signal
import sys
import threading
import traceback

# Before importing selenium: never run Selenium Manager, never send usage statistics.
os.environ["SE_MANAGER_PATH"] = "/nonexistent/selenium-manager-is-disabled-for-these-tests"
os.environ["SE_OFFLINE"] = "true"
os.environ["SE_AVOID_STATS"] = "true"

# The protocol owns the real stdout; anything else that writes to fd 1 (this process, libraries,
# chromedriver, Chromium) goes to stderr instead.
_proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr
_proto_lock = threading.Lock()


def emit(obj):
    line = json.dumps(obj, default=str)
    with _proto_lock:
        _proto.write(line + "\n")
        _proto.flush()


def chromium_flags(user_data_dir):
    # --disable-background-networking and friends: without them Chromium tries to reach
    # Google's services, and this machine's closed network refuses those connections.
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--password-store=basic",
        "--window-size=1000,900",
        f"--user-data-dir={user_data_dir}",
    ]


def start(args):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in chromium_flags(args.user_data_dir):
        options.add_argument(flag)
    service_kwargs = {"executable_path": args.chromedriver}
    if args.driver_log:
        service_kwargs["log_output"] = args.driver_log
    service = Service(**service_kwargs)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(args.command_timeout)
    driver.set_script_timeout(args.command_timeout)
    driver.implicitly_wait(0)
    return driver


def run(driver, req):
    from selenium.webdriver.common.by import By

    cmd = req.get("cmd")
    if cmd == "get":
        driver.get(req["url"])
        return driver.current_url
    if cmd == "click":
        driver.find_element(By.CSS_SELECTOR, req["css"]).click()
        return None
    if cmd == "execute":
        return driver.execute_script(req["script"], *req.get("args", []))
    if cmd == "cookies":
        return driver.get_cookies()
    if cmd == "screenshot":
        return driver.save_screenshot(req["path"])
    raise ValueError(f"unknown command {cmd!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--chromedriver", required=True)
    ap.add_argument("--user-data-dir", required=True)
    ap.add_argument("--deadline", type=float, default=120.0,
                    help="seconds after which everything is killed")
    ap.add_argument("--command-timeout", type=float, default=20.0,
                    help="page load and script timeout of the browser")
    ap.add_argument("--driver-log", help="chromedriver's log file")
    args = ap.parse_args()

    def on_deadline():
        emit({"fatal": f"driver.py: deadline of {args.deadline:.0f} s exceeded; killing the browser"})
        try:
            os.killpg(os.getpgid(0), signal.SIGKILL)
        finally:
            os._exit(3)

    watchdog = threading.Timer(args.deadline, on_deadline)
    watchdog.daemon = True
    watchdog.start()

    try:
        driver = start(args)
    except Exception as e:  # noqa: BLE001 - reported to the test
        traceback.print_exc()
        emit({"ready": False, "error": f"{type(e).__name__}: {e}"})
        return 2

    try:
        caps = driver.capabilities
        emit({
            "ready": True,
            "browser": caps.get("browserVersion"),
            "driver": (caps.get("chrome") or {}).get("chromedriverVersion", "").split(" ")[0],
        })
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                req = json.loads(line)
            except ValueError as e:
                emit({"id": None, "ok": False, "error": f"bad request line {line!r}: {e}"})
                continue
            if req.get("cmd") == "quit":
                emit({"id": req.get("id"), "ok": True, "value": None})
                break
            try:
                value = run(driver, req)
                emit({"id": req.get("id"), "ok": True, "value": value})
            except Exception as e:  # noqa: BLE001 - reported to the test
                msg = getattr(e, "msg", None) or str(e)
                emit({"id": req.get("id"), "ok": False, "error": f"{type(e).__name__}: {msg}".strip()})
    finally:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001
            traceback.print_exc()
        watchdog.cancel()
    return 0


if __name__ == "__main__":
    sys.exit(main())

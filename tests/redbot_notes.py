#!/usr/bin/env python3
"""Runs REDbot, the HTTP linter (PyPI `redbot`), on URLs for tests/http_lint.rs.

Usage: redbot_notes.py URL...

Each URL gets its own `python3 -m redbot.cli -o har URL` run (in parallel);
REDbot fetches it, makes its own conditional and range requests, and lists
notes with a level (good, info, warn, bad). Prints one line per note:

    URL <TAB> STATUS <TAB> LEVEL <TAB> NOTE_ID <TAB> SUMMARY

A URL REDbot could not check prints `URL <TAB> ERROR <TAB> reason` instead,
and the exit status is then 1.
"""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 60  # seconds for one REDbot run


def lint(url):
    try:
        run = subprocess.run(
            [sys.executable, "-m", "redbot.cli", "-o", "har", url],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return [f"{url}\tERROR\tno answer from REDbot in {TIMEOUT} s"]
    try:
        entries = json.loads(run.stdout)["log"]["entries"]
    except (ValueError, KeyError) as e:
        reason = f"unreadable output ({e}): {run.stdout[:200]!r} {run.stderr[-500:]!r}"
        return [f"{url}\tERROR\t{reason}"]
    if not entries:
        return [f"{url}\tERROR\tno response: {run.stderr[-500:]!r}"]
    lines = []
    for entry in entries:
        status = entry["response"]["status"]
        for note in entry["_red_messages"]:
            summary = " ".join(note["summary"].split())
            lines.append(f"{url}\t{status}\t{note['level']}\t{note['note_id']}\t{summary}")
    return lines


def main():
    urls = sys.argv[1:]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lint, urls))
    failed = False
    for lines in results:
        for line in lines:
            print(line)
            failed = failed or line.split("\t")[1] == "ERROR"
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

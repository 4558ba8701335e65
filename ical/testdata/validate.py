"""Validates .ics files with Python's icalendar (Debian's python3-icalendar).

For each file on the command line it prints one JSON line:
{"file", "ok", "error"?, "events": [{"uid", "start", "end"}]} with start and
end as Unix seconds (null for floating or all-day times). Exits 1 if any
file fails. Run with /usr/bin/python3, not a pyenv python.

With --read first, it reports what icalendar reads rather than whether the
file is a valid calendar: bare components with no VCALENDAR are taken as
its content, and each event also gets "summary" and "rdates" (how many
RDATE values it decoded; this icalendar does not expand recurrences).
"""
import datetime
import json
import re
import sys

import icalendar


def instant(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return int(value.timestamp())
    return None  # a date, or a floating time: no instant


def rdate_count(ev):
    values = ev.get("RDATE")
    if values is None:
        return 0
    if not isinstance(values, list):
        values = [values]
    return sum(len(v.dts) for v in values)


CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def check_controls(data):
    """Refuses control characters anywhere but in line ends: RFC 5545 3.1
    allows none in a value (HTAB aside), and NEL, U+2028 and U+2029 break
    lines in some readers."""
    for i, line in enumerate(re.split("\r?\n", data.decode("utf-8", "replace"))):
        m = CONTROLS.search(line)
        if m:
            raise ValueError("line %d: control character U+%04X" % (i + 1, ord(m.group())))


def check(path, read=False):
    with open(path, "rb") as f:
        data = f.read()
    if not read:
        check_controls(data)
    if read:
        tops = icalendar.Calendar.from_ical(data, multiple=True)
    else:
        tops = [icalendar.Calendar.from_ical(data)]
        if tops[0].name != "VCALENDAR":
            raise ValueError("top component is %s, not VCALENDAR" % tops[0].name)
    events = []
    for i, ev in enumerate(e for top in tops for e in top.walk("VEVENT")):
        what = "event %d (%s)" % (i + 1, ev.get("UID"))
        if "DTSTART" not in ev:
            raise ValueError(what + ": no DTSTART")
        start = ev.decoded("DTSTART")
        if not isinstance(start, (datetime.date, datetime.datetime)):
            raise ValueError(what + ": DTSTART unreadable")
        end = None
        if "DTEND" in ev:
            end = ev.decoded("DTEND")
            if not isinstance(end, (datetime.date, datetime.datetime)):
                raise ValueError(what + ": DTEND unreadable")
            if instant(start) is not None and instant(end) is not None and instant(end) < instant(start):
                raise ValueError(what + ": ends before it starts")
        got = {"uid": str(ev.get("UID")), "start": instant(start), "end": instant(end) if end is not None else None}
        if read:
            got["summary"] = str(ev.get("SUMMARY", ""))
            got["rdates"] = rdate_count(ev)
        events.append(got)
    return events


def main(paths):
    read = paths[:1] == ["--read"]
    if read:
        paths = paths[1:]
    if paths[:1] == ["--real-feed"]:
        paths = paths[1:]  # icalendar does not resolve zones: nothing to relax
    failed = 0
    for path in paths:
        result = {"file": path, "ok": True, "events": []}
        try:
            result["events"] = check(path, read)
        except Exception as err:  # any failure of the parser is a finding
            failed += 1
            result["ok"] = False
            result["error"] = "%s: %s" % (type(err).__name__, err)
        print(json.dumps(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Validates .ics files with Python's icalendar (Debian's python3-icalendar).

For each file on the command line it prints one JSON line:
{"file", "ok", "error"?, "events": [{"uid", "start", "end"}]} with start and
end as Unix seconds (null for floating or all-day times). Exits 1 if any
file fails. Run with /usr/bin/python3, not a pyenv python.
"""
import datetime
import json
import sys

import icalendar


def instant(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return int(value.timestamp())
    return None  # a date, or a floating time: no instant


def check(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    if cal.name != "VCALENDAR":
        raise ValueError("top component is %s, not VCALENDAR" % cal.name)
    events = []
    for i, ev in enumerate(cal.walk("VEVENT")):
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
        events.append({"uid": str(ev.get("UID")), "start": instant(start), "end": instant(end) if end is not None else None})
    return events


def main(paths):
    failed = 0
    for path in paths:
        result = {"file": path, "ok": True, "events": []}
        try:
            result["events"] = check(path)
        except Exception as err:  # any failure of the parser is a finding
            failed += 1
            result["ok"] = False
            result["error"] = "%s: %s" % (type(err).__name__, err)
        print(json.dumps(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

'use strict';
// Validates .ics files with ical.js (Mozilla's parser, used by Thunderbird
// and many web calendars). For each file given on the command line it
// prints one JSON line: {"file", "ok", "error"?, "events": [{"uid",
// "start", "end"}]} with start and end as Unix seconds (null for floating
// or all-day times, which have no instant). Exits 1 if any file fails.
//
// With --read first, it reports what ical.js reads rather than whether
// the file is a valid calendar: bare components with no VCALENDAR are
// taken as its content, and each event also gets "summary" and "rdates"
// (how many RDATE values it decoded; ical.js's own iterator leaves DTSTART
// out when there is no RRULE, against RFC 5545 §3.8.5.2).
const fs = require('fs');
const ICAL = require('ical.js');

let args = process.argv.slice(2);
const read = args[0] === '--read';
if (read) args = args.slice(1);
// --real-feed: the files copy real feeds, which may name a TZID they give
// no VTIMEZONE for; that is their quirk, not an error, for them only.
const realFeed = args[0] === '--real-feed';
if (realFeed) args = args.slice(1);

// components lists the top-level components ICAL.parse found: one, or
// (for bare components) several.
function components(jcal) {
  if (typeof jcal[0] === 'string') return [new ICAL.Component(jcal)];
  return jcal.map((c) => new ICAL.Component(c));
}

// checkControls refuses control characters anywhere but in line ends:
// RFC 5545 §3.1 allows none in a value (HTAB aside), and NEL, U+2028 and
// U+2029 break lines in some readers.
function checkControls(text) {
  text.split(/\r?\n/).forEach((line, i) => {
    const m = line.match(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/);
    if (m) {
      const code = m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
      throw new Error(`line ${i + 1}: control character U+${code}`);
    }
  });
}

let failed = 0;
for (const file of args) {
  const result = { file, ok: true, events: [] };
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!read) checkControls(text);
    const tops = components(ICAL.parse(text));
    if (!read && (tops.length !== 1 || tops[0].name !== 'vcalendar')) {
      throw new Error(`top component is ${tops.map((c) => c.name).join(', ')}, not one vcalendar`);
    }
    const all = (name) => tops.flatMap((c) => (c.name === name ? [c] : c.getAllSubcomponents(name)));
    for (const tz of all('vtimezone')) {
      ICAL.TimezoneService.register(tz);
    }
    all('vevent').forEach((v, i) => {
      const ev = new ICAL.Event(v);
      const what = `event ${i + 1} (${ev.uid})`;
      const start = ev.startDate;
      if (!start) throw new Error(`${what}: no DTSTART`);
      const tzid = v.getFirstProperty('dtstart').getParameter('tzid');
      if (tzid && !realFeed && (!start.zone || start.zone.tzid !== tzid)) {
        throw new Error(`${what}: DTSTART zone ${tzid} has no VTIMEZONE ical.js can use`);
      }
      const instant = (t) => (t.isDate || t.zone === ICAL.Timezone.localTimezone ? null : t.toUnixTime());
      const s = start.toJSDate().getTime();
      if (Number.isNaN(s)) throw new Error(`${what}: DTSTART unreadable`);
      let e = null;
      if (v.hasProperty('dtend') || v.hasProperty('duration')) {
        const end = ev.endDate;
        if (Number.isNaN(end.toJSDate().getTime())) throw new Error(`${what}: DTEND unreadable`);
        if (end.compare(start) < 0) throw new Error(`${what}: ends before it starts`);
        e = instant(end);
      }
      const got = { uid: ev.uid, start: instant(start), end: e };
      if (read) {
        got.summary = ev.summary;
        got.rdates = v.getAllProperties('rdate').reduce((n, p) => n + p.getValues().length, 0);
      }
      result.events.push(got);
    });
  } catch (err) {
    failed++;
    result.ok = false;
    result.error = String(err && err.message ? err.message : err);
  }
  console.log(JSON.stringify(result));
}
process.exit(failed ? 1 : 0);

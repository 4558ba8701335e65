'use strict';
// Validates .ics files with ical.js (Mozilla's parser, used by Thunderbird
// and many web calendars). For each file given on the command line it
// prints one JSON line: {"file", "ok", "error"?, "events": [{"uid",
// "start", "end"}]} with start and end as Unix seconds (null for floating
// or all-day times, which have no instant). Exits 1 if any file fails.
const fs = require('fs');
const ICAL = require('ical.js');

let failed = 0;
for (const file of process.argv.slice(2)) {
  const result = { file, ok: true, events: [] };
  try {
    const comp = new ICAL.Component(ICAL.parse(fs.readFileSync(file, 'utf8')));
    for (const tz of comp.getAllSubcomponents('vtimezone')) {
      ICAL.TimezoneService.register(tz);
    }
    comp.getAllSubcomponents('vevent').forEach((v, i) => {
      const ev = new ICAL.Event(v);
      const what = `event ${i + 1} (${ev.uid})`;
      const start = ev.startDate;
      if (!start) throw new Error(`${what}: no DTSTART`);
      const tzid = v.getFirstProperty('dtstart').getParameter('tzid');
      if (tzid && (!start.zone || start.zone.tzid !== tzid)) {
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
      result.events.push({ uid: ev.uid, start: instant(start), end: e });
    });
  } catch (err) {
    failed++;
    result.ok = false;
    result.error = String(err && err.message ? err.message : err);
  }
  console.log(JSON.stringify(result));
}
process.exit(failed ? 1 : 0);

/**
 * packaging/changelog, in Debian's format, is the one changelog: the .deb carries it as is
 * (gzipped), the .rpm gets it rewritten as a %changelog section.
 */

/** Entries, newest first: { version, items (text of each "  * " item), author, date }. */
export function parseChangelog(text) {
  const entries = [];
  for (const block of text.split(/\n(?=\S)/)) {
    const head = /^(\S+) \(([^)]+)\)/.exec(block);
    const trailer = /^ -- (.+?) {2}(.+)$/m.exec(block);
    if (!head || !trailer) continue;
    const items = block
      .split('\n')
      .filter((l) => /^ {2}[*] |^ {4}\S/.test(l))
      .reduce(
        (acc, l) => (l.startsWith('  * ') ? [...acc, l.slice(4)] : [...acc.slice(0, -1), `${acc.at(-1)} ${l.trim()}`]),
        [],
      );
    entries.push({ version: head[2], items, author: trailer[1], date: new Date(trailer[2]) });
  }
  if (entries.length === 0) throw new Error('packaging/changelog has no entry in Debian changelog format');
  return entries;
}

/** The same entries as an RPM %changelog ("* Mon Nov 30 2026 Name <mail> - 0.1.0-1"). */
export function rpmChangelog(entries, release) {
  return entries
    .map((e) => {
      // toUTCString: "Mon, 30 Nov 2026 00:00:00 GMT"; rpm wants "Mon Nov 30 2026".
      const [weekday, day, month, year] = e.date.toUTCString().replace(',', '').split(' ');
      return `* ${weekday} ${month} ${day} ${year} ${e.author} - ${e.version}-${release}\n${e.items.map((i) => `- ${i.replaceAll('%', '%%')}`).join('\n')}`;
    })
    .join('\n\n');
}

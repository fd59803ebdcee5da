/** Byte counts as a sysadmin reads them: 0 B, 812 B, 1.5 KiB, 23 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** A duration in whole seconds as "42 s", "3 min 5 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/**
 * Text that came from elsewhere (error messages that quote a receiver or a host name, paths)
 * made safe for one output line: no control characters (a newline would start a second plugin
 * line) and no `|` (it would start fake perfdata), cut to `max` characters.
 */
export function oneLine(text: string, max = 200): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replaceAll('|', '/');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The status file's format number, apart from the document's schema: the daemon writes it and
 * needs nothing else of the schema, which only `status` and `check` load to read the file (the
 * schema library stays out of the running daemon's memory: BENCHMARKS.md, "Idle RSS").
 * It changes only when a field changes meaning, so an older `check` (NRPE hosts are upgraded
 * last) says it cannot read a newer file instead of misreading it.
 */
export const STATUS_FORMAT = 1;

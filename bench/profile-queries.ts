// The aggregates every variant of the profile benchmark runs: the same SQL for python3's sqlite3 (the native
// floor) and for sql.js (the naive path), so their times compare like for like.
export const QUERIES: Record<string, string> = {
  kernel_time_by_name: `SELECT s.value, count(*), sum(k.end - k.start) AS t FROM CUPTI_ACTIVITY_KIND_KERNEL k
    JOIN StringIds s ON s.id = k.shortName GROUP BY k.shortName ORDER BY t DESC LIMIT 20`,
  stream_busy: `SELECT deviceId, streamId, count(*), sum(end - start), min(start), max(end)
    FROM CUPTI_ACTIVITY_KIND_KERNEL GROUP BY deviceId, streamId`,
  runtime_by_name: `SELECT s.value, count(*), sum(r.end - r.start) AS t FROM CUPTI_ACTIVITY_KIND_RUNTIME r
    JOIN StringIds s ON s.id = r.nameId GROUP BY r.nameId ORDER BY t DESC`,
  memcpy_by_kind: `SELECT copyKind, srcKind, dstKind, count(*), sum(bytes), sum(end - start)
    FROM CUPTI_ACTIVITY_KIND_MEMCPY GROUP BY copyKind, srcKind, dstKind`,
  sync_time: `SELECT syncType, count(*), sum(end - start) FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION GROUP BY syncType`,
  nvtx_count: `SELECT eventType, count(*), sum(end - start) FROM NVTX_EVENTS GROUP BY eventType`,
  osrt_by_name: `SELECT s.value, count(*), sum(o.end - o.start) AS t FROM OSRT_API o
    JOIN StringIds s ON s.id = o.nameId GROUP BY o.nameId ORDER BY t DESC`,
};

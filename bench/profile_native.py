"""The native floor of the profile benchmark: python3's built-in sqlite3 running the aggregates.
Usage: python3 bench/profile_native.py FILE QUERIES_JSON  ->  one JSON line: open_s, summary_s, per-query seconds, rows."""
import json, resource, sqlite3, sys, time

path, queries = sys.argv[1], json.loads(sys.argv[2])
t0 = time.perf_counter()
db = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
db.execute('SELECT count(*) FROM sqlite_master').fetchall()
t1 = time.perf_counter()
per, rows = {}, {}
for name, sql in queries.items():
    q0 = time.perf_counter()
    rows[name] = len(db.execute(sql).fetchall())
    per[name] = time.perf_counter() - q0
t2 = time.perf_counter()
print(json.dumps({'open_s': t1 - t0, 'summary_s': t2 - t1, 'queries_s': per, 'result_rows': rows,
                  'self_maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))

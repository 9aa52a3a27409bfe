# Compares the history statements of src/store/sqlite/sqlite_repository.cpp with the proposed rewrites: same rows,
# and the time of each (median of 20, Python's sqlite3 = the system libsqlite3, default 2 MB page cache).
import sqlite3, statistics, sys, time
db, users = sys.argv[1], [f"grow-h0-{u}" for u in range(16)]
orig = ("SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
        "WHERE m.user_id = ?1 ORDER BY m.created_at DESC, m.session_id DESC LIMIT ?3 OFFSET ?4")
new = ("SELECT s.document FROM (SELECT session_id, created_at FROM call_members WHERE user_id = ?1 "
       "ORDER BY created_at DESC, session_id DESC LIMIT ?3 OFFSET ?4) m "
       "JOIN call_sessions s ON s.session_id = m.session_id ORDER BY m.created_at DESC, m.session_id DESC")
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
def run(sql, args):
    t = time.perf_counter(); rows = c.execute(sql.replace("?3", "?2").replace("?4", "?3"), args).fetchall()
    return rows, (time.perf_counter() - t) * 1000
res = {}
for u in users:
    total = c.execute("SELECT COUNT(*) FROM call_members WHERE user_id = ?", (u,)).fetchone()[0]
    for name, page in (("first", 1), ("middle", (total // 20) // 2 + 1), ("last", (total + 19) // 20)):
        args = (u, 20, (page - 1) * 20)
        a, _ = run(orig, args); b, _ = run(new, args)
        assert a == b, (u, page)
        for label, sql in (("orig", orig), ("new", new)):
            res.setdefault((name, label), []).extend(run(sql, args)[1] for _ in range(20))
print(f"{db}: identical rows for 16 users x first/middle/last page")
for (name, label), v in sorted(res.items()):
    v.sort(); print(f"  {name:6s} {label:4s} p50 {statistics.median(v):7.3f} ms  p99 {v[int(len(v)*0.99)-1]:7.3f} ms")

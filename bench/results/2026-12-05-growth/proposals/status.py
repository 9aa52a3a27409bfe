import sqlite3, statistics, sys, time
db = sys.argv[1]; users = [f"grow-h0-{u}" for u in range(16)]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
q = {
 "count orig": ("SELECT COUNT(*) FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id WHERE m.user_id = ?1 AND s.status = ?2", False),
 "count new": ("SELECT COUNT(*) FROM call_members WHERE user_id = ?1 AND status = ?2", False),
 "page1 orig": ("SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id WHERE m.user_id = ?1 AND s.status = ?2 ORDER BY m.created_at DESC, m.session_id DESC LIMIT 20 OFFSET ?3", True),
 "page1 new": ("SELECT s.document FROM (SELECT session_id, created_at FROM call_members WHERE user_id = ?1 AND status = ?2 ORDER BY created_at DESC, session_id DESC LIMIT 20 OFFSET ?3) m JOIN call_sessions s ON s.session_id = m.session_id ORDER BY m.created_at DESC, m.session_id DESC", True),
}
times = {k: [] for k in q}
for u in users:
    for status in ("ended", "active"):
        out = {}
        for k, (sql, paged) in q.items():
            args = (u, status, 0) if paged else (u, status)
            for _ in range(10):
                t = time.perf_counter(); out[k] = c.execute(sql, args).fetchall(); times[k].append((time.perf_counter() - t) * 1000)
        assert out["count orig"] == out["count new"] and out["page1 orig"] == out["page1 new"], (u, status)
print(f"{db}: identical results (16 users x ended/active)")
for k, v in times.items():
    v.sort(); print(f"  {k:10s} p50 {statistics.median(v):7.3f} ms  p99 {v[int(len(v)*0.99)-1]:7.3f} ms")

# Count and first page (as history() runs them) for the 16 heavy users in turn, under several connection settings.
import sqlite3, statistics, sys, time
db = sys.argv[1]; users = [f"grow-h0-{u}" for u in range(16)] + [f"grow-h1-{u}" for u in range(16)] 
count = "SELECT COUNT(*) FROM call_members WHERE user_id = ?1"
page = ("SELECT s.document FROM call_members m JOIN call_sessions s ON s.session_id = m.session_id "
        "WHERE m.user_id = ?1 ORDER BY m.created_at DESC, m.session_id DESC LIMIT 20 OFFSET 0")
for name, pragmas in (("default (2 MB cache)", []), ("cache_size 64 MB", ["PRAGMA cache_size=-65536"]),
                      ("mmap_size 64 GB", ["PRAGMA mmap_size=68719476736"])):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for p in pragmas: c.execute(p).fetchall()
    for u in users: c.execute(count, (u,)).fetchall(); c.execute(page, (u,)).fetchall()  # warm
    tc, tp = [], []
    for _ in range(20):
        for u in users:
            t = time.perf_counter(); c.execute(count, (u,)).fetchall(); t1 = time.perf_counter()
            c.execute(page, (u,)).fetchall(); t2 = time.perf_counter()
            tc.append((t1 - t) * 1000); tp.append((t2 - t1) * 1000)
    tc.sort(); tp.sort()
    print(f"{name:22s} count p50 {statistics.median(tc):.3f} p99 {tc[int(len(tc)*.99)]:.3f} ms | first page p50 {statistics.median(tp):.3f} p99 {tp[int(len(tp)*.99)]:.3f} ms")

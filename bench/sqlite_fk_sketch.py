#!/usr/bin/env python3
# The SQLite sketch behind BENCHMARKS "Store" (2026-12-07): 400k records of ~2 KB, then 5.6M
# sorted (key, record_id) rows into a WITHOUT ROWID table referencing them, WAL and
# synchronous=FULL, with foreign keys on or off. Synthetic data only.
#   python3 bench/sqlite_fk_sketch.py on|off CACHE_KIB
import sqlite3, os, time, random, sys
fk = sys.argv[1] == "on"; cache = int(sys.argv[2])
p = "/tmp/athar-fk-sketch.db"
for s in ["", "-wal", "-shm"]:
    try: os.remove(p + s)
    except FileNotFoundError: pass
c = sqlite3.connect(p, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL")
c.execute(f"PRAGMA cache_size=-{cache}"); c.execute(f"PRAGMA foreign_keys={'ON' if fk else 'OFF'}")
c.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, raw TEXT, normalized TEXT)")
c.execute("CREATE TABLE blocking_keys (key INTEGER NOT NULL, record_id INTEGER NOT NULL REFERENCES records(id), PRIMARY KEY (key, record_id)) WITHOUT ROWID")
N = 400000
blob = "x" * 1500
c.execute("BEGIN IMMEDIATE")
t = time.time()
c.executemany("INSERT INTO records VALUES (?, ?, ?)", ((i, blob, blob[:600]) for i in range(1, N + 1)))
print("records", round(time.time() - t, 1))
rnd = random.Random(1)
keys = sorted((rnd.getrandbits(63), i) for i in range(1, N + 1) for _ in range(14))
t = time.time()
c.executemany("INSERT INTO blocking_keys VALUES (?, ?)", keys)
print("keys", round(time.time() - t, 1))
t = time.time(); c.execute("COMMIT"); print("commit", round(time.time() - t, 1))

"""A second SQLite writer for the store race tests (stands in for an openclaw command or the gateway).

usage: raceWriter.py DB MODE SECONDS PREFIX
  MODE loop: connect, BEGIN IMMEDIATE, add one profile to authProfiles.store, COMMIT, close; again.
  MODE hold: one connection kept open (wal_autocheckpoint=2, as a busy gateway), one commit per turn.
Prints one line per commit ("committed <id>") and a final "done <n>". Stops after SECONDS.
"""
import json, sqlite3, sys, time

db, mode, seconds, prefix = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
KEY = "config_machine_state", "state_key", "value_json", "authProfiles.store"


def connect():
    c = sqlite3.connect(db, timeout=30, isolation_level=None)
    c.execute("PRAGMA busy_timeout=30000")
    return c


def commit_one(c, i):
    pid = f"{prefix}:p{i}"
    c.execute("BEGIN IMMEDIATE")
    row = c.execute("SELECT value_json FROM config_machine_state WHERE state_key='authProfiles.store'").fetchone()
    store = json.loads(row[0]) if row else {"version": 1, "profiles": {}}
    store.setdefault("profiles", {})[pid] = {"type": "api_key", "provider": prefix, "key": f"k-{prefix}-fake-{i:06d}"}
    c.execute(
        "INSERT INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES ('authProfiles.store', ?, ?) "
        "ON CONFLICT(state_key) DO UPDATE SET value_json=excluded.value_json, updated_at_ms=excluded.updated_at_ms",
        (json.dumps(store), int(time.time() * 1000)),
    )
    c.execute("COMMIT")
    print(f"committed {pid}", flush=True)


end = time.time() + seconds
n = 0
held = None
if mode == "hold":
    held = connect()
    held.execute("PRAGMA wal_autocheckpoint=2")
while time.time() < end:
    if mode == "hold":
        commit_one(held, n)
    else:
        c = connect()
        commit_one(c, n)
        c.close()
    n += 1
    time.sleep(0.005)
if held:
    print(f"closing {int(time.time() * 1000)}", flush=True)
    held.close()
print(f"done {n}", flush=True)

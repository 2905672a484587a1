# Concurrent writer for test/unit/store/sqliteReader.torn.test.ts when no Node with node:sqlite is available.
# Same behaviour and output as tornWriter.mjs: python3 tornWriter.py <db> <maxMs> <pauseMs>
import json, random, select, sqlite3, sys, time

db, max_ms, pause_ms = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
PROFILES = 50
con = sqlite3.connect(db, isolation_level=None)
con.execute('PRAGMA busy_timeout = 5000')
con.execute('PRAGMA journal_mode = WAL')
con.execute('PRAGMA wal_autocheckpoint = 4')
con.execute('PRAGMA synchronous = NORMAL')

def dumps(v):
    return json.dumps(v, separators=(',', ':'))

def store(n):
    profiles = {}
    for i in range(PROFILES):
        profiles['provider%d:key%d' % (i, i)] = {'type': 'api_key', 'provider': 'provider%d' % i, 'key': 'sk-%d-%d' % (n, i), 'gen': n, 'pad': 'x' * (40 + (n * 7 + i) % 60)}
    return dumps({'version': 1, 'gen': n, 'profiles': profiles})

def state(n):
    return dumps({'version': 1, 'gen': n, 'order': {'provider0': ['provider0:key0']}, 'pad': 'y' * (1000 + (n % 4) * 2500)})

gen = 0
checkpoints = 0
def commit_one():
    global gen, checkpoints
    gen += 1
    s = store(gen)
    con.execute('BEGIN IMMEDIATE')
    try:
        con.execute("INSERT OR REPLACE INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES ('authProfiles.store', ?, ?)", (s, gen))
        con.execute("INSERT OR IGNORE INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES ('authProfiles.state', ?, ?)", (state(gen), gen))
        con.execute("UPDATE config_machine_state SET value_json = ?, updated_at_ms = ? WHERE state_key = 'authProfiles.state'", (state(gen), gen))
        con.execute("DELETE FROM config_machine_state WHERE state_key LIKE 'authProfiles.gen.%'")
        con.execute('INSERT INTO config_machine_state (state_key, value_json, updated_at_ms) VALUES (?, ?, ?)', ('authProfiles.gen.%d' % gen, dumps({'gen': gen}), gen))
        con.execute("INSERT OR REPLACE INTO auth_profile_store (store_key, store_json, updated_at) VALUES ('primary', ?, ?)", (s, gen))
        con.execute('COMMIT')
    except Exception:
        con.execute('ROLLBACK')
        raise
    if gen % 7 == 0:
        con.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchall()
        checkpoints += 1
    elif gen % 5 == 0:
        con.execute('PRAGMA wal_checkpoint(RESTART)').fetchall()
        checkpoints += 1

commit_one()
sys.stdout.write('ready\n')
sys.stdout.flush()
t0 = time.time()
while (time.time() - t0) * 1000 < max_ms:
    # The pause doubles as the stop signal: stdin becomes readable (EOF) when the test is done.
    r, _, _ = select.select([sys.stdin], [], [], random.random() * 2 * pause_ms / 1000.0)
    if r and sys.stdin.read(1) == '':
        break
    commit_one()
con.close()
sys.stdout.write(dumps({'gens': gen, 'checkpoints': checkpoints, 'ms': int((time.time() - t0) * 1000)}) + '\n')
sys.stdout.flush()

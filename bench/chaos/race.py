#!/usr/bin/env python3
"""Lifecycle races from outside: 8 clients run creates (plain and from a template), deletes, writes (some heavy
enough for the applier's heavy lane), reads, as-of
reads, exports, freezes and thaws, snapshots, restores, imports, forks, fleet migration runs, key issues and
revocations, conditional writes (from bookmarks of this life or an earlier one) and usage at random on the same 4
tenant names, against a running Cairn.

Fails (exit 1) on any answer that is a 5xx other than 503/504 or no answer at all, and when afterwards a name
cannot be deleted, created again and deleted (a directory stuck by a race answered every create 409 and every
delete 404). Usage: race.py BASE_URL ADMIN_TOKEN_FILE SECONDS (e.g. http://127.0.0.1:8950 data/admin-token 180);
RACE_CLIENTS sets how many clients (default 8)."""
import json, os, random, sys, threading, time, urllib.request, urllib.error, collections

BASE, ADMIN, SECS = sys.argv[1], open(sys.argv[2]).read().strip(), float(sys.argv[3])
NAMES = [f"race-{i}" for i in range(4)]
keys, bookmarks = {}, collections.defaultdict(list)
counts = collections.Counter()
bad = []
errors = []
lock = threading.Lock()


def call(method, path, body=None, token=ADMIN, raw=None, ctype="application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            out = r.read()
            st = r.status
    except urllib.error.HTTPError as e:
        out, st = e.read(), e.code
    except Exception as e:
        out, st = str(e).encode(), 0
        with lock:
            errors.append((method, path, time.strftime("%H:%M:%S"), repr(e)[:200]))
    try:
        j = json.loads(out)
    except Exception:
        j = None
    code = (j or {}).get("error", {}).get("code") if isinstance(j, dict) and isinstance(j.get("error"), dict) else None
    return st, j, code, out


def op(name, t):
    k = keys.get(t, ADMIN)
    r = random.random
    if name == "create":
        st, j, c, _ = call("POST", "/v1/tenants", {"tenant": t})
        if st == 201:
            keys[t] = j["api_key"]
            call("POST", f"/v1/tenants/{t}/execute", {"sql": "CREATE TABLE IF NOT EXISTS x (v)"}, token=j["api_key"])
        return st, c
    if name == "delete":
        st, j, c, _ = call("DELETE", f"/v1/tenants/{t}")
        return st, c
    if name == "write":
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/execute", {"sql": "INSERT INTO x VALUES (?)", "params": [random.randint(0, 1 << 30)]}, token=k)
        if st == 200:
            bookmarks[t].append(j["bookmark"])
        return st, c
    if name == "heavy":  # past the stream thread's quick budget: applied in the heavy lane, the tenant given back after
        sql = ("INSERT INTO x SELECT count(*) FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c"
               " WHERE i < 3000000) SELECT i FROM c)")
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/execute", {"sql": sql}, token=k)
        if st == 200:
            bookmarks[t].append(j["bookmark"])
        return st, c
    if name == "read":
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/query", {"sql": "SELECT count(*) FROM x"}, token=k)
        return st, c
    if name == "asof":
        b = random.choice(bookmarks[t]) if bookmarks[t] else "0:1"
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/query", {"sql": "SELECT count(*) FROM x", "as_of": b}, token=k)
        return st, c
    if name == "export":
        q = random.choice(["format=sqlite", "format=sql"])
        if bookmarks[t] and r() < 0.5:
            q += "&as_of=" + random.choice(bookmarks[t])
        st, j, c, _ = call("GET", f"/v1/tenants/{t}/export?{q}", token=k)
        return st, c
    if name == "cold":
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/tier", {"tier": random.choice(["cold", "hot"])})
        return st, c
    if name == "snapshot":
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/snapshots")
        return st, c
    if name == "restore":
        if not bookmarks[t]:
            return None
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/restore", {"bookmark": random.choice(bookmarks[t])})
        return st, c
    if name == "import":
        sql = "CREATE TABLE x (v);\nINSERT INTO x VALUES (1);\n"
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/import?format=sql", raw=sql.encode(), ctype="application/sql")
        if st == 201:
            keys[t] = j["api_key"]
        return st, c
    if name == "fork":
        st, j, c, _ = call("POST", "/v1/tenants", {"tenant": t + "-f" + str(random.randint(0, 3)), "from": {"tenant": t}})
        if st == 201:
            call("DELETE", f"/v1/tenants/{j['tenant']}")
        return st, c
    if name == "checksum":
        st, j, c, _ = call("GET", f"/v1/tenants/{t}/checksum", token=k)
        return st, c
    if name == "history":
        st, j, c, _ = call("GET", f"/v1/tenants/{t}/history", token=k)
        return st, c
    if name == "migrate":
        with registering:  # versions come one after another: a set refuses gaps
            n = version[0] + 1
            st, j, c, _ = call("PUT", f"/v1/migrations/race/versions/{n}", {"sql": f"CREATE TABLE IF NOT EXISTS m{n} (v)"})
            if st not in (200, 201):
                return st, c
            version[0] = n
        st, j, c, _ = call("POST", "/v1/migrations/race/runs", {"target_version": n, "tenants": [t]})
        return st, c
    if name == "template":
        st, j, c, _ = call("POST", "/v1/tenants", {"tenant": t, "template": "race"})
        if st == 201:
            keys[t] = j["api_key"]
            call("POST", f"/v1/tenants/{t}/execute", {"sql": "CREATE TABLE IF NOT EXISTS x (v)"}, token=j["api_key"])
        return st, c
    if name == "keys":
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/keys", {"scopes": ["read"]})
        if st == 201:
            st, j, c, _ = call("DELETE", f"/v1/tenants/{t}/keys/{j['key_id']}")
        return st, c
    if name == "conditional":  # a read-modify-write from any bookmark seen, this life's or an earlier one's: 200 or 409
        since = random.choice(bookmarks[t]) if bookmarks[t] else "0:0"
        st, j, c, _ = call("POST", f"/v1/tenants/{t}/execute", {"sql": "INSERT INTO x VALUES (0)", "if_unchanged_since": since}, token=k)
        if st == 200:
            bookmarks[t].append(j["bookmark"])
        return st, c
    if name == "usage":
        st, j, c, _ = call("GET", f"/v1/tenants/{t}/usage", token=k)
        return st, c
    if name == "info":
        st, j, c, _ = call("GET", f"/v1/tenants/{t}", token=k)
        return st, c


OPS = ["create"] * 2 + ["delete"] + ["write"] * 6 + ["heavy"] * 2 + ["read"] * 4 + ["asof"] * 2 + ["export"] * 2 + ["cold"] * 2 + [
    "snapshot", "restore", "import", "fork", "checksum", "history", "info", "migrate", "template", "keys", "conditional", "usage"]
version = [0]
registering = threading.Lock()


def worker(seed):
    random.seed(seed)
    end = time.time() + SECS
    while time.time() < end:
        name, t = random.choice(OPS), random.choice(NAMES)
        res = op(name, t)
        if res is None:
            continue
        st, c = res
        with lock:
            counts[(name, st, c)] += 1
            if st >= 500 and st not in (503, 504) or st == 0:
                bad.append((name, t, st, c))


threads = [threading.Thread(target=worker, args=(i,)) for i in range(int(os.environ.get("RACE_CLIENTS", "8")))]
for th in threads:
    th.start()
for th in threads:
    th.join()
for (name, st, c), n in sorted(counts.items(), key=lambda x: (x[0][0], x[0][1], str(x[0][2]))):
    print(f"{name:9s} {st} {c or ''}: {n}")
print("BAD:", len(bad), bad[:20])
for e in errors[:20]:
    print("ERR", e)

stuck = []
for t in NAMES:
    first, _, _, _ = call("DELETE", f"/v1/tenants/{t}")
    created, _, _, _ = call("POST", "/v1/tenants", {"tenant": t})
    gone, _, _, _ = call("DELETE", f"/v1/tenants/{t}")
    if first not in (200, 404) or created != 201 or gone != 200:
        stuck.append((t, first, created, gone))
print("STUCK:", len(stuck), stuck)
sys.exit(1 if bad or stuck else 0)

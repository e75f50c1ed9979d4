#!/usr/bin/env python3
"""Chaos / load harness for Cairn's HTTP API (Python 3.11 stdlib only).

usage: chaos.py BASE_URL ADMIN_TOKEN_OR_FILE SECONDS

Threads:
  * 4 busy tenants chaos-w0..w3, 2 writer threads each: single-statement INSERT ... ?wait=true with an
    Idempotency-Key (retried on connection errors / 429 / 503 / 504), a ledger of acknowledged ids with
    the offset of their bookmark;
  * 2 readers on the busy tenants (counts at every consistency level, recent rows, metadata, checksum,
    history, snapshots, usage, occasional exports);
  * 1 admin thread looping over freeze / cold read / thaw, snapshots, restore (bookmark, time, undo),
    fork, export + import (sqlite and sql), data-key and KEK rotation, delete + re-create, migration
    versions + runs over "all", templates, as-of reads and checksums.
At the end: request/status/error-code summary, the checks done along the way, and a ledger check per busy
tenant (every acknowledged id present unless a restore after it legitimately removed it).

Files (in $CHAOS_DIR, default /tmp/chaos; run.sh sets <data dir>.chaos): errors.log (every 5xx, timestamped), 4xx.log (4xx bodies,
capped), harness.log (harness exceptions and failed checks).
"""
import collections
import datetime
import errno
import http.client
import json
import os
import random
import socket
import sqlite3
import string
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

OUT_DIR = os.environ.get("CHAOS_DIR", "/tmp/chaos")
ERRLOG = os.path.join(OUT_DIR, "errors.log")
LOG4XX = os.path.join(OUT_DIR, "4xx.log")
HARNESS_LOG = os.path.join(OUT_DIR, "harness.log")
REFUSED_MAX_WAIT = float(os.environ.get("CHAOS_REFUSED_MAX_WAIT", "360"))  # a server restart may rebuild

BUSY = ["chaos-w0", "chaos-w1", "chaos-w2", "chaos-w3"]
RUN = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
MIG_SET = "chaos"

stop = threading.Event()        # load phase over
abort_all = threading.Event()   # give up even on refused retries


def now_iso(delta_s=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta_s)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ts():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def bm(b):
    p, o = b.split(":")
    return int(p), int(o)


# ---------------------------------------------------------------------------------------------- stats
class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind = collections.defaultdict(collections.Counter)   # kind -> status -> n
        self.status = collections.Counter()
        self.codes = collections.Counter()                            # "status code" -> n
        self.refused = collections.Counter()                          # kind -> n (quiet retries)
        self.conn_errors = collections.Counter()                      # "kind:Type" -> n
        self.lat = collections.defaultdict(list)                      # kind -> [seconds] (2xx)
        self.checks = collections.defaultdict(collections.Counter)    # check -> ok/fail/skip
        self.harness = collections.Counter()
        self.n5xx = 0
        self.n4xx_logged = 0
        self.fivexx_msgs = collections.Counter()

    def response(self, kind, method, path, status, code, body, dt):
        with self.lock:
            self.by_kind[kind][str(status)] += 1
            self.status[status] += 1
            if code:
                self.codes[f"{status} {code}"] += 1
            if 200 <= status < 300:
                self.lat[kind].append(dt)
            if status >= 500:
                self.n5xx += 1
                msg = (body[:300].decode("utf-8", "replace") if isinstance(body, bytes) else str(body)[:300]).strip()
                self.fivexx_msgs[f"{status} {kind}: {msg}"] += 1
                with open(ERRLOG, "a") as f:
                    f.write(f"{ts()} {status} {kind} {method} {path} {dt:.2f}s "
                            f"{(body[:2000].decode('utf-8', 'replace') if isinstance(body, bytes) else str(body)).strip()}\n")
            elif status >= 400 and self.n4xx_logged < 3000:
                self.n4xx_logged += 1
                with open(LOG4XX, "a") as f:
                    f.write(f"{ts()} {status} {kind} {method} {path} "
                            f"{(body[:500].decode('utf-8', 'replace') if isinstance(body, bytes) else str(body)).strip()}\n")

    def refused_one(self, kind):
        with self.lock:
            self.refused[kind] += 1

    def conn_error(self, kind, method, path, err):
        with self.lock:
            self.conn_errors[f"{kind}:{type(err).__name__}"] += 1
            self.by_kind[kind]["conn_error"] += 1
            with open(ERRLOG, "a") as f:
                f.write(f"{ts()} CONN {kind} {method} {path} {type(err).__name__}: {err}\n")

    def check(self, name, ok, detail=""):
        with self.lock:
            self.checks[name]["ok" if ok is True else ("skip" if ok is None else "FAIL")] += 1
            if ok is False:
                with open(HARNESS_LOG, "a") as f:
                    f.write(f"{ts()} CHECK FAILED {name}: {detail}\n")

    def harness_exc(self, where):
        with self.lock:
            self.harness[where] += 1
            with open(HARNESS_LOG, "a") as f:
                f.write(f"{ts()} EXCEPTION in {where}\n{traceback.format_exc()}\n")


S = Stats()


class Resp:
    def __init__(self, status=None, body=b"", headers=None, err=None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.err = err
        self.json = None
        self.code = None
        if body and status is not None:
            try:
                self.json = json.loads(body)
                if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
                    self.code = self.json["error"].get("code")
            except (ValueError, UnicodeDecodeError):
                pass

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    def header(self, name):
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<{self.status} {self.code or ''} {self.err or ''} {self.body[:200]!r}>"


def is_refused(e):
    r = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(r, ConnectionRefusedError):
        return True
    return isinstance(r, OSError) and r.errno in (errno.ECONNREFUSED,)


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, kind, method, path, body=None, token=None, headers=None, raw=None, ctype=None, timeout=60.0):
        url = self.base + path
        hdrs = {"Connection": "close"}
        if token:
            hdrs["Authorization"] = "Bearer " + token
        data = None
        if raw is not None:
            data = raw
            hdrs["Content-Type"] = ctype or "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        backoff, first_refused = 0.2, None
        while True:
            req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    status, rb, rh = r.status, r.read(), dict(r.headers)
            except urllib.error.HTTPError as e:
                status, rh = e.code, dict(e.headers or {})
                try:
                    rb = e.read()
                except Exception as e2:  # body lost mid-way
                    rb = f"<body unreadable: {e2!r}>".encode()
            except Exception as e:  # URLError, RemoteDisconnected, reset, timeout, ...
                if is_refused(e):
                    S.refused_one(kind)
                    first_refused = first_refused or time.monotonic()
                    if abort_all.is_set() or time.monotonic() - first_refused > REFUSED_MAX_WAIT:
                        return Resp(None, err="refused")
                    time.sleep(backoff)
                    backoff = min(backoff * 1.5, 2.0)
                    continue
                S.conn_error(kind, method, path, e)
                return Resp(None, err=f"{type(e).__name__}: {e}")
            dt = time.monotonic() - t0
            resp = Resp(status, rb, rh)
            S.response(kind, method, path, status, resp.code, rb, dt)
            return resp


C = None
ADMIN = None


# --------------------------------------------------------------------------------------------- ledger
class Ledger:
    """Acknowledged writes of one busy tenant, and the restores done on it (as log offsets)."""

    def __init__(self, tenant):
        self.tenant = tenant
        self.lock = threading.Lock()
        self.acks = []            # (id, offset, ambiguous, t_ack)
        self.restores = []        # (T restored_to offset, R restore record offset)
        self.uncertain = []       # (T offset or None, U offset): a restore whose outcome we did not get
        self.partition = None
        self.failed = collections.Counter()   # write outcome codes other than success
        self.unknown = 0                       # gave up retrying: outcome unknown
        self.last_bookmark = None

    def ack(self, wid, bookmark, ambiguous):
        p, o = bm(bookmark)
        with self.lock:
            self.partition = p
            self.acks.append((wid, o, ambiguous, time.time()))
            self.last_bookmark = bookmark

    def pick_ack(self, min_age=2.0, max_age=10.0):
        """An acknowledged, unambiguous write between min_age and max_age seconds old (else the newest older)."""
        now = time.time()
        with self.lock:
            cands = [a for a in self.acks[-5000:] if not a[2] and min_age <= now - a[3] <= max_age]
            if not cands:
                cands = [a for a in self.acks[-5000:] if not a[2] and now - a[3] >= min_age][-1:]
            if not cands:
                return None
            a = random.choice(cands)
            return a[0], f"{self.partition}:{a[1]}"

    def add_restore(self, restored_to, bookmark):
        with self.lock:
            self.restores.append((bm(restored_to)[1], bm(bookmark)[1]))

    def add_uncertain(self, t_offset, u_offset, lo_offset):
        """A restore whose outcome we did not get: if it applied, its record lies in (lo_offset, u_offset]."""
        with self.lock:
            self.uncertain.append((t_offset, u_offset, lo_offset))

    def last_offset(self):
        with self.lock:
            return max((a[1] for a in self.acks), default=-1)

    def present(self, o, point=float("inf")):
        """Is the write at offset o part of the content at `point`, given the restores done? None: cannot tell
        (a restore whose outcome we did not get may lie between the write and the point)."""
        while True:
            for _t, u, lo in self.uncertain:
                if u > o and lo < point:
                    return None
            cands = [(t, r) for (t, r) in self.restores if o < r <= point]
            if not cands:
                return True
            t, r = max(cands, key=lambda x: x[1])
            if t < o:
                return False
            point = t

    def unverifiable(self, o):
        return False

    def expected_at(self, point):
        """ids that must be in the content at offset `point` (None: now), and ids we cannot judge."""
        point = float("inf") if point is None else point
        with self.lock:
            acks = list(self.acks)
        exp, unk = set(), set()
        for wid, o, amb, _ in acks:
            if o > point:
                continue
            pres = None if amb else self.present(o, point)
            if pres is None:
                unk.add(wid)
            elif pres:
                exp.add(wid)
            else:
                unk.add(wid)  # legitimately removed by a restore: may or may not be there (it must not, but
                # a removed id is never written again, so presence would be a bug: checked separately)
        return exp, unk

    def removed_at(self, point=None):
        point = float("inf") if point is None else point
        with self.lock:
            acks = list(self.acks)
        return {wid for wid, o, amb, _ in acks
                if o <= point and not amb and self.present(o, point) is False}


LEDGERS = {t: Ledger(t) for t in BUSY}
KEYS = {}              # tenant -> api key
ID_LOCK = threading.Lock()
ID_NEXT = [int(time.time()) * 1_000_000]


def next_id():
    with ID_LOCK:
        ID_NEXT[0] += 1
        return ID_NEXT[0]


# --------------------------------------------------------------------------------------------- helpers
def q(kind, tenant, sql, params=None, token=None, **extra):
    body = {"sql": sql}
    if params is not None:
        body["params"] = params
    body.update(extra)
    return C.call(kind, "POST", f"/v1/tenants/{tenant}/query", body=body, token=token or ADMIN)


def ex(kind, tenant, sql, params=None, token=None, idem=None, timeout=45.0):
    body = {"sql": sql}
    if params is not None:
        body["params"] = params
    return C.call(kind, "POST", f"/v1/tenants/{tenant}/execute?wait=true", body=body, token=token or ADMIN,
                  headers={"Idempotency-Key": idem} if idem else None, timeout=timeout)


def scalar(r):
    try:
        return r.json["rows"][0][0]
    except Exception:
        return None


def fetch_ids(kind, tenant, token=None, **extra):
    """Every id of items (keyset pages of 5000). Returns (set, None) or (None, failing Resp)."""
    ids, last = set(), -(2 ** 63)
    while True:
        r = q(kind, tenant, "SELECT id FROM items WHERE id > ? ORDER BY id LIMIT 5000", [last], token=token, **extra)
        if r.status != 200:
            return None, r
        rows = r.json["rows"]
        ids.update(row[0] for row in rows)
        if len(rows) < 5000:
            return ids, None
        last = rows[-1][0]


def create_tenant(kind, name, extra=None, timeout=150.0):
    body = {"tenant": name}
    if extra:
        body.update(extra)
    return C.call(kind, "POST", "/v1/tenants", body=body, token=ADMIN, timeout=timeout)


def delete_tenant(kind, name):
    return C.call(kind, "DELETE", f"/v1/tenants/{name}", token=ADMIN, timeout=60.0)


def get_tenant(kind, name, token=None):
    return C.call(kind, "GET", f"/v1/tenants/{name}", token=token or ADMIN)


def wait_health(max_s=300):
    t_end = time.time() + max_s
    while time.time() < t_end:
        try:
            with urllib.request.urlopen(C.base + "/health", timeout=5) as r:
                if r.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(1)
    return False


def payload(wid):
    return f"p{wid}-" + "".join(random.choice(string.ascii_letters) for _ in range(40))


# --------------------------------------------------------------------------------------------- setup
def setup_busy(t):
    r = create_tenant("setup", t)
    if r.status == 201:
        KEYS[t] = r.json["api_key"]
    elif r.status == 409:
        r = C.call("setup", "POST", f"/v1/tenants/{t}/keys", body={"scopes": ["read", "write"]}, token=ADMIN)
        if r.status != 201:
            raise RuntimeError(f"cannot get a key for existing {t}: {r}")
        KEYS[t] = r.json["api_key"]
    else:
        raise RuntimeError(f"cannot create {t}: {r}")
    r = ex("setup", t, "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)",
           token=KEYS[t])
    if r.status != 200:
        raise RuntimeError(f"cannot create table in {t}: {r}")


class Extra:
    """A quiet tenant only the admin thread writes: its exact row count is known."""

    def __init__(self, name):
        self.name = name
        self.key = None
        self.count = 0
        self.last_write = 0.0


EXTRAS = [Extra(f"chaos-x{i}-{RUN}") for i in range(3)]


def setup_extra(x):
    r = create_tenant("setup", x.name)
    if r.status != 201:
        raise RuntimeError(f"cannot create {x.name}: {r}")
    x.key = r.json["api_key"]
    r = ex("setup", x.name, "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)",
           token=x.key)
    if r.status != 200:
        raise RuntimeError(f"cannot create table in {x.name}: {r}")
    for _ in range(5):
        extra_insert(x, "setup")


def extra_insert(x, kind):
    wid = next_id()
    params = [wid, payload(wid)]
    for attempt in range(6):
        r = ex(kind, x.name, "INSERT INTO items (id, payload) VALUES (?, ?)", params, token=x.key,
               idem=f"{RUN}-{x.name}-{wid}")
        if r.status is None or r.status in (429, 503, 504):
            time.sleep(0.5 * (attempt + 1))
            continue
        break
    if r.status == 200:
        x.count += 1
        x.last_write = time.time()
    elif r.status is None or r.status >= 500:
        resync(x)
    return r


def resync(x):
    """After an operation on a quiet tenant whose outcome we did not get: take its count as it is now."""
    for _ in range(10):
        r = q("admin.resync", x.name, "SELECT count(*) FROM items", token=ADMIN, consistency="strong",
              timeout_ms=30000)
        if r.status == 200:
            x.count = scalar(r)
            x.last_write = time.time()
            return True
        time.sleep(2)
    return False


# --------------------------------------------------------------------------------------------- writers
def writer(t, wi):
    led = LEDGERS[t]
    while not stop.is_set():
        try:
            wid = next_id()
            idem = f"{RUN}-{t}-{wid}"
            body_sql = "INSERT INTO items (id, payload) VALUES (?, ?)"
            params = [wid, payload(wid)]   # a retry must send the very same statement (else 422)
            retried = False
            for attempt in range(8):
                r = ex("write", t, body_sql, params, token=KEYS[t], idem=idem)
                if r.status == 200:
                    replayed = (r.header("Idempotent-Replayed") or "").lower() == "true"
                    # a replay's bookmark is not the original record's offset: don't judge it by offsets
                    led.ack(wid, r.json["bookmark"], ambiguous=retried and replayed)
                    break
                if r.status is None or r.status in (429, 503, 504):
                    retried = True
                    if abort_all.is_set():
                        led.unknown += 1
                        break
                    time.sleep(0.5 * (attempt + 1))
                    continue
                led.failed[f"{r.status} {r.code}"] += 1
                break
            else:
                led.unknown += 1
        except Exception:
            S.harness_exc(f"writer {t}/{wi}")
            time.sleep(1)


# --------------------------------------------------------------------------------------------- readers
def reader(ri):
    rnd = random.Random(ri)
    while not stop.is_set():
        try:
            t = rnd.choice(BUSY)
            k = KEYS[t]
            x = rnd.random()
            if x < 0.25:
                q("read.count", t, "SELECT count(*) FROM items", token=k)
            elif x < 0.40:
                q("read.strong", t, "SELECT count(*), max(id) FROM items", token=k, consistency="strong")
            elif x < 0.55:
                b = LEDGERS[t].last_bookmark
                if b:
                    r = q("read.session", t, "SELECT count(*) FROM items", token=k, bookmark=b, timeout_ms=10000)
            elif x < 0.65:
                q("read.recent", t, "SELECT id, payload FROM items ORDER BY id DESC LIMIT 50", token=k)
            elif x < 0.70:
                q("read.eventual_lag", t, "SELECT count(*) FROM items", token=k, consistency="eventual",
                  max_lag_ms=2000)
            elif x < 0.76:
                get_tenant("read.meta", t, token=k)
            elif x < 0.81:
                C.call("read.checksum", "GET", f"/v1/tenants/{t}/checksum", token=k)
            elif x < 0.85:
                C.call("read.history", "GET", f"/v1/tenants/{t}/history", token=k)
            elif x < 0.89:
                C.call("read.snapshots", "GET", f"/v1/tenants/{t}/snapshots", token=k)
            elif x < 0.92:
                C.call("read.usage", "GET", f"/v1/tenants/{t}/usage", token=k)
            elif x < 0.96:
                r = C.call("read.export_sqlite", "GET", f"/v1/tenants/{t}/export?format=sqlite", token=k, timeout=120)
                if r.status == 200:
                    S.check("reader_export_is_sqlite", r.body[:16] == b"SQLite format 3\x00", f"{t} {r.body[:16]!r}")
            else:
                r = C.call("read.export_sql", "GET", f"/v1/tenants/{t}/export?format=sql", token=k, timeout=120)
                if r.status == 200:
                    S.check("reader_export_sql_has_items", b"items" in r.body, t)
            time.sleep(rnd.uniform(0.02, 0.1))
        except Exception:
            S.harness_exc(f"reader {ri}")
            time.sleep(1)


# --------------------------------------------------------------------------------------------- admin
class Admin:
    def __init__(self):
        self.i = 0
        self.n = 0                       # names counter
        self.cleanup = []                # tenants to delete next iteration: (name, key)
        self.deleted_life = None         # (name, bookmark of its previous life)
        self.del_name = f"chaos-d-{RUN}"
        self.del_key = None
        self.kek_rotations = 0
        self.step_times = collections.defaultdict(list)

    def name(self, prefix):
        self.n += 1
        return f"chaos-{prefix}-{RUN}-{self.n}"

    # -- freeze / cold read / thaw ------------------------------------------------------------------
    def step_cold(self, b, x):
        r = C.call("admin.freeze", "POST", f"/v1/tenants/{x.name}/tier", body={"tier": "cold"}, token=ADMIN)
        if r.status not in (200, 202):
            return
        cold = self.wait_tier(x.name, "cold", 40)
        S.check("freeze_goes_cold", cold, x.name)
        r = q("admin.cold_read", x.name, "SELECT count(*) FROM items", token=x.key)
        if r.status == 200:
            S.check("cold_read_count", scalar(r) == x.count, f"{x.name} got {scalar(r)} want {x.count}")
        g = get_tenant("admin.meta", x.name)
        if cold and g.status == 200:
            S.check("cold_read_leaves_cold", g.json.get("tier") == "cold", f"{x.name} {g.json.get('tier')}")
        w = extra_insert(x, "admin.thaw_write")
        if w.status == 200:
            r = q("admin.read_after_thaw", x.name, "SELECT count(*) FROM items", token=x.key,
                  bookmark=w.json["bookmark"])
            if r.status == 200:
                S.check("thaw_write_count", scalar(r) == x.count, f"{x.name} got {scalar(r)} want {x.count}")
            # the directory may show "cold" for a moment after the write that thawed it (docs/api.md)
            S.check("thawed_is_hot_10s", self.wait_tier(x.name, "hot", 10), x.name)
        # explicit thaw: freeze again, then POST tier hot
        r = C.call("admin.freeze", "POST", f"/v1/tenants/{x.name}/tier", body={"tier": "cold"}, token=ADMIN)
        if r.status in (200, 202) and self.wait_tier(x.name, "cold", 40):
            r = C.call("admin.thaw", "POST", f"/v1/tenants/{x.name}/tier", body={"tier": "hot"}, token=ADMIN,
                       timeout=120)
            if r.status == 200:
                g = get_tenant("admin.meta", x.name)
                S.check("explicit_thaw_hot", g.status == 200 and g.json.get("tier") == "hot", repr(g))
        # a busy tenant: the freeze is asked, writes keep it (or bring it back) hot
        r = C.call("admin.freeze_busy", "POST", f"/v1/tenants/{b}/tier", body={"tier": "cold"}, token=ADMIN)
        time.sleep(1.5)
        q("admin.busy_read_after_freeze", b, "SELECT count(*) FROM items", token=KEYS[b])
        C.call("admin.thaw_busy", "POST", f"/v1/tenants/{b}/tier", body={"tier": "hot"}, token=ADMIN, timeout=120)

    def wait_tier(self, t, tier, secs):
        end = time.time() + secs
        while time.time() < end:
            g = get_tenant("admin.poll_tier", t)
            if g.status == 200 and g.json.get("tier") == tier:
                return True
            time.sleep(1)
        return False

    # -- snapshots ------------------------------------------------------------------------------------
    def step_snapshot(self, b, x):
        for t in (b, x.name):
            r = C.call("admin.snapshot", "POST", f"/v1/tenants/{t}/snapshots", token=ADMIN)
            if r.status != 202:
                continue
            want = bm(r.json["bookmark"])[1]
            end, ok = time.time() + 30, False
            while time.time() < end and not ok:
                g = get_tenant("admin.poll_snapshot", t)
                ls = (g.json or {}).get("last_snapshot") if g.status == 200 else None
                ok = bool(ls) and bm(ls["bookmark"])[1] >= want - 1
                if not ok:
                    time.sleep(1)
            S.check("snapshot_stored_30s", ok, f"{t} wanted >= {want}")

    # -- restore ------------------------------------------------------------------------------------
    def restore(self, t, body, led=None, kind="admin.restore"):
        lo = led.last_offset() if led else -1
        r = C.call(kind, "POST", f"/v1/tenants/{t}/restore", body=body, token=ADMIN, timeout=150)
        if r.status == 200:
            if led:
                led.add_restore(r.json["restored_to"], r.json["bookmark"])
            if "bookmark" in body:
                S.check("restore_restored_to_as_asked", r.json["restored_to"] == body["bookmark"],
                        f"{t} {body} -> {r.json}")
            return r
        if led and (r.status is None or r.status >= 500):
            # outcome unknown: it may still apply. Everything up to a strong read's position is unjudgeable
            for _ in range(5):
                rr = q("admin.strong_after_uncertain", t, "SELECT 1", token=ADMIN, consistency="strong",
                       timeout_ms=30000)
                if rr.status == 200:
                    break
            u = bm(rr.json["bookmark"])[1] if rr.status == 200 else float("inf")
            led.add_uncertain(bm(body["bookmark"])[1] if "bookmark" in body else None, u, lo)
        return r

    def step_restore(self, b, x):
        led = LEDGERS[b]
        a = led.pick_ack(2, 8)
        if a:
            self.restore(b, {"bookmark": a[1]}, led)
        time.sleep(1)
        self.restore(b, {"time": now_iso(-3)}, led, kind="admin.restore_time")
        # an extra tenant: restore to a point, check, undo, check
        w0 = extra_insert(x, "admin.extra_write")
        if w0.status != 200:
            return
        c0 = x.count
        for _ in range(3):
            extra_insert(x, "admin.extra_write")
        c1 = x.count
        r = self.restore(x.name, {"bookmark": w0.json["bookmark"]})
        if r.status != 200:
            if r.status is None or r.status >= 500:
                resync(x)
            return
        x.count = c0
        rr = q("admin.read_after_restore", x.name, "SELECT count(*) FROM items", token=x.key,
               bookmark=r.json["bookmark"])
        if rr.status == 200:
            S.check("restore_extra_count", scalar(rr) == c0, f"{x.name} got {scalar(rr)} want {c0}")
        u = self.restore(x.name, {"bookmark": r.json["undo_bookmark"]}, kind="admin.restore_undo")
        if u.status is None or u.status >= 500:
            resync(x)
        if u.status == 200:
            x.count = c1
            rr = q("admin.read_after_undo", x.name, "SELECT count(*) FROM items", token=x.key,
                   bookmark=u.json["bookmark"])
            if rr.status == 200:
                S.check("restore_undo_count", scalar(rr) == c1, f"{x.name} got {scalar(rr)} want {c1}")
        # a point before the tenant's creation is refused (legit 400)
        h = C.call("admin.history", "GET", f"/v1/tenants/{x.name}/history", token=ADMIN)
        if h.status == 200:
            p, o = bm(h.json["created_bookmark"])
            if o > 0:
                rr = C.call("admin.restore_out_of_range", "POST", f"/v1/tenants/{x.name}/restore",
                            body={"bookmark": f"{p}:{o - 1}"}, token=ADMIN)
                S.check("restore_before_creation_refused",
                        rr.status == 400 and rr.code in ("restore_out_of_range", "invalid_bookmark"), repr(rr))

    # -- fork ----------------------------------------------------------------------------------------
    def step_fork(self, b, x):
        led = LEDGERS[b]
        a = led.pick_ack(2, 10)
        if a:
            name = self.name("f")
            r = create_tenant("admin.fork", name, {"from": {"tenant": b, "bookmark": a[1]}})
            if r.status == 201:
                self.cleanup.append((name, r.json["api_key"]))
                got, err = fetch_ids("admin.fork_read", name, token=r.json["api_key"], bookmark=r.json["bookmark"])
                if got is not None:
                    self.compare_content("fork_content", b, bm(a[1])[1], got)
        # fork of a quiet tenant "now" and "by time": exact counts
        if time.time() - x.last_write < 1.5:
            time.sleep(1.5)
        for how in ("now", "time"):
            name = self.name("f")
            frm = {"tenant": x.name} if how == "now" else {"tenant": x.name, "time": now_iso(-0.5)}
            r = create_tenant("admin.fork_" + how, name, {"from": frm})
            if r.status == 201:
                self.cleanup.append((name, r.json["api_key"]))
                rr = q("admin.fork_read", name, "SELECT count(*) FROM items", token=r.json["api_key"],
                       bookmark=r.json["bookmark"])
                if rr.status == 200:
                    S.check("fork_extra_count", scalar(rr) == x.count, f"{name} from {x.name}: {scalar(rr)} vs {x.count}")

    def import_and_count(self, fmt, name, body, ctype):
        """Imports body as the new tenant name (kept for cleanup) and reads its item count at the import's
        bookmark; the read's response, or None when the import or the read did not succeed."""
        ir = C.call("admin.import_" + fmt, "POST", f"/v1/tenants/{name}/import?format={fmt}", raw=body,
                    ctype=ctype, token=ADMIN, timeout=150)
        if ir.status != 201:
            return None
        self.cleanup.append((name, ir.json["api_key"]))
        rr = q("admin.import_read", name, "SELECT count(*) FROM items", token=ir.json["api_key"], bookmark=ir.json["bookmark"])
        return rr if rr.status == 200 else None

    def compare_content(self, check, tenant, point, got):
        led = LEDGERS[tenant]
        exp, unk = led.expected_at(point)
        missing = exp - got
        removed_back = led.removed_at(point) & got
        S.check(check, not missing and not removed_back,
                f"{tenant}@{point}: expected {len(exp)}, got {len(got)}, missing {len(missing)} "
                f"{sorted(missing)[:5]}, removed-but-present {len(removed_back)} {sorted(removed_back)[:5]}")

    # -- export / import ------------------------------------------------------------------------------
    def step_export_import(self, b, x):
        r = C.call("admin.export_sqlite", "GET", f"/v1/tenants/{b}/export?format=sqlite", token=ADMIN, timeout=120)
        if r.status == 200:
            hb = r.header("Cairn-Bookmark")
            fd, path = tempfile.mkstemp(prefix="chaos-export-", suffix=".sqlite", dir=OUT_DIR)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(r.body)
                con = sqlite3.connect(path)
                try:
                    ids = {row[0] for row in con.execute("SELECT id FROM items")}
                    names = [row[0] for row in con.execute("SELECT name FROM sqlite_master")]
                finally:
                    con.close()
                # _cairn_migrations stays: the migration versions the content is at (docs/restore.md)
                S.check("export_has_no_cairn_tables", not any(n.startswith("_cairn_") and n != "_cairn_migrations" for n in names)
                        and not any(n.startswith("sqlite_autoindex__cairn_") and n != "sqlite_autoindex__cairn_migrations_1" for n in names),
                        str(names))
                if hb:
                    self.compare_content("export_content", b, bm(hb)[1], ids)
                name = self.name("i")
                rr = self.import_and_count("sqlite", name, r.body, "application/octet-stream")
                if rr is not None:
                    S.check("import_sqlite_count", scalar(rr) == len(ids), f"{name}: {scalar(rr)} vs {len(ids)}")
            finally:
                os.unlink(path)
        # SQL: a busy tenant's dump as a new tenant
        r = C.call("admin.export_sql", "GET", f"/v1/tenants/{b}/export?format=sql", token=ADMIN, timeout=120)
        if r.status == 200:
            name = self.name("s")
            n_ins = r.body.count(b"INSERT INTO")
            rr = self.import_and_count("sql", name, r.body, "application/sql")
            if rr is not None:
                # every row of every table is one INSERT in the dump; items is most of them
                S.check("import_sql_count_plausible", scalar(rr) is not None and scalar(rr) <= n_ins,
                        f"{name}: {scalar(rr)} rows vs {n_ins} INSERTs")
        # SQL: one quiet tenant's dump replaces another's content (200), same checksum
        src = x
        dst = EXTRAS[(EXTRAS.index(x) + 1) % len(EXTRAS)]
        r = C.call("admin.export_sql", "GET", f"/v1/tenants/{src.name}/export?format=sql", token=ADMIN, timeout=120)
        if r.status == 200:
            ir = C.call("admin.import_sql_replace", "POST", f"/v1/tenants/{dst.name}/import?format=sql", raw=r.body,
                        ctype="application/sql", token=ADMIN, timeout=150)
            if ir.status == 200:
                dst.count = src.count
                dst.last_write = time.time()
                rr = q("admin.import_read", dst.name, "SELECT count(*) FROM items", token=dst.key,
                       bookmark=ir.json["bookmark"])
                if rr.status == 200:
                    S.check("import_replace_count", scalar(rr) == src.count, f"{dst.name}: {scalar(rr)} vs {src.count}")
                c1 = C.call("admin.checksum", "GET", f"/v1/tenants/{src.name}/checksum", token=ADMIN)
                c2 = C.call("admin.checksum", "GET", f"/v1/tenants/{dst.name}/checksum", token=ADMIN)
                if c1.status == 200 and c2.status == 200:
                    S.check("import_replace_checksum_equal", c1.json["sha256"] == c2.json["sha256"],
                            f"{src.name} {c1.json} vs {dst.name} {c2.json}")
            elif ir.status == 201:
                S.check("import_replace_is_200", False, repr(ir))
            elif ir.status is None or ir.status >= 500:
                resync(dst)

    # -- keys ----------------------------------------------------------------------------------------
    def step_keys(self, b, x):
        g = C.call("admin.data_keys_list", "GET", f"/v1/tenants/{b}/data-keys", token=ADMIN)
        r = C.call("admin.data_key_rotate", "POST", f"/v1/tenants/{b}/data-keys", token=ADMIN)
        if g.status == 200 and r.status == 200:
            g2 = C.call("admin.data_keys_list", "GET", f"/v1/tenants/{b}/data-keys", token=ADMIN)
            if g2.status == 200:
                ids = [k["id"] for k in g2.json["data_keys"]]
                S.check("data_key_rotated", ids and ids[-1] == r.json["data_key_id"]
                        and len(ids) == len(g.json["data_keys"]) + 1, f"{b}: {r.json} {ids}")
        if self.kek_rotations < 2 and self.i % 3 == 1:
            r = C.call("admin.kek_rotate", "POST", "/v1/encryption/kek", token=ADMIN, timeout=120)
            if r.status == 200:
                self.kek_rotations += 1
        # API keys: a read-only key may read, not write; a revoked key is refused
        r = C.call("admin.key_create", "POST", f"/v1/tenants/{x.name}/keys", body={"scopes": ["read"]}, token=ADMIN)
        if r.status == 201:
            k, kid = r.json["api_key"], r.json["key_id"]
            rr = q("admin.ro_key_read", x.name, "SELECT count(*) FROM items", token=k)
            S.check("ro_key_reads", rr.status == 200, repr(rr))
            rw = ex("admin.ro_key_write", x.name, "INSERT INTO items (id, payload) VALUES (?, ?)", [next_id(), "x"],
                    token=k)
            S.check("ro_key_write_403", rw.status == 403, repr(rw))
            d = C.call("admin.key_revoke", "DELETE", f"/v1/tenants/{x.name}/keys/{kid}", token=ADMIN)
            if d.status == 200:
                rr = q("admin.revoked_key_read", x.name, "SELECT 1", token=k)
                S.check("revoked_key_401", rr.status == 401, repr(rr))
            C.call("admin.keys_list", "GET", f"/v1/tenants/{x.name}/keys", token=ADMIN)

    # -- delete and re-create --------------------------------------------------------------------------
    def step_delete_recreate(self, b, x):
        t = self.del_name
        if self.del_key is not None:
            r = delete_tenant("admin.delete", t)
            if r.status == 200:
                g = get_tenant("admin.get_deleted", t)
                S.check("deleted_is_404", g.status == 404, repr(g))
                rr = q("admin.deleted_key_read", t, "SELECT 1", token=self.del_key)
                S.check("deleted_key_401", rr.status == 401, repr(rr))
        r = create_tenant("admin.recreate", t)
        if r.status != 201:
            return
        old_life = self.deleted_life
        self.del_key = r.json["api_key"]
        rr = q("admin.recreated_read", t, "SELECT count(*) FROM items", token=self.del_key)
        S.check("recreated_is_empty", rr.status == 400 and rr.code == "sql_error", repr(rr))
        ex("admin.recreated_write", t, "CREATE TABLE items (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)",
           token=self.del_key)
        w = ex("admin.recreated_write", t, "INSERT INTO items (id, payload) VALUES (?, ?)", [next_id(), "life"],
               token=self.del_key)
        if w.status == 200:
            self.deleted_life = w.json["bookmark"]
        if old_life:
            rr = C.call("admin.restore_old_life", "POST", f"/v1/tenants/{t}/restore", body={"bookmark": old_life},
                        token=ADMIN)
            S.check("restore_to_earlier_life_refused", rr.status == 400, repr(rr))
        # deleted fork/import/template tenants of the previous iteration (exercises delete)
        for name, key in self.cleanup_prev:
            d = delete_tenant("admin.delete", name)
            if d.status == 200:
                rr = q("admin.deleted_key_read", name, "SELECT 1", token=key)
                S.check("deleted_key_401", rr.status == 401, repr(rr))

    # -- migrations + templates --------------------------------------------------------------------------
    def step_migration(self, b, x):
        g = C.call("admin.migration_get", "GET", f"/v1/migrations/{MIG_SET}", token=ADMIN)
        if g.status == 200:
            latest = int(g.json.get("latest_version") or 0)
        elif g.status == 404:
            latest = 0
        else:
            return
        v = latest + 1
        r = C.call("admin.migration_register", "PUT", f"/v1/migrations/{MIG_SET}/versions/{v}",
                   body={"sql": f"CREATE TABLE IF NOT EXISTS mig_v{v} (id INTEGER PRIMARY KEY, note TEXT)",
                         "description": f"chaos {RUN} v{v}"}, token=ADMIN)
        if r.status not in (200, 201):
            return
        r = C.call("admin.migration_run", "POST", f"/v1/migrations/{MIG_SET}/runs", body={"tenants": "all"},
                   token=ADMIN, timeout=150)
        if r.status in (200, 202) and r.json.get("run_id"):
            rid = r.json["run_id"]
            end, st = time.time() + 90, None
            while time.time() < end:
                s = C.call("admin.migration_status", "GET", f"/v1/migrations/{MIG_SET}/runs/{rid}", token=ADMIN)
                if s.status == 200:
                    st = s.json
                    if st.get("done"):
                        break
                time.sleep(2)
            S.check("migration_run_done_90s", bool(st and st.get("done")), json.dumps(st)[:600] if st else "no status")
            if st and st.get("done"):
                S.check("migration_run_no_failures", not st.get("failed"), json.dumps(st)[:600])
            g = get_tenant("admin.meta", b)
        C.call("admin.migration_drift", "GET", f"/v1/migrations/{MIG_SET}/drift", token=ADMIN)
        C.call("admin.migration_list", "GET", "/v1/migrations", token=ADMIN)
        # template
        name = self.name("t")
        r = create_tenant("admin.template_create", name, {"template": MIG_SET})
        if r.status == 201:
            self.cleanup.append((name, r.json["api_key"]))
            tv = (r.json.get("template") or {}).get("version")
            S.check("template_latest_version", tv == v, f"{name}: {r.json.get('template')} want {v}")
            rr = q("admin.template_read", name, f"SELECT count(*) FROM mig_v{v}", token=r.json["api_key"])
            S.check("template_has_table", rr.status == 200, repr(rr))
        # the busy tenant's table (unless a restore since took it back to before the run)
        q("admin.migrated_read", b, f"SELECT count(*) FROM mig_v{v}", token=KEYS[b], consistency="strong")

    # -- as-of -------------------------------------------------------------------------------------------
    def step_asof(self, b, x):
        led = LEDGERS[b]
        a = led.pick_ack(3, 30)
        if a:
            got, err = fetch_ids("admin.asof_read", b, token=KEYS[b], as_of=a[1])
            if got is not None:
                self.compare_content("asof_content", b, bm(a[1])[1], got)
            c = C.call("admin.asof_checksum", "GET", f"/v1/tenants/{b}/checksum?as_of={a[1]}", token=KEYS[b])
        q("admin.asof_time_read", b, "SELECT count(*) FROM items", token=KEYS[b], as_of=now_iso(-5))
        if time.time() - x.last_write > 1.5:
            r = q("admin.asof_time_read", x.name, "SELECT count(*) FROM items", token=x.key, as_of=now_iso(-0.5))
            if r.status == 200:
                S.check("asof_time_extra_count", scalar(r) == x.count, f"{x.name}: {scalar(r)} vs {x.count}")

    def step_fleet(self, b, x):
        C.call("admin.list", "GET", "/v1/tenants?limit=100", token=ADMIN)
        C.call("admin.list_cold", "GET", "/v1/tenants?tier=cold&limit=100", token=ADMIN)
        C.call("admin.usage", "GET", f"/v1/tenants/{b}/usage", token=ADMIN)

    def run(self):
        steps = [self.step_cold, self.step_snapshot, self.step_restore, self.step_fork, self.step_export_import,
                 self.step_keys, self.step_delete_recreate, self.step_migration, self.step_asof, self.step_fleet]
        self.cleanup_prev = []
        while not stop.is_set():
            b = BUSY[self.i % len(BUSY)]
            x = EXTRAS[self.i % len(EXTRAS)]
            self.cleanup_prev, self.cleanup = self.cleanup, []
            for step in steps:
                if stop.is_set():
                    break
                t0 = time.time()
                try:
                    step(b, x)
                except Exception:
                    S.harness_exc(f"admin {step.__name__}")
                self.step_times[step.__name__].append(time.time() - t0)
            self.i += 1


def restorer(idx):
    """Extra load (CHAOS_RESTORERS threads): restores of the busy tenants to a recent acknowledged write, back to back."""
    a = Admin()
    i = idx
    while not stop.is_set():
        b = BUSY[i % len(BUSY)]
        i += 1
        led = LEDGERS[b]
        ack = led.pick_ack(2, 8)
        if ack:
            try:
                a.restore(b, {"bookmark": ack[1]}, led)
            except Exception:
                S.harness_exc("restorer")
        if i % 3 == 0:
            C.call("admin.snapshot", "POST", f"/v1/tenants/{b}/snapshots", token=ADMIN)
        stop.wait(0.3)


# --------------------------------------------------------------------------------------------- main
def progress(t_start, seconds):
    while not stop.wait(15):
        with S.lock:
            tot = sum(S.status.values())
            ok = sum(v for k, v in S.status.items() if 200 <= k < 300)
            n5 = S.n5xx
            ref = sum(S.refused.values())
            ce = sum(S.conn_errors.values())
        acks = sum(len(l.acks) for l in LEDGERS.values())
        print(f"[chaos {time.time() - t_start:5.0f}s/{seconds}] requests {tot} (2xx {ok}, 5xx {n5}), "
              f"refused-retries {ref}, conn errors {ce}, acked writes {acks}", flush=True)


def summary(admin, final):
    out = []
    P = out.append
    P("=" * 100)
    P(f"CHAOS SUMMARY (run {RUN})")
    with S.lock:
        P("requests by kind (status: count; mean/max latency of 2xx):")
        for kind in sorted(S.by_kind):
            st = S.by_kind[kind]
            lat = S.lat.get(kind) or []
            l = f" {sum(lat) / len(lat) * 1000:.0f}/{max(lat) * 1000:.0f} ms" if lat else ""
            P(f"  {kind:32s} {sum(st.values()):6d}  " + ", ".join(f"{k}:{v}" for k, v in sorted(st.items())) + l)
        P("status counts: " + ", ".join(f"{k}:{v}" for k, v in sorted(S.status.items())))
        P(f"5xx responses: {S.n5xx}")
        for m, n in S.fivexx_msgs.most_common(15):
            P(f"  {n:5d} x {m}")
        P("error codes: " + (", ".join(f"{k}:{v}" for k, v in S.codes.most_common()) or "none"))
        P(f"connection refused (quiet retries, server down): {sum(S.refused.values())} "
          + str(dict(S.refused.most_common(6))))
        P("other connection errors: " + (", ".join(f"{k}:{v}" for k, v in S.conn_errors.most_common()) or "none"))
        P("harness exceptions: " + (", ".join(f"{k}:{v}" for k, v in S.harness.items()) or "none"))
        P("checks (ok/FAIL/skip):")
        for name in sorted(S.checks):
            c = S.checks[name]
            P(f"  {name:36s} ok {c['ok']:4d}  FAIL {c['FAIL']:3d}" + (f"  skip {c['skip']}" if c['skip'] else ""))
    if admin:
        P(f"admin loops: {admin.i}; step mean seconds: " + ", ".join(
            f"{k.replace('step_', '')}={sum(v) / len(v):.1f}" for k, v in admin.step_times.items() if v))
    P("ledger check (final, consistency=strong):")
    for line in final:
        P("  " + line)
    P("=" * 100)
    return "\n".join(out)


def final_check():
    lines = []
    if not wait_health(300):
        lines.append("server not healthy after 300 s: ledger check skipped")
        return lines
    for t in BUSY:
        led = LEDGERS[t]
        got, err = fetch_ids("final", t, token=KEYS[t], consistency="strong", timeout_ms=30000)
        if got is None:
            lines.append(f"{t}: could not read ids: {err!r}")
            continue
        cnt = scalar(q("final", t, "SELECT count(*) FROM items", token=KEYS[t], consistency="strong"))
        exp, unk = led.expected_at(None)
        removed = led.removed_at(None)
        missing = exp - got
        back = removed & got
        acked = {a[0] for a in led.acks}
        unacked = got - acked
        verdict = "OK" if not missing and not back else "LOST WRITES" if missing else "REMOVED ROWS BACK"
        lines.append(f"{t}: {verdict} count(*)={cnt} acked={len(led.acks)} restores={len(led.restores)} "
                     f"(uncertain {len(led.uncertain)}) must-be-present={len(exp)} missing={len(missing)} "
                     f"removed-by-restore={len(removed)} of which present={len(back)} unjudgeable={len(unk - removed)} "
                     f"unacked-present={len(unacked)} write-failures={dict(led.failed)} unknown-outcome={led.unknown}")
        if missing:
            lines.append(f"    missing ids (first 10): {sorted(missing)[:10]}")
            with open(HARNESS_LOG, "a") as f:
                f.write(f"{ts()} LEDGER {t} missing {sorted(missing)}\nrestores {led.restores}\n"
                        f"uncertain {led.uncertain}\n")
        if back:
            lines.append(f"    removed ids present (first 10): {sorted(back)[:10]}")
    return lines


def main():
    global C, ADMIN
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    base, tok, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    if os.path.isfile(tok):
        tok = open(tok).read().strip()
    ADMIN = tok
    C = Client(base)
    os.makedirs(OUT_DIR, exist_ok=True)
    for f in (ERRLOG, LOG4XX, HARNESS_LOG):
        open(f, "w").close()
    if not wait_health(300):
        print("chaos: server not healthy", flush=True)
        sys.exit(1)
    t_start = time.time()
    print(f"chaos: run {RUN} against {base} for {seconds:.0f}s", flush=True)
    for t in BUSY:
        setup_busy(t)
    for x in EXTRAS:
        setup_extra(x)
    threads = []
    for t in BUSY:
        for wi in range(2):
            threads.append(threading.Thread(target=writer, args=(t, wi), daemon=True, name=f"w-{t}-{wi}"))
    for ri in range(2):
        threads.append(threading.Thread(target=reader, args=(ri,), daemon=True, name=f"r{ri}"))
    admin = Admin()
    at = threading.Thread(target=admin.run, daemon=True, name="admin")
    for ri in range(int(os.environ.get("CHAOS_RESTORERS", "0"))):
        threads.append(threading.Thread(target=restorer, args=(ri,), daemon=True, name=f"restorer{ri}"))
    for th in threads + [at]:
        th.start()
    pt = threading.Thread(target=progress, args=(t_start, int(seconds)), daemon=True)
    pt.start()
    time.sleep(max(0.0, seconds - (time.time() - t_start)))
    stop.set()
    print(f"chaos: load over after {time.time() - t_start:.0f}s, waiting for threads to settle", flush=True)
    deadline = time.time() + 240
    for th in threads + [at]:
        th.join(max(1.0, deadline - time.time()))
    alive = [th.name for th in threads + [at] if th.is_alive()]
    if alive:
        print(f"chaos: threads still running after 240 s: {alive}", flush=True)
    final = final_check()
    abort_all.set()
    print(summary(admin, final), flush=True)
    bad = any(("LOST" in l or "BACK" in l) for l in final)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

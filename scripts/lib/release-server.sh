# shellcheck shell=bash
# scripts/lib/release-server.sh — sourced by scripts/bench and scripts/bench-http: run the
# release build of `airlock serve` as the container image runs it (PROD, the site from
# target/site), on its own data, with the demo sign-in so a benchmark can sign in as
# a person. Needs `cargo leptos build --release` first.
#
#   start_release_server ADDR DATA_DIR LOG   starts it, sets RELEASE_SERVER_PID, returns
#                                            once /health/ready answers (dies after 60 s)
#   stop_release_server                      stops it (by that PID); safe to call twice
#   demo_sign_in ADDR JAR PERSON             signs PERSON in, keeping the session in JAR
#
# The caller defines die() and stops the server on exit (stop_release_server in its trap).

RELEASE_SERVER_PID=""

start_release_server() {
  local addr="$1" data_dir="$2" log="$3"
  [[ -x target/release/airlock ]] || die "target/release/airlock not found: run cargo leptos build --release"
  if (: <>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
    die "something is already listening on $addr"
  fi
  mkdir -p -- "$data_dir"
  AIRLOCK_DATA_DIR="$data_dir" \
    AIRLOCK_DEMO_SIGN_IN=true \
    AIRLOCK_ADDR="$addr" \
    LEPTOS_SITE_ADDR="$addr" \
    LEPTOS_SITE_ROOT=target/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME=airlock \
    LEPTOS_ENV=PROD \
    target/release/airlock serve >"$log" 2>&1 &
  RELEASE_SERVER_PID=$!

  local _
  for _ in $(seq 1 120); do # up to 60 s
    if curl -fsS -o /dev/null "http://$addr/health/ready" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$RELEASE_SERVER_PID" 2>/dev/null; then
      tail -n 30 -- "$log" >&2
      die "the server exited before becoming ready"
    fi
    sleep 0.5
  done
  tail -n 30 -- "$log" >&2
  die "the server was not ready within 60s"
}

stop_release_server() {
  if [[ -n "$RELEASE_SERVER_PID" ]] && kill -0 "$RELEASE_SERVER_PID" 2>/dev/null; then
    kill "$RELEASE_SERVER_PID" 2>/dev/null || true
    wait "$RELEASE_SERVER_PID" 2>/dev/null || true
  fi
  RELEASE_SERVER_PID=""
}

demo_sign_in() {
  local addr="$1" jar="$2" person="$3"
  curl -fsS -o /dev/null -c "$jar" -H "Origin: http://$addr" -d "person=$person&next=/" "http://$addr/auth/demo" ||
    die "demo sign-in as $person failed"
}

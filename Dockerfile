# syntax=docker/dockerfile:1
#
# Airlock container image.
#
#   docker build -t airlock .
#   docker run -p 3000:3000 -v airlock-data:/var/lib/airlock airlock
#   docker run --rm airlock migrate            # any other subcommand
#
# Where no registry or Docker engine is at hand, scripts/image builds the same runtime
# image with podman from the machine's own Debian packages (deploy/image/Containerfile).
#
# Stages: chef (tools) -> planner (dependency recipe) -> builder (cached deps, then the
# site) -> runtime (slim Debian, non-root). cargo-chef keeps the dependency build in its
# own layer, so editing Airlock's code does not recompile every crate.

# ---------------------------------------------------------------- chef
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /src

# ---------------------------------------------------------------- planner
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---------------------------------------------------------------- builder
FROM chef AS builder

# node + npm run binaryen's wasm-opt (from end2end/package.json), which cargo-leptos uses
# for the release wasm. Debian's `binaryen` package makes a wasm that does not hydrate,
# so it must not be installed. brotli: scripts/precompress.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm brotli \
 && rm -rf /var/lib/apt/lists/*

RUN rustup target add wasm32-unknown-unknown

# 0.3.11 needs a newer rustc than 1.95.
RUN cargo install cargo-leptos --version 0.3.10 --locked

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock. No --locked:
# the CLI's own lockfile wants a newer rustc; the fallback resolver picks compatible deps.
COPY Cargo.lock ./
RUN WASM_BINDGEN_VERSION="$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' Cargo.lock)" \
 && test -n "$WASM_BINDGEN_VERSION" \
 && CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"

# binaryen@132 (wasm-opt) and Playwright's packages; no browser download (not needed here).
COPY end2end/package.json end2end/package-lock.json end2end/
RUN cd end2end \
 && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
# cargo-leptos uses the wasm-opt and wasm-bindgen it finds on PATH instead of downloading.
ENV PATH="/src/end2end/node_modules/.bin:${PATH}"

# Dependencies only, built exactly as `cargo leptos build --release` builds them, so the
# layer is reused: the server (bin-default-features = false) ...
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json \
      --package airlock-server --bin airlock --no-default-features
# ... and the hydrate bundle (wasm32, profile wasm-release, cargo-leptos' target/front dir).
RUN cargo chef cook --profile wasm-release --target wasm32-unknown-unknown \
      --target-dir target/front --recipe-path recipe.json \
      --package airlock-frontend --no-default-features

# The real build: server binary in target/release/airlock, site in target/site with
# content-hashed names (hash.txt in it says which), then a brotli (-q 11) and a gzip (-9)
# copy of every file of the site, which the server sends as they are.
COPY . .
RUN cargo leptos build --release \
 && scripts/precompress target/site

# ---------------------------------------------------------------- runtime
FROM debian:bookworm-slim AS runtime

# ca-certificates: TLS to providers, databases and clusters with a private CA. Nothing
# else: Kubernetes probes /health/ready and /health/live itself, and the binary links
# only the C library (rustls, SQLite built in).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Fixed uid/gid so volume ownership is predictable across rebuilds and hosts.
RUN groupadd --system --gid 10001 airlock \
 && useradd --system --uid 10001 --gid airlock --home-dir /var/lib/airlock \
      --no-create-home --shell /usr/sbin/nologin airlock \
 && mkdir -p /var/lib/airlock \
 && chown airlock:airlock /var/lib/airlock

WORKDIR /app
COPY --from=builder /src/target/release/airlock /usr/local/bin/airlock
COPY --from=builder /src/target/site /app/site

# Sign-in comes from the organisation's provider (AIRLOCK_OIDC_*). The demo
# sign-in stays off: the image listens on 0.0.0.0, and airlock refuses to start
# with AIRLOCK_DEMO_SIGN_IN=true on any non-loopback address.
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME=airlock \
    LEPTOS_ENV=PROD \
    AIRLOCK_ADDR=0.0.0.0:3000 \
    AIRLOCK_DEMO_SIGN_IN=false \
    AIRLOCK_DATA_DIR=/var/lib/airlock

# Declared after the chown above: changes to a volume path after VOLUME are discarded.
VOLUME /var/lib/airlock
USER 10001:10001
EXPOSE 3000
ENTRYPOINT ["airlock"]
CMD ["serve"]

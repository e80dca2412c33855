#!/bin/sh
# Fetch the pinned front-end packages from the npm registry into a temporary directory and copy
# only the dist files the UI loads (minified, no source maps) with their licences into
# fugong/static/vendor/. Run `make vendor`; change a version here and in vendor/README.md.
set -eu
cd "$(dirname "$0")/.."
DEST=fugong/static/vendor
TABLER=1.6.1
HTMX=4.0.1
TOMSELECT=2.6.2
AXE=4.14.1
JSQR=1.4.0
ECHARTS=6.1.0
ICONS=3.52.0
# The Tabler icons the navigation uses, gathered into one SVG sprite (no icon font).
ICON_NAMES="gauge chart-bar clipboard-check building-factory-2 list-details users-group ticket layout-kanban stack-2 message-2 file-certificate id-badge-2 scan qrcode heart-rate-monitor shield-check map-2 sitemap upload bell user settings logout menu-2 report-analytics circle-check first-aid-kit door-enter briefcase"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund --ignore-scripts \
  "@tabler/core@$TABLER" "htmx.org@$HTMX" "tom-select@$TOMSELECT" "axe-core@$AXE" \
  "jsqr@$JSQR" "echarts@$ECHARTS" "@tabler/icons@$ICONS")
M="$TMP/node_modules"

copy() {  # copy <package dir> <vendor dir> <file>...
  src=$1 dir=$DEST/$2; shift 2
  rm -rf "$dir"; mkdir -p "$dir"
  for f in "$@"; do cp "$src/$f" "$dir/"; done
}
copy "$M/@tabler/core" tabler dist/css/tabler.min.css dist/css/tabler-vendors.min.css dist/js/tabler.min.js
# The npm package of Tabler carries no LICENSE file; its package.json and file headers say MIT.
cat > "$DEST/tabler/LICENSE" <<LIC
Tabler $TABLER (https://tabler.io), npm package @tabler/core, licence: MIT

Copyright (c) 2018-2026 The Tabler Authors, codecalm.net Paweł Kuna

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LIC
copy "$M/htmx.org" htmx dist/htmx.min.js LICENSE
copy "$M/tom-select" tom-select dist/js/tom-select.complete.min.js dist/css/tom-select.bootstrap5.min.css LICENSE
copy "$M/axe-core" axe-core axe.min.js LICENSE
copy "$M/jsqr" jsqr dist/jsQR.js LICENSE
copy "$M/echarts" echarts dist/echarts.min.js LICENSE NOTICE
mkdir -p "$DEST/tabler-icons" && cp "$M/@tabler/icons/LICENSE" "$DEST/tabler-icons/"
node -e '
const fs = require("fs"), [dir, out, ...names] = process.argv.slice(1);
const symbols = names.map((n) => {
  const svg = fs.readFileSync(`${dir}/${n}.svg`, "utf8");
  const body = svg.replace(/^[\s\S]*?>/, "").replace(/<\/svg>\s*$/, "").replace(/<path stroke="none"[^>]*\/>/, "");
  return `<symbol id="${n}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body.replace(/\s+/g, " ").trim()}</symbol>`;
});
fs.writeFileSync(out, `<svg xmlns="http://www.w3.org/2000/svg">${symbols.join("")}</svg>\n`);
' "$M/@tabler/icons/icons/outline" "$DEST/tabler-icons/sprite.svg" $ICON_NAMES
# Source-map comments would make browsers ask for files we do not ship.
sed -i '/sourceMappingURL=/d' "$DEST"/*/*.js "$DEST"/*/*.css
ls -l "$DEST"/*/*

#!/bin/sh
# The demo's picture drawn in Sixel by a real terminal: xterm as a VT340 (which answers DA1 with
# Sixel and gives its cells' pixel size), on a virtual X display, the demo opened and moved to the
# post with the picture; the window saved as screenshots/sixel-xterm.png. Textual's own
# screenshots (SVG) cannot show Sixel: this is what a person sees in a Sixel terminal.
#
#   apt-get install xterm xvfb xdotool x11-apps netpbm fonts-dejavu-core   (Debian)
#   sh scripts/sixel_in_xterm.sh [OUT.png]
#
# xterm ignores synthetic key events unless allowSendEvents is set, as here; nothing else of the
# user's X setup is read (a display of its own, :97 unless taken).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/screenshots/sixel-xterm.png}
blogtui=${BLOGTUI:-$here/.venv/bin/blogtui}
for tool in xterm Xvfb xdotool xwd xwdtopnm pnmtopng; do
    command -v "$tool" >/dev/null || { echo "sixel_in_xterm: $tool is not installed (see the script's head)" >&2; exit 2; }
done
display=:97
[ -e /tmp/.X11-unix/X97 ] && display=:96
work=$(mktemp -d)
Xvfb "$display" -screen 0 1300x860x24 >"$work/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1
cat >"$work/demo.sh" <<EOF
#!/bin/sh
exec env BLOGTUI_CONFIG_DIR="$work" "$blogtui" demo
EOF
chmod +x "$work/demo.sh"
DISPLAY=$display xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*allowSendEvents: true' \
    -geometry 120x40 -fa 'DejaVu Sans Mono' -fs 10 -e "$work/demo.sh" &
sleep 6
window=$(DISPLAY=$display xdotool search --class xterm | head -1)
# "Raised beds in a small yard", the ninth post, holds the picture.
for _ in 1 2 3 4 5 6 7 8; do
    DISPLAY=$display xdotool key --window "$window" j 2>/dev/null
    sleep 0.2
done
sleep 2
DISPLAY=$display xwd -id "$window" -silent | xwdtopnm 2>/dev/null | pnmtopng -compression 9 >"$out"
DISPLAY=$display xdotool key --window "$window" q 2>/dev/null || true
sleep 1
echo "$out"

#!/bin/sh
# The demo's picture drawn in Sixel by a real terminal: xterm as a VT340 (which answers DA1 with
# Sixel and gives its cells' pixel size), on a virtual X display, the demo opened and moved to the
# post with the picture; the window saved as screenshots/sixel-xterm.png. Textual's own
# screenshots (SVG) cannot show Sixel: this is what a person sees in a Sixel terminal.
#
#   apt-get install xterm xvfb xdotool x11-apps netpbm fonts-dejavu-core   (Debian)
#   sh scripts/sixel_in_xterm.sh [OUT.png]
#
# Each step waits for what it needs (the window, the app's first screen, the picture), never a
# fixed time: a loaded machine is only slower. xterm ignores synthetic key events unless
# allowSendEvents is set, as here; nothing else of the user's X setup is read (a display of its
# own, a free one Xvfb picks). Exit 1 when the demo or its picture does not come within its time (the
# window is saved), 2 when a tool is missing, 3 when Xvfb or xterm cannot start here.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/screenshots/sixel-xterm.png}
blogtui=${BLOGTUI:-$here/.venv/bin/blogtui}
python=${PYTHON:-$(dirname "$blogtui")/python}
for tool in xterm Xvfb xdotool xwd xwdtopnm pnmtopng; do
    command -v "$tool" >/dev/null || { echo "sixel_in_xterm: $tool is not installed (see the script's head)" >&2; exit 2; }
done
work=$(mktemp -d)
# Xvfb picks a free display and writes its number to fd 9 (-displayfd): no display of another
# X server (or of one still going away) is taken for ours.
Xvfb -displayfd 9 -screen 0 1300x860x24 9>"$work/display" >"$work/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/demo.sh" <<EOF
#!/bin/sh
exec env BLOGTUI_CONFIG_DIR="$work" "$blogtui" demo
EOF
chmod +x "$work/demo.sh"

# Wait up to $1 seconds for `$2` (a shell command) to succeed.
wait_for() {
    tries=$(($1 * 5))
    while [ "$tries" -gt 0 ]; do
        if eval "$2" >/dev/null 2>&1; then return 0; fi
        tries=$((tries - 1))
        sleep 0.2
    done
    return 1
}
shot() { DISPLAY=$display xwd -id "$window" -silent | xwdtopnm 2>/dev/null | pnmtopng -compression 9 >"$1"; }
# Whether the window saved in $1 shows the app (many colours), or the picture (a row of its sky).
shows() {
    shot "$work/now.png"
    "$python" - "$work/now.png" "$1" <<'EOF'
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
if sys.argv[2] == "app":
    sys.exit(0 if len(image.getcolors(1 << 16) or range(99)) > 8 else 1)
sky, pixels = (165, 200, 232), image.load()
for y in range(image.height):
    run = 0
    for x in range(image.width):
        near = max(abs(a - b) for a, b in zip(pixels[x, y], sky)) < 24
        run = run + 1 if near else 0
        if run >= 200:
            sys.exit(0)
sys.exit(1)
EOF
}

wait_for 20 "[ -s '$work/display' ]" || { echo "sixel_in_xterm: Xvfb did not start" >&2; exit 3; }
display=:$(head -1 "$work/display")
wait_for 20 "DISPLAY=$display xdotool getdisplaygeometry" || { echo "sixel_in_xterm: Xvfb did not start" >&2; exit 3; }
# xterm now and then cannot open a display that has just come up ("Can't open display"): it is
# started again, up to three times, as soon as it has gone without a window.
window_or_gone() {
    DISPLAY=$display xdotool search --class xterm >/dev/null 2>&1 || ! kill -0 "$term" 2>/dev/null
}
for try in 1 2 3; do
    DISPLAY=$display xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*allowSendEvents: true' \
        -geometry 120x40 -fa 'DejaVu Sans Mono' -fs 10 -e "$work/demo.sh" &
    term=$!
    wait_for 20 window_or_gone || break
    DISPLAY=$display xdotool search --class xterm >/dev/null 2>&1 && break
    [ "$try" = 3 ] || sleep 0.5
done
DISPLAY=$display xdotool search --class xterm >/dev/null 2>&1 || { echo "sixel_in_xterm: no xterm window" >&2; exit 3; }
window=$(DISPLAY=$display xdotool search --class xterm | head -1)
status=0
if wait_for 60 "shows app"; then
    # "Raised beds in a small yard", the ninth post, holds the picture: from the top, eight posts
    # down (again from the top if keys came before the list could take them, a loaded machine).
    for attempt in 1 2 3; do
        sleep 1
        for key in g j j j j j j j j; do
            DISPLAY=$display xdotool key --window "$window" "$key" 2>/dev/null
            sleep 0.2
        done
        if wait_for 20 "shows picture"; then break; fi
        [ "$attempt" = 3 ] && { echo "sixel_in_xterm: the picture did not show" >&2; status=1; }
    done
    sleep 1  # every line of it
else
    echo "sixel_in_xterm: the demo did not start" >&2
    status=1
fi
shot "$out"
DISPLAY=$display xdotool key --window "$window" q 2>/dev/null || true
sleep 1
echo "$out"
exit $status

#!/usr/bin/env bash
# screenshots/make.sh: PNGs of glassbox from real runs, one per theme and view.
# Each run happens in a private tmux server at a fixed size; keys are sent as
# a user would type them; then
#   tmux capture-pane -e -p -N  →  ansi_resolve.py (xterm palette, terminal
#   default colours, reverse video made explicit)  →  aha (HTML)  →
#   wkhtmltoimage (PNG, QT_QPA_PLATFORM=offscreen, DejaVu Sans Mono)  →
#   pngquant (a 256-colour palette: ~10x smaller, no visible change for text)
#
# usage: screenshots/make.sh [--preview] [--theme NAME]... [OUTDIR]
#   --preview   only the theme previews (gb-theme-preview: every role of each
#               theme in a still of the layout; needs no sandbox)
#   --theme     limit to these themes (default: dark light high-contrast mono)
#   OUTDIR      where the PNGs go (default: screenshots/)
# Views of the TUI: main (layout after a few commands), help, denied (a write
# refused by the jail), network (curl through the proxy: one allowed request
# to a local server, one denied), changes (the Changes pane and a diff).
# Needs tmux, aha, wkhtmltoimage, pngquant, python3 and fonts-dejavu-core
# (scripts/bootstrap screenshots installs them). The test suite does not use this.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${BUILD:-$repo/build}
glassbox=${GLASSBOX:-$build/glassbox}
cols=${COLS:-120}
rows=${ROWS:-36}
preview_only=0
themes=()
outdir=$here

while [ $# -gt 0 ]; do
	case "$1" in
	--preview) preview_only=1 ;;
	--theme) themes+=("$2"); shift ;;
	--theme=*) themes+=("${1#--theme=}") ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "make.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) outdir=$1 ;;
	esac
	shift
done
[ ${#themes[@]} -gt 0 ] || themes=(dark light high-contrast mono)

for tool in tmux aha wkhtmltoimage pngquant python3; do
	command -v "$tool" >/dev/null || {
		echo "make.sh: $tool is missing; run scripts/bootstrap screenshots" >&2
		exit 2
	}
done
mkdir -p "$outdir"
work=$(mktemp -d /tmp/gb-shots.XXXXXX)
run=0 # each run gets a tmux server of its own (a dying one may still hold the old socket)
tmux_() { tmux -L "gb-shots-$$-$run" -f /dev/null "$@"; }
cleanup() {
	tmux_ kill-server 2>/dev/null || true
	if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# The terminal the shot pretends to be: default colours per theme.
terminal_colours() { # THEME -> "FG BG"
	case "$1" in
	light) echo "#000000 #ffffff" ;;
	*) echo "#e5e5e5 #000000" ;;
	esac
}

# start_run NAME CMD...: a fresh tmux server running CMD at cols x rows.
start_run() {
	local name=$1
	shift
	tmux_ kill-server 2>/dev/null || true
	run=$((run + 1))
	tmux_ -2 new-session -d -s shot -x "$cols" -y "$rows" \
		-e TERM=tmux-256color -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e GLASSBOX_THEME_DIR="$repo/themes" "$@"
	tmux_ set -g status off
	tmux_ set -g default-terminal tmux-256color
	echo "make.sh: $name" >&2
}

# wait_for TEXT [SECONDS]: until TEXT is on the screen.
wait_for() {
	local text=$1 limit=${2:-15} i
	for ((i = 0; i < limit * 10; i++)); do
		tmux_ capture-pane -p -t shot 2>/dev/null | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	echo "make.sh: gave up waiting for '$text'; the screen was:" >&2
	tmux_ capture-pane -p -t shot >&2 || true
	return 1
}

keys() { tmux_ send-keys -t shot "$@"; }

# shoot THEME OUT.png: the current screen as a PNG.
shoot() {
	local theme=$1 png=$2 fg bg
	read -r fg bg < <(terminal_colours "$theme")
	sleep 0.5 # let the last frame land
	tmux_ capture-pane -e -p -N -t shot >"$work/screen.ansi"
	python3 "$here/ansi_resolve.py" "$fg" "$bg" <"$work/screen.ansi" >"$work/screen.sgr"
	{
		printf '<html><head><meta charset="utf-8"><style>'
		printf 'body{margin:0;background:%s}' "$bg"
		printf 'pre{margin:0;padding:6px;font-family:"DejaVu Sans Mono",monospace;font-size:14px;line-height:16px}'
		printf '</style></head><body><pre>'
		aha --no-header <"$work/screen.sgr"
		printf '</pre></body></html>\n'
	} >"$work/screen.html"
	# DejaVu Sans Mono advances 0.602 em: 8.43 px a column at 14 px
	local width=$(((cols * 843 + 99) / 100 + 12))
	QT_QPA_PLATFORM=offscreen wkhtmltoimage -q --width "$width" --disable-smart-width \
		--format png "$work/screen.html" "$work/screen.png" 2>"$work/wk.err" || {
		cat "$work/wk.err" >&2
		return 1
	}
	pngquant --force --speed 1 --strip --output "$png" 256 "$work/screen.png"
	echo "make.sh: wrote $png ($(($(stat -c %s "$png") / 1024)) KiB)" >&2
}

preview() { # THEME
	local theme=$1
	[ -x "$build/gb-theme-preview" ] || cmake --build "$build" --target gb-theme-preview >/dev/null
	start_run "preview $theme" "$build/gb-theme-preview" "$theme"
	wait_for "F10"
	shoot "$theme" "$outdir/preview-$theme.png"
}

for theme in "${themes[@]}"; do
	preview "$theme"
done
[ "$preview_only" = 1 ] && exit 0

help=$("$glassbox" -h 2>&1 || true)
if [[ $help != *--theme* ]]; then
	echo "make.sh: $glassbox has no TUI yet; only the previews were made" >&2
	exit 0
fi

# A web server on a loopback address of its own, for the network view.
site=$work/site
mkdir -p "$site"
printf 'hello from a local server\n' >"$site/index.html"
port=$((20000 + $$ % 20000))
python3 -m http.server --bind 127.0.0.2 "$port" --directory "$site" >/dev/null 2>&1 &
server_pid=$!
for ((i = 0; i < 100; i++)); do
	curl -sf "http://127.0.0.2:$port/" >/dev/null && break
	sleep 0.1
done

# tui_views THEME: one real session per theme; the shots follow its story.
tui_views() {
	local theme=$1 proj=$work/$1/project
	rm -rf "${work:?}/$theme"
	mkdir -p "$proj/src"
	printf 'hello\nworld\n' >"$proj/notes.md"
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$proj/src/main.c"
	printf '#!/bin/sh\necho build\n' >"$proj/build.sh"
	chmod +x "$proj/build.sh"
	printf 'old\n' >"$proj/old.txt"
	# shellcheck disable=SC2016 # expanded by the inner bash
	start_run "tui $theme" bash -c 'cd "$1" && shift && exec "$@"' - "$proj" \
		"$glassbox" --theme "$theme" --snapshot --allow-net=127.0.0.2 --env 'PS1=\W $ ' \
		--tui -- bash --norc --noprofile
	wait_for '$ '
	keys 'ls --color=always' Enter
	keys "curl -s http://127.0.0.2:$port/" Enter
	wait_for 'hello from a local server'
	keys 'curl -sI http://example.com/ | head -1' Enter
	wait_for 'HTTP/1.1 403'
	keys 'echo hi > /etc/motd' Enter
	wait_for 'Read-only file system'
	keys "printf '\\treturn 1;\\n}\\n' >> src/main.c; echo more >> notes.md; rm old.txt; echo '// new' > src/new.c" Enter
	wait_for 'Changes 4'
	shoot "$theme" "$outdir/$theme-main.png"

	keys F1
	wait_for 'Everywhere'
	shoot "$theme" "$outdir/$theme-help.png"
	keys Escape

	keys M-3 # Denied: the write to /etc/motd
	sleep 0.3
	tmux_ capture-pane -p -t shot | grep -q 'nothing denied yet' || keys Enter
	shoot "$theme" "$outdir/$theme-denied.png"
	keys Escape

	keys M-2 # Network: one request allowed, one denied
	sleep 0.3
	shoot "$theme" "$outdir/$theme-network.png"
	keys Escape

	keys M-4 Home Down Down # Changes: the modified src/main.c ...
	sleep 0.3
	keys Enter # ... and its diff
	wait_for '@@'
	shoot "$theme" "$outdir/$theme-changes-diff.png"
	tmux_ kill-server
}

for theme in "${themes[@]}"; do
	tui_views "$theme"
done

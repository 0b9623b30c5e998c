# tests/e2e/tmux.sh: driving a program in a private tmux server (sourced
# after lib.sh). The server runs as the test user, with no config
# (-f /dev/null), on socket gbe.$$ under $TMUX_TMPDIR (set through GB_ENV).
# The pane runs the program, then prints GB-EXIT=<status> and waits, so the
# status and the restored screen can be read after it ends.

GOLDEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/golden
TMUX_SOCK=gbe.$$
# The prompt of the sandboxed shell in every TUI test, and a regex for it.
PS='gb$ '
PS_RE='gb[$]'

tmux_cmd() { run_as tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

tmux_start() { # COLS ROWS CMD...
	local cols=$1 rows=$2
	shift 2
	local q
	q=$(printf '%q ' "$@")
	tmux_cmd new-session -d -x "$cols" -y "$rows" \
		"$q; echo GB-EXIT=\$?; sleep 600" \; set-option -g status off >/dev/null
}

tmux_kill() { tmux_cmd kill-server 2>/dev/null; }

tmux_keys() { # KEY... (tmux key names; each argument one send-keys call)
	local k
	for k in "$@"; do
		tmux_cmd send-keys -t 0 -- "$k"
		# a lone Escape must not run into the next key (that reads as Alt-key)
		if [ "$k" = Escape ]; then sleep 0.15; else sleep 0.05; fi
	done
}

# tmux_click X Y: a left click (press and release) at column X, row Y
# (0-based), as the X10 mouse report a TERM=screen terminal sends; X and Y
# below 95.
tmux_click() {
	local cx cy
	cx=$(printf "\\$(printf %o $((33 + $1)))")
	cy=$(printf "\\$(printf %o $((33 + $2)))")
	tmux_cmd send-keys -t 0 -l $'\e[M '"$cx$cy"
	sleep 0.05
	tmux_cmd send-keys -t 0 -l $'\e[M#'"$cx$cy"
	sleep 0.1
}

tmux_resize() { tmux_cmd resize-window -t 0 -x "$1" -y "$2"; sleep 0.3; }

tmux_alt_on() { tmux_cmd display-message -p -t 0 '#{alternate_on}'; }

# The screen as text, normalised: session id, clock times, CPU and memory,
# ports of the test server, byte counts.
tmux_screen() {
	tmux_cmd capture-pane -p -t 0 "$@" | sed -E \
		-e 's/glassbox [0-9a-f]{12}/glassbox SESSION/' \
		-e 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/HH:MM:SS/g' \
		-e 's/cpu [0-9]+% mem [0-9.]+M/cpu N% mem NM/' \
		-e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' \
		-e 's/[0-9.]+[BKM] up [0-9.]+[BKM] down/N up N down/' \
		-e 's/[[:space:]]+$//'
}

# tmux_wait [-v] REGEX [SECONDS]: until the normalised screen matches
# (grep -E), or with -v until it no longer does.
tmux_wait() {
	local i v=""
	[ "$1" = -v ] && { v=-v; shift; }
	for ((i = 0; i < ${2:-5} * 10; i++)); do
		if [ -n "$v" ]; then
			tmux_screen | grep -qE -- "$1" || return 0
		else
			tmux_screen | grep -qE -- "$1" && return 0
		fi
		sleep 0.1
	done
	return 1
}

# golden NAME: the screen against golden/NAME.txt (after a short settle).
golden() {
	sleep 0.3
	local got want=$GOLDEN_DIR/$1.txt
	got=$(tmux_screen)
	if [ "${GB_UPDATE_GOLDEN:-0}" = 1 ]; then
		printf '%s\n' "$got" >"$want"
		note "wrote $want"
		return
	fi
	if [ "$got" == "$(cat "$want" 2>/dev/null)" ]; then
		ok "screen matches golden/$1.txt"
	else
		fail "screen matches golden/$1.txt" "$(diff -u "$want" <(printf '%s\n' "$got") | head -60)"
	fi
}

# The shell used everywhere: dash with a fixed prompt, the same for every user.
start_gb() { # COLS ROWS GLASSBOX-ARGS...
	local cols=$1 rows=$2
	shift 2
	GB_ENV=(SHELL=/bin/sh TMUX_TMPDIR="$UD/tmux")
	tmux_start "$cols" "$rows" "$GB_BIN" --env "PS1=$PS" "$@"
}

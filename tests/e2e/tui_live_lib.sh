# tests/e2e/tui_live_lib.sh: what the tests of the TUI's live features
# (tui_live.sh, tui_ask.sh) share, sourced first: the harness, two
# python3 http.servers on 127.0.0.7 and .8 (ports P7, P8) serving
# hello.txt, and try (start_gb is in tmux.sh).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
. "$(dirname "$0")/../integration/live_lib.sh"

WWW=$TROOT/www
mkdir -p "$WWW"
echo "hello from www" >"$WWW/hello.txt"
chmod -R a+rX "$WWW"
http_server 127.0.0.7 "$WWW" || exit 1
P7=$PORT
http_server 127.0.0.8 "$WWW" || exit 1
P8=$PORT

# try NAME CMD: types CMD; echo NAME-ok or NAME-no, waits for it; sets TRY.
try() {
	tmux_keys "clear; $2 && echo $1-ok || echo $1-no" Enter
	TRY=""
	if tmux_wait "^│$1-(ok|no)" 10; then
		TRY=$(tmux_screen | grep -oE "^│$1-(ok|no)" | head -1)
		TRY=${TRY#│$1-}
	fi
}


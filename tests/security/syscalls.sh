#!/bin/bash
# Kernel attack surface refused from inside: mount and the new mount API,
# namespaces (unshare, clone, setns), pivot_root, chroot, ptrace,
# process_vm_readv, /proc/1/mem, keyrings, bpf, perf_event_open,
# userfaultfd, io_uring, kexec, modules, personality, the i386 ABI, clone3
# (ENOSYS, while fork keeps working). Each attempt first runs on the host as a
# positive control (wrapped in `unshare` where it needs privileges), so a
# BLOCKED inside means the sandbox refused it, not that the probe is blind.
. "$(dirname "$0")/../lib.sh"

# attempt NAME CONTROL PROBE_ARGS...
# CONTROL: "host" = same probe on the host must escape; "unshare:FLAGS" = on
# the host inside `unshare FLAGS` must escape; "root" = host control only as
# root; "soft" = run the control and only note its result (kernel may lack
# the feature); "-" = none.
attempt() {
	local name=$1 control=$2
	shift 2
	case $control in
	host) hostrun "$PROBE_BIN" "$@"; assert_escaped "control for: $name" ;;
	unshare:*) hostrun unshare ${control#unshare:} "$PROBE_BIN" "$@"; assert_escaped "control for: $name" ;;
	root) if [ "$CUR_UID" = 0 ]; then hostrun "$PROBE_BIN" "$@"; assert_escaped "control for: $name"; fi ;;
	soft) hostrun "$PROBE_BIN" "$@"; note "host control for $name: $OUT" ;;
	esac
	gbrun -- "$PROBE_BIN" "$@"
	assert_blocked "$name"
}

body() {
	mkdir_user "$W/mnt"
	attempt "mount tmpfs" "unshare:-Urm --propagation private" mount "$W/mnt"
	attempt "mount tmpfs on /tmp" - mount /tmp
	attempt "fsopen (new mount API)" "unshare:-Urm" fsopen
	attempt "open_tree(OPEN_TREE_CLONE)" "unshare:-Urm" open-tree
	attempt "unshare(CLONE_NEWUSER)" host unshare-user
	attempt "unshare(CLONE_NEWNS)" "unshare:-Ur" unshare-ns
	attempt "unshare(CLONE_NEWNET)" "unshare:-Ur" unshare-net
	attempt "clone(CLONE_NEWUSER)" host clone-user
	attempt "setns into own uts namespace" "unshare:-Urmu" setns /proc/self/ns/uts
	attempt "setns into init's mount namespace" - setns /proc/1/ns/mnt
	attempt "pivot_root" "unshare:-Urm --propagation private" pivot-root
	attempt "chroot" "unshare:-Ur" chroot
	attempt "ptrace(PTRACE_ATTACH) a child" host ptrace-attach
	attempt "ptrace(PTRACE_TRACEME) + PEEKDATA" host ptrace-traceme
	attempt "process_vm_readv of a child" host process-vm-readv
	hostrun "$PROBE_BIN" proc-mem self
	assert_escaped "control for: open /proc/PID/mem"
	attempt "open /proc/1/mem (sandbox init)" - proc-mem 1
	attempt "keyctl" host keyctl
	attempt "add_key" host add-key
	attempt "request_key" host request-key
	attempt "bpf(BPF_MAP_CREATE)" root bpf
	attempt "perf_event_open" host perf-event-open
	attempt "userfaultfd" host userfaultfd
	attempt "io_uring_setup" host io-uring-setup
	attempt "kexec_load" soft kexec-load
	attempt "init_module" soft init-module
	attempt "finit_module" soft finit-module
	attempt "personality(ADDR_NO_RANDOMIZE)" host personality
	attempt "int \$0x80 (i386 getpid)" soft int80
	attempt "setuid(0) / setgroups as uid 0" root setuid0

	# clone3 answers ENOSYS so libcs fall back to clone; fork keeps working.
	hostrun "$PROBE_BIN" clone3
	assert_escaped "control for: clone3 (works on the host, not ENOSYS)"
	gbrun -- "$PROBE_BIN" clone3
	if [ "$RC" = 0 ] && [[ "$OUT" == *ENOSYS* ]]; then ok "clone3 returns ENOSYS inside"
	else fail "clone3 returns ENOSYS inside" "$(last_run)"; fi
	gbrun -- "$PROBE_BIN" fork
	if [ "$RC" = 1 ] && [[ "$OUT" == *"fork works"* ]]; then ok "fork works inside"
	else fail "fork works inside" "$(last_run)"; fi
	gbrun -- /bin/sh -c '/bin/echo a | /usr/bin/tr a b; /usr/bin/python3 -c "import subprocess; print(subprocess.run([\"/bin/echo\", \"c\"], capture_output=True, text=True).stdout.strip())"'
	assert_eq "pipelines and subprocess (posix_spawn/clone) work" "b c" "$(echo $OUT)"
	gbrun -- /usr/bin/python3 -c 'import threading; t = threading.Thread(target=print, args=("thread-ok",)); t.start(); t.join()'
	assert_eq "threads work inside" thread-ok "$OUT"

	# The filter stays on across execve and is inherited by children.
	gbrun -- /bin/sh -c "/bin/sh -c 'exec $PROBE_BIN unshare-user'"
	assert_blocked "unshare from a grandchild after two execs"
	# A nested glassbox cannot build a jail (namespaces refused) and says so.
	gbrun -- "$GB_BIN" -- /bin/true
	if [ "$RC" = 125 ]; then ok "nested glassbox refuses to run weaker (125: $ERR)"
	else fail "nested glassbox refuses to run weaker" "expected 125 (no user namespaces inside)" "$(last_run)"; fi
}

for_each_user body
finish

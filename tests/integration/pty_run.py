#!/usr/bin/python3
"""pty_run.py: run a command on a fresh pseudo-terminal and script it.

    pty_run.py [--rows R] [--cols C] [--timeout S] [--stdin-null] STEP... -- CMD ARG...

Steps, run in order:
    expect:TEXT   wait until TEXT appears in the output (after the last match)
    send:TEXT     write TEXT to the terminal (\\n, \\r, \\x03 ... are decoded)
    resize:R:C    set the terminal size (the kernel sends SIGWINCH)
    sleep:S       sleep S seconds
    wait          wait for the command to exit (implicit at the end)

The command's output is printed (CR removed) on stdout; the exit status is the
command's (128+N for a signal), 124 when an expect or the whole run times out
(the output so far is printed, and "pty_run: timeout waiting for ..." goes to
stderr). With --stdin-null the command's stdin is /dev/null and only stdout and
stderr are the terminal (it still becomes the controlling terminal).
"""
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def decode(s):
    return s.encode().decode("unicode_escape").encode("latin-1")


def main():
    args = sys.argv[1:]
    rows, cols, timeout, stdin_null = 24, 80, 30.0, False
    steps = []
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--rows":
            rows = int(args.pop(0))
        elif a == "--cols":
            cols = int(args.pop(0))
        elif a == "--timeout":
            timeout = float(args.pop(0))
        elif a == "--stdin-null":
            stdin_null = True
        else:
            steps.append(a)
    if not args:
        print("usage: pty_run.py [opts] STEP... -- CMD", file=sys.stderr)
        return 2
    cmd = args[1:]

    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        if stdin_null:
            nul = os.open("/dev/null", os.O_RDONLY)
            os.dup2(nul, 0)
        else:
            os.dup2(slave, 0)
        os.dup2(slave, 1)
        os.dup2(slave, 2)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            os.write(2, ("exec %s: %s\n" % (cmd[0], e)).encode())
            os._exit(127)
    os.close(slave)

    deadline = time.monotonic() + timeout
    out = bytearray()
    pos = 0
    eof = False

    def pump(wait):
        nonlocal eof
        if eof:
            time.sleep(min(wait, 0.05))
            return
        r, _, _ = select.select([master], [], [], wait)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                eof = True
            out.extend(data)

    def finish(status, why=None):
        sys.stdout.write(out.replace(b"\r", b"").decode("utf-8", "replace"))
        sys.stdout.flush()
        if why:
            sys.stderr.write("pty_run: %s\n" % why)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return status

    for st in steps:
        if st.startswith("expect:"):
            want = decode(st[7:])
            while True:
                i = out.find(want, pos)
                if i >= 0:
                    pos = i + len(want)
                    break
                if time.monotonic() > deadline or eof:
                    return finish(124, "timeout waiting for %r" % want)
                pump(0.1)
        elif st.startswith("send:"):
            os.write(master, decode(st[5:]))
        elif st.startswith("resize:"):
            _, r, c = st.split(":")
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
        elif st.startswith("sleep:"):
            end = time.monotonic() + float(st[6:])
            while time.monotonic() < end:
                pump(0.05)
        elif st == "wait":
            pass
        else:
            print("pty_run: bad step %s" % st, file=sys.stderr)
            return 2

    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            # drain what is left
            t_end = time.monotonic() + 1.0
            while not eof and time.monotonic() < t_end:
                pump(0.05)
            if os.WIFSIGNALED(status):
                return finish(128 + os.WTERMSIG(status))
            return finish(os.WEXITSTATUS(status))
        if time.monotonic() > deadline:
            return finish(124, "timeout waiting for the command to exit")
        pump(0.05)


if __name__ == "__main__":
    sys.exit(main())

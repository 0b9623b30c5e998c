#!/usr/bin/env python3
"""tree.py: tree helpers for the snapshot integration tests.

  tree.py list DIR                 full listing: path, type, mode, sha256/target
  tree.py make DIR DIRS FILES      DIRS directories x FILES files of 1-20 KB
  tree.py mutate DIR SEED N        N changes of every kind (stable for a SEED)
  tree.py between OLD NEW NOW      each path of NOW is as in OLD or as in NEW
                                   (listings from `list`); exit 1 otherwise
"""
import hashlib
import json
import os
import random
import stat
import sys


def listing(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ["l", mode, os.readlink(p)]
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ["d", mode, ""]
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                out[rel] = ["f", mode, h.hexdigest()]
            else:
                out[rel] = ["o", mode, ""]
    return out


def make(root, dirs, files):
    rnd = random.Random(1)
    for d in range(dirs):
        dp = os.path.join(root, "d%03d" % d)
        os.makedirs(dp, exist_ok=True)
        for f in range(files):
            size = rnd.randint(1024, 20 * 1024)
            line = ("dir %d file %d " % (d, f)).encode() * 8 + b"\n"
            data = (line * (size // len(line) + 1))[:size]
            with open(os.path.join(dp, "f%03d.txt" % f), "wb") as fh:
                fh.write(data)


def mutate(root, seed, n):
    rnd = random.Random(seed)
    files = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            files.append(os.path.join(dirpath, name))
    files.sort()
    rnd.shuffle(files)
    for i, p in enumerate(files[:n]):
        k = i % 5
        if k == 0:
            os.remove(p)
        elif k == 1:
            with open(p, "ab") as f:
                f.write(b"changed %d\n" % seed)
        elif k == 2:
            os.chmod(p, 0o600)
        elif k == 3:
            os.remove(p)
            os.symlink("elsewhere-%d" % seed, p)
        else:
            os.remove(p)
            os.mkdir(p)
            with open(os.path.join(p, "inner"), "w") as f:
                f.write("x")
    for i in range(n // 5):
        d = os.path.join(root, "new%d-%d" % (seed, i))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "n"), "w") as f:
            f.write("new")


def main():
    cmd = sys.argv[1]
    if cmd == "list":
        for k, v in sorted(listing(sys.argv[2]).items()):
            print(json.dumps([k] + v))
    elif cmd == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "mutate":
        mutate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "between":
        def load(p):
            with open(p) as f:
                return {r[0]: r[1:] for r in map(json.loads, f)}
        old, new, now = (load(p) for p in sys.argv[2:5])
        bad = []
        for path in set(old) | set(new) | set(now):
            if ".glassbox-restore-" in path:
                continue  # a journaled temp: removed by the next restore
            got = now.get(path)
            if got != old.get(path) and got != new.get(path):
                # a directory's mode is set last: its content decides
                if got and got[0] == "d" and (old.get(path, [""])[0] == "d" or
                                              new.get(path, [""])[0] == "d"):
                    continue
                bad.append("%s: now %s, before %s, restored %s" %
                           (path, got, old.get(path), new.get(path)))
        if bad:
            print("\n".join(sorted(bad)[:20]))
            sys.exit(1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

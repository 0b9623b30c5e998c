#!/usr/bin/env python3
"""ansi_resolve: turns `tmux capture-pane -e -p` output into text whose SGR
codes aha renders exactly as a terminal would: the 16 palette colours and the
256-colour indexes become xterm's RGB values, the default colours become the
given terminal colours, and reverse video is applied by swapping the resolved
colours (aha's own palette has no bright colours a PNG renderer can show and
its reverse ignores colours). Only bold and underline pass through.

usage: ansi_resolve.py FG BG < capture > resolved     (FG, BG: #RRGGBB)"""
import re
import sys

BASE16 = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
          (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
          (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
CUBE = [0, 95, 135, 175, 215, 255]


def rgb256(i):
    if i < 16:
        return BASE16[i]
    if i < 232:
        i -= 16
        return (CUBE[i // 36], CUBE[(i // 6) % 6], CUBE[i % 6])
    v = 8 + 10 * (i - 232)
    return (v, v, v)


def hexrgb(s):
    s = s.lstrip('#')
    return tuple(int(s[k:k + 2], 16) for k in (0, 2, 4))


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None  # None: the terminal's default
        self.bold = self.underline = self.reverse = False

    def apply(self, params):
        p = [int(x) if x else 0 for x in params.split(';')] if params else [0]
        i = 0
        while i < len(p):
            c = p[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = rgb256(c - 30)
            elif 90 <= c <= 97:
                self.fg = rgb256(c - 90 + 8)
            elif 40 <= c <= 47:
                self.bg = rgb256(c - 40)
            elif 100 <= c <= 107:
                self.bg = rgb256(c - 100 + 8)
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(p):
                colour = None
                if p[i + 1] == 5 and i + 2 < len(p):
                    colour = rgb256(p[i + 2] & 255)
                    i += 2
                elif p[i + 1] == 2 and i + 4 < len(p):
                    colour = tuple(v & 255 for v in p[i + 2:i + 5])
                    i += 4
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def sgr(self, deffg, defbg):
        fg = self.fg or deffg
        bg = self.bg or defbg
        if self.reverse:
            fg, bg = bg, fg
        codes = ['0']
        if self.bold:
            codes.append('1')
        if self.underline:
            codes.append('4')
        codes.append('38;2;%d;%d;%d' % fg)
        codes.append('48;2;%d;%d;%d' % bg)
        return '\x1b[' + ';'.join(codes) + 'm'


def main():
    deffg, defbg = hexrgb(sys.argv[1]), hexrgb(sys.argv[2])
    pen = Pen()
    out = []
    for line in sys.stdin.read().split('\n'):
        # every line starts from the pen of the last one, as in the terminal
        parts = re.split(r'\x1b\[([0-9;]*)m', line)
        text = [pen.sgr(deffg, defbg)]
        for k, part in enumerate(parts):
            if k % 2:
                pen.apply(part)
                text.append(pen.sgr(deffg, defbg))
            else:
                text.append(re.sub(r'\x1b[^a-zA-Z]*[a-zA-Z]', '', part))
        out.append(''.join(text) + '\x1b[0m')
    sys.stdout.write('\n'.join(out))


if __name__ == '__main__':
    main()

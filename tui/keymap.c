/* keymap: the table of every key the TUI understands, per context, and the
 * help text generated from it (see keymap.h). Adding a binding here is all it
 * takes for the loop to act on it and for `?` to list it. */
#include "keymap.h"
#include "util.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define F(n) (KM_FUNC | KEY_F(n))
#define K(k) (KM_FUNC | (k))

const struct key_binding keymap[] = {
	{ KM_ALWAYS, F(1), ACT_HELP, "help (this screen)" },
	{ KM_ALWAYS, F(2), ACT_PERMS, "permissions in force" },
	{ KM_ALWAYS, F(3), ACT_SNAPS, "snapshots: checkpoint, list, restore" },
	{ KM_ALWAYS, F(5), ACT_ZOOM, "zoom the focused pane to the full screen / back" },
	{ KM_ALWAYS, F(10), ACT_QUIT, "quit: end the sandboxed shell" },
	{ KM_ALWAYS, KM_ALT | '1', ACT_FOCUS_SHELL, "focus the shell" },
	{ KM_ALWAYS, KM_ALT | '2', ACT_FOCUS_NETWORK, "focus Network" },
	{ KM_ALWAYS, KM_ALT | '3', ACT_FOCUS_DENIED, "focus Denied" },
	{ KM_ALWAYS, KM_ALT | '4', ACT_FOCUS_CHANGES, "focus Changes" },

	{ KM_PREFIX, '\t', ACT_FOCUS_NEXT, "focus the next pane" },
	{ KM_PREFIX, K(KEY_BTAB), ACT_FOCUS_PREV, "focus the previous pane" },
	{ KM_PREFIX, 'o', ACT_FOCUS_NEXT, NULL },
	{ KM_PREFIX, '1', ACT_FOCUS_SHELL, NULL },
	{ KM_PREFIX, '2', ACT_FOCUS_NETWORK, NULL },
	{ KM_PREFIX, '3', ACT_FOCUS_DENIED, NULL },
	{ KM_PREFIX, '4', ACT_FOCUS_CHANGES, NULL },
	{ KM_PREFIX, 'c', ACT_NEW_SHELL, "another sandboxed shell in the same sandbox" },
	{ KM_PREFIX, 'n', ACT_NEXT_SHELL, "show the next shell" },
	{ KM_PREFIX, 'p', ACT_PREV_SHELL, "show the previous shell" },
	{ KM_PREFIX, 'z', ACT_ZOOM, "zoom the focused pane / back" },
	{ KM_PREFIX, '?', ACT_HELP, "help" },
	{ KM_PREFIX, 'P', ACT_PERMS, "permissions" },
	{ KM_PREFIX, 'S', ACT_SNAPS, "snapshots" },
	{ KM_PREFIX, '[', ACT_SCROLL_BACK, "scroll the shell back a page" },
	{ KM_PREFIX, ']', ACT_SCROLL_FORWARD, "scroll the shell forward a page" },
	{ KM_PREFIX, 'q', ACT_QUIT, "quit" },
	{ KM_PREFIX, -2, ACT_SEND_PREFIX, "send the prefix key itself to the shell" },

	{ KM_SHELL, K(KEY_SPREVIOUS), ACT_SCROLL_BACK, "scroll back a page (also the mouse wheel)" },
	{ KM_SHELL, K(KEY_SNEXT), ACT_SCROLL_FORWARD, "scroll forward a page" },

	{ KM_LIST, K(KEY_UP), ACT_UP, "previous entry" },
	{ KM_LIST, K(KEY_DOWN), ACT_DOWN, "next entry" },
	{ KM_LIST, 'k', ACT_UP, NULL },
	{ KM_LIST, 'j', ACT_DOWN, NULL },
	{ KM_LIST, K(KEY_PPAGE), ACT_PAGE_UP, "a page up" },
	{ KM_LIST, K(KEY_NPAGE), ACT_PAGE_DOWN, "a page down" },
	{ KM_LIST, K(KEY_HOME), ACT_TOP, "first entry" },
	{ KM_LIST, K(KEY_END), ACT_BOTTOM, "last entry (follows new ones)" },
	{ KM_LIST, 'g', ACT_TOP, NULL },
	{ KM_LIST, 'G', ACT_BOTTOM, NULL },
	{ KM_LIST, '\r', ACT_OPEN, "details (Network, Denied) or diff (Changes)" },
	{ KM_LIST, '\n', ACT_OPEN, NULL },
	{ KM_LIST, K(KEY_ENTER), ACT_OPEN, NULL },
	{ KM_LIST, '/', ACT_FILTER, "filter the list (Enter keeps it, Esc clears it)" },
	{ KM_LIST, '\t', ACT_FOCUS_NEXT, "focus the next pane" },
	{ KM_LIST, K(KEY_BTAB), ACT_FOCUS_PREV, "focus the previous pane" },
	{ KM_LIST, '?', ACT_HELP, "help" },
	{ KM_LIST, 'z', ACT_ZOOM, NULL },
	{ KM_LIST, 'o', ACT_ASK_ONCE, "Denied, ask mode: allow the top question once (network)" },
	{ KM_LIST, 's', ACT_ASK_SESSION, "Denied, ask mode: allow it for the session (adds the rule)" },
	{ KM_LIST, 'd', ACT_ASK_DENY, "Denied, ask mode: deny it" },
	{ KM_LIST, 27, ACT_CLOSE, "back to the shell" },
	{ KM_LIST, 'q', ACT_CLOSE, NULL },

	{ KM_VIEW, K(KEY_UP), ACT_UP, "scroll up" },
	{ KM_VIEW, K(KEY_DOWN), ACT_DOWN, "scroll down" },
	{ KM_VIEW, 'k', ACT_UP, NULL },
	{ KM_VIEW, 'j', ACT_DOWN, NULL },
	{ KM_VIEW, K(KEY_PPAGE), ACT_PAGE_UP, "a page up" },
	{ KM_VIEW, K(KEY_NPAGE), ACT_PAGE_DOWN, "a page down" },
	{ KM_VIEW, ' ', ACT_PAGE_DOWN, NULL },
	{ KM_VIEW, K(KEY_HOME), ACT_TOP, "top" },
	{ KM_VIEW, K(KEY_END), ACT_BOTTOM, "bottom" },
	{ KM_VIEW, 'c', ACT_CHECKPOINT, "snapshots: record a checkpoint now" },
	{ KM_VIEW, 'n', ACT_SNAP_NAMED, "snapshots: record a named checkpoint (type the name, Enter)" },
	{ KM_VIEW, 'r', ACT_RESTORE, "snapshots: restore the selected checkpoint (shows what changes, asks first)" },
	{ KM_VIEW, 'u', ACT_UNDO_FILE, "diff of a change: restore that file to the start (asks first)" },
	{ KM_VIEW, 'd', ACT_SNAP_DIFF, "snapshots: what changed since the selected checkpoint" },
	{ KM_VIEW, 'a', ACT_ALLOW_NOW, "details (Network, Denied): allow it now, for this session" },
	{ KM_VIEW, 27, ACT_CLOSE, "close" },
	{ KM_VIEW, 'q', ACT_CLOSE, NULL },
	{ KM_VIEW, '\r', ACT_CLOSE, NULL },

	{ KM_PERMS, K(KEY_UP), ACT_UP, "previous rule" },
	{ KM_PERMS, K(KEY_DOWN), ACT_DOWN, "next rule" },
	{ KM_PERMS, 'k', ACT_UP, NULL },
	{ KM_PERMS, 'j', ACT_DOWN, NULL },
	{ KM_PERMS, 'a', ACT_PERM_ADD, "add: type a path (/..., writable) or a host (allowed), Enter applies" },
	{ KM_PERMS, 't', ACT_PERM_TOGGLE, "toggle: write > read-only > deny (paths), allow <> deny (hosts)" },
	{ KM_PERMS, ' ', ACT_PERM_TOGGLE, NULL },
	{ KM_PERMS, 'x', ACT_PERM_REMOVE, "remove the selected rule" },
	{ KM_PERMS, K(KEY_DC), ACT_PERM_REMOVE, NULL },
};
const size_t keymap_len = sizeof keymap / sizeof keymap[0];

enum tui_action keymap_lookup(enum km_context ctx, int key)
{
	for (size_t i = 0; i < keymap_len; i++)
		if (keymap[i].ctx == ctx && keymap[i].key == key)
			return keymap[i].action;
	return ACT_NONE;
}

int keymap_key_for(enum km_context ctx, enum tui_action action)
{
	for (size_t i = 0; i < keymap_len; i++)
		if (keymap[i].ctx == ctx && keymap[i].action == action)
			return keymap[i].key;
	return -1;
}

static const struct {
	int code;
	const char *name;
} func_names[] = {
	{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_LEFT, "Left" }, { KEY_RIGHT, "Right" },
	{ KEY_PPAGE, "PgUp" }, { KEY_NPAGE, "PgDn" }, { KEY_SPREVIOUS, "S-PgUp" },
	{ KEY_SNEXT, "S-PgDn" }, { KEY_HOME, "Home" }, { KEY_END, "End" }, { KEY_BTAB, "S-Tab" },
	{ KEY_ENTER, "Enter" }, { KEY_BACKSPACE, "Backspace" }, { KEY_DC, "Delete" },
	{ KEY_IC, "Insert" },
};

void keymap_key_name(int key, char *buf, size_t len)
{
	const char *alt = key & KM_ALT ? "M-" : "";
	int k = key & ~KM_ALT;
	if (k & KM_FUNC) {
		k &= ~KM_FUNC;
		if (k >= KEY_F(1) && k <= KEY_F(63)) {
			snprintf(buf, len, "%sF%d", alt, k - KEY_F0);
			return;
		}
		for (size_t i = 0; i < sizeof func_names / sizeof func_names[0]; i++)
			if (func_names[i].code == k) {
				snprintf(buf, len, "%s%s", alt, func_names[i].name);
				return;
			}
		snprintf(buf, len, "%skey-%d", alt, k);
		return;
	}
	switch (k) {
	case '\t': snprintf(buf, len, "%sTab", alt); return;
	case '\r': case '\n': snprintf(buf, len, "%sEnter", alt); return;
	case 27: snprintf(buf, len, "%sEsc", alt); return;
	case ' ': snprintf(buf, len, "%sSpace", alt); return;
	case 127: snprintf(buf, len, "%sBackspace", alt); return;
	}
	if (k >= 0 && k < 32) {
		snprintf(buf, len, "%sC-%c", alt, k == 0 ? '@' : k + 'a' - 1 > 'z' ? k + '@' : k + 'a' - 1);
		return;
	}
	char u[8] = {0};
	unsigned c = (unsigned)k;
	if (c < 0x80) {
		u[0] = (char)c;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12), u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
	} else {
		u[0] = (char)(0xf0 | c >> 18), u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f));
	}
	snprintf(buf, len, "%s%s", alt, u);
}

int keymap_parse_key(const char *s)
{
	if (!s || !*s)
		return -1;
	if ((s[0] == 'C' || s[0] == 'c') && s[1] == '-' && s[2] && !s[3]) {
		int c = (unsigned char)s[2];
		if (c >= 'a' && c <= 'z')
			return c - 'a' + 1;
		if (c >= '@' && c <= '_')
			return c - '@';
		return -1;
	}
	if (!s[1] && (unsigned char)s[0] > ' ' && (unsigned char)s[0] < 127)
		return (unsigned char)s[0];
	return -1;
}

static const char *const context_titles[KM__COUNT] = {
	[KM_ALWAYS] = "Everywhere (full-screen programs in the shell, like vim or mc, get the F-keys)",
	[KM_PREFIX] = "After the prefix key, also while the shell has the keyboard:",
	[KM_SHELL] = "In the shell pane (every other key goes to the shell)",
	[KM_LIST] = "In the Network, Denied and Changes panes",
	[KM_VIEW] = "In help, details, diffs and dialogs",
	[KM_PERMS] = "In the Permissions dialog (changes apply to the running shell at once)",
};

char **keymap_help(int prefix_key, size_t *n)
{
	char pname[32];
	keymap_key_name(prefix_key, pname, sizeof pname);
	char **lines = xcalloc(keymap_len + 4 * KM__COUNT + 8, sizeof *lines);
	size_t k = 0;
	lines[k++] = xstrdup("glassbox keys. Mouse: click a pane to focus it, a key-bar label to run it;");
	lines[k++] = xstrdup("the wheel scrolls (the shell's scrollback, or a list).");
	for (int ctx = 0; ctx < KM__COUNT; ctx++) {
		lines[k++] = xstrdup("");
		if (ctx == KM_PREFIX)
			lines[k++] = xasprintf("After the prefix key %s (it reaches the UI while the shell has the keyboard)", pname);
		else
			lines[k++] = xstrdup(context_titles[ctx]);
		for (size_t i = 0; i < keymap_len; i++) {
			if (keymap[i].ctx != (enum km_context)ctx || !keymap[i].help)
				continue;
			char kname[32];
			if (keymap[i].key == -2)
				snprintf(kname, sizeof kname, "%s", pname);
			else
				keymap_key_name(keymap[i].key, kname, sizeof kname);
			/* aliases bound to the same action are shown next to it */
			char alias[64] = "";
			for (size_t j = i + 1; j < keymap_len; j++) {
				if (keymap[j].ctx == keymap[i].ctx && keymap[j].action == keymap[i].action &&
				    !keymap[j].help) {
					char an[32];
					keymap_key_name(keymap[j].key, an, sizeof an);
					if (strcmp(an, kname) == 0 || strstr(alias, an))
						continue;
					size_t al = strlen(alias);
					snprintf(alias + al, sizeof alias - al, "%s%s", al ? " " : " ", an);
				}
			}
			char keys[96];
			snprintf(keys, sizeof keys, "%s%s", kname, alias);
			lines[k++] = xasprintf("  %-16s %s", keys, keymap[i].help);
		}
	}
	*n = k;
	return lines;
}

void keymap_help_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

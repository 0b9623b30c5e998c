/* status: the status line (session, policy in force, counts, the sandbox's
 * CPU and memory, the last warning) and the htop-style key bar, whose labels
 * come from the keymap and can be clicked.
 *
 * CPU and memory are summed over the sandbox's process tree from /proc (its
 * init, session_sandbox_pid(), and everything below it), sampled only while
 * something else woke the loop or the sandbox was busy at the last sample. */
#include "tui.h"
#include "sanitize.h"
#include "session.h"
#include "snapshot.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void sum_tree(pid_t pid, unsigned long long *ticks, unsigned long long *rss_pages, int depth,
                     int *budget)
{
	if (depth > 32 || --*budget < 0)
		return;
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')'); /* comm may hold spaces */
		unsigned long long ut = 0, st = 0;
		long long rss = 0;
		if (p && sscanf(p + 2,
		                "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
		                "%*u %*u %lld",
		                &ut, &st, &rss) == 3) {
			*ticks += ut + st;
			*rss_pages += rss > 0 ? (unsigned long long)rss : 0;
		}
	}
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char cpath[320];
		snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid, e->d_name);
		FILE *cf = fopen(cpath, "re");
		if (!cf)
			continue;
		int child;
		while (fscanf(cf, "%d", &child) == 1)
			sum_tree(child, ticks, rss_pages, depth + 1, budget);
		fclose(cf);
	}
	closedir(d);
}

bool status_sample(struct tui *t)
{
	uint64_t now = now_mono_ns();
	if (t->cpu_sample_ns && now - t->cpu_sample_ns < 500000000ull)
		return t->cpu_pct > 0.05;
	pid_t init = session_sandbox_pid(t->s);
	unsigned long long ticks = 0, pages = 0;
	int budget = 4096;
	if (init > 0)
		sum_tree(init, &ticks, &pages, 0, &budget);
	if (t->cpu_sample_ns) {
		double secs = (double)(now - t->cpu_sample_ns) / 1e9;
		double hz = (double)sysconf(_SC_CLK_TCK);
		t->cpu_pct = ticks >= t->cpu_ticks_last ? (double)(ticks - t->cpu_ticks_last) / hz / secs * 100 : 0;
	}
	double old_pct = t->cpu_pct;
	unsigned long long old_rss = t->rss_kb;
	t->cpu_ticks_last = ticks;
	t->cpu_sample_ns = now;
	t->rss_kb = pages * (unsigned long long)(sysconf(_SC_PAGESIZE) / 1024);
	/* a frame only when the figures shown change */
	if ((int)(old_pct + 0.5) != (int)(t->cpu_pct + 0.5) || old_rss / 100 != t->rss_kb / 100)
		t->status_dirty = true;
	return t->cpu_pct > 0.05;
}

static void policy_summary(struct tui *t, char *buf, size_t len)
{
	const struct policy *p = session_policy(t->s);
	const char *fs = p->no_sandbox ? "no sandbox"
	                 : p->allow_all || p->allow_write_all ? "write: all"
	                 : p->allow_write.len ? "write: listed"
	                                      : "write: none";
	const char *net = p->allow_all || p->allow_net_all ? "net: public"
	                  : p->allow_net.len ? "net: listed"
	                                     : "net: none";
	snprintf(buf, len, "%s, %s%s", fs, net, session_snapshot(t->s) ? ", snapshot" : "");
}

/* Appends a segment when it fits in width columns (ASCII text). */
static void add_segment(char *buf, size_t len, int width, const char *seg)
{
	size_t used = strlen(buf);
	if ((int)(used + strlen(seg) + 3) <= width && used + strlen(seg) + 4 < len)
		snprintf(buf + used, len - used, "%s%s", used ? " | " : " ", seg);
}

void status_draw(struct tui *t)
{
	char pol[96], seg[160], buf[512] = "";
	const struct list_pane *net = &t->lists[PANE_NETWORK];
	/* in order of importance: what does not fit is left out */
	snprintf(seg, sizeof seg, "glassbox %s", session_id(t->s));
	add_segment(buf, sizeof buf, t->cols, seg);
	if (t->prefix_pending) {
		add_segment(buf, sizeof buf, t->cols, "prefix: waiting for a key");
	} else if (t->message[0]) {
		cleanup_free char *safe = sanitize_str(t->message);
		snprintf(seg, sizeof seg, "%.150s", safe);
		add_segment(buf, sizeof buf, t->cols, seg);
	}
	if (t->asks.n) { /* ask mode: a question waits */
		snprintf(seg, sizeof seg, "ASKING %zu", t->asks.n);
		add_segment(buf, sizeof buf, t->cols, seg);
	}
	snprintf(seg, sizeof seg, "net %zu (%zu denied) | denied %zu | changes %zu", net->n,
	         net->denied, t->lists[PANE_DENIED].n, t->lists[PANE_CHANGES].n);
	add_segment(buf, sizeof buf, t->cols, seg);
	snprintf(seg, sizeof seg, "cpu %.0f%% mem %.1fM", t->cpu_pct, (double)t->rss_kb / 1024);
	add_segment(buf, sizeof buf, t->cols, seg);
	policy_summary(t, pol, sizeof pol);
	add_segment(buf, sizeof buf, t->cols, pol);
	draw_fill(t->status_r.y, 0, t->cols, theme_attr(ROLE_STATUS));
	draw_text(t->status_r.y, 0, t->cols, buf, theme_attr(ROLE_STATUS));
	t->status_dirty = false;
}

static const struct {
	int fkey;
	const char *label;
	enum tui_action action;
} bar[] = {
	{ 1, "Help", ACT_HELP }, { 2, "Perms", ACT_PERMS }, { 3, "Snaps", ACT_SNAPS },
	{ 5, "Zoom", ACT_ZOOM }, { 10, "Quit", ACT_QUIT },
};

/* Each label's columns; the same walk draws and hit-tests. */
static int bar_walk(const struct tui *t, int hit_x, bool draw)
{
	int col = 0;
	for (size_t i = 0; i < sizeof bar / sizeof bar[0]; i++) {
		/* only keys the keymap really binds are shown */
		if (keymap_lookup(KM_ALWAYS, KM_FUNC | KEY_F(bar[i].fkey)) != bar[i].action)
			continue;
		char num[8], label[16];
		snprintf(num, sizeof num, "F%d", bar[i].fkey);
		snprintf(label, sizeof label, "%-6s", bar[i].label);
		int w = (int)strlen(num) + (int)strlen(label);
		if (col + w > t->cols)
			break;
		if (draw) {
			draw_text(t->fkeys_r.y, col, (int)strlen(num), num, theme_attr(ROLE_FKEY_NUM));
			draw_text(t->fkeys_r.y, col + (int)strlen(num), (int)strlen(label), label,
			          theme_attr(ROLE_FKEY_LABEL));
		} else if (hit_x >= col && hit_x < col + w) {
			return (int)bar[i].action;
		}
		col += w;
	}
	return draw ? col : ACT_NONE;
}

void fkeys_draw(struct tui *t)
{
	draw_fill(t->fkeys_r.y, 0, t->cols, theme_attr(ROLE_TEXT));
	int col = bar_walk(t, -1, true);
	char pname[16], hint[96];
	keymap_key_name(t->prefix_key, pname, sizeof pname);
	snprintf(hint, sizeof hint, " prefix %s", pname);
	if (col + (int)strlen(hint) < t->cols)
		draw_text(t->fkeys_r.y, col, t->cols - col, hint, theme_attr(ROLE_MUTED));
}

enum tui_action fkeys_action_at(const struct tui *t, int x)
{
	return (enum tui_action)bar_walk(t, x, false);
}

/* Unit tests for tui/pane_list.c: entries, the selection that follows new
 * entries until the user moves it, the substring filter, paging, titles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tui.h"
#include "util.h"

static struct tui t;
static struct pane p;
static struct list_pane *l;

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof t);
	memset(&p, 0, sizeof p);
	l = &t.lists[PANE_NETWORK];
	list_init(l, PANE_NETWORK, "no network activity yet");
	p.ops = &pane_list_ops;
	p.id = PANE_NETWORK;
	p.name = "Network";
	p.list = l;
	p.inner = (struct rect){ 1, 1, 4, 40 }; /* 4 rows: a page is 3 */
	t.focus = PANE_NETWORK;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	list_free(l);
	return 0;
}

static void add(const char *line)
{
	list_add(l, xstrdup(line), ROLE_TEXT, NULL, 0);
}

static const char *selected(void)
{
	struct list_entry *e = list_selected(l);
	return e ? e->line : NULL;
}

static enum pane_result key(enum tui_action a)
{
	return p.ops->key(&p, &t, a, 0);
}

static void test_follow_and_move(void **state)
{
	(void)state;
	assert_null(selected());
	add("allow a");
	add("deny b");
	add("allow c");
	assert_string_equal(selected(), "allow c"); /* follows */
	assert_int_equal(key(ACT_UP), PANE_REDRAW);
	assert_string_equal(selected(), "deny b");
	add("deny d");
	assert_string_equal(selected(), "deny b"); /* moved away: stays */
	key(ACT_BOTTOM);
	add("allow e");
	assert_string_equal(selected(), "allow e"); /* at the bottom: follows again */
	key(ACT_TOP);
	assert_string_equal(selected(), "allow a");
	key(ACT_UP);
	assert_string_equal(selected(), "allow a"); /* clamped */
	key(ACT_PAGE_DOWN);
	assert_string_equal(selected(), "deny d"); /* 3 down */
	key(ACT_PAGE_DOWN);
	assert_string_equal(selected(), "allow e"); /* clamped at the end */
	assert_int_equal(key(ACT_NONE), PANE_IGNORED);
	assert_int_equal(key(ACT_OPEN), PANE_IGNORED); /* the loop's business */
}

static void test_filter(void **state)
{
	(void)state;
	add("12:00:01 allow GET example.org:443");
	add("12:00:02 deny  GET evil.example:80");
	add("12:00:03 allow GET EXAMPLE.org:80");
	list_set_filter(l, "example.org");
	assert_int_equal(l->nshown, 2); /* case-insensitive */
	assert_string_equal(selected(), "12:00:03 allow GET EXAMPLE.org:80");
	key(ACT_UP);
	assert_string_equal(selected(), "12:00:01 allow GET example.org:443");
	add("12:00:04 deny  GET other:1");
	assert_int_equal(l->nshown, 2); /* new entries are filtered too */
	add("12:00:05 allow GET example.org:8080");
	assert_int_equal(l->nshown, 3);
	list_set_filter(l, "nothing-like-this");
	assert_int_equal(l->nshown, 0);
	assert_null(selected());
	list_set_filter(l, "");
	assert_int_equal(l->nshown, 5);
	assert_string_equal(selected(), "12:00:05 allow GET example.org:8080");
}

static void test_title_and_clear(void **state)
{
	(void)state;
	char title[128];
	p.ops->title(&p, &t, title, sizeof title);
	assert_string_equal(title, "2 Network");
	add("x");
	add("y");
	l->denied = 1;
	p.ops->title(&p, &t, title, sizeof title);
	assert_string_equal(title, "2 Network 2 (1 denied)");
	list_set_filter(l, "x");
	p.ops->title(&p, &t, title, sizeof title);
	assert_string_equal(title, "2 Network 2 (1 denied) [1 shown]");
	list_clear(l);
	assert_int_equal(l->n, 0);
	assert_int_equal(l->denied, 0);
	assert_null(selected());
	/* many entries: storage grows */
	list_set_filter(l, "");
	for (int i = 0; i < 1000; i++)
		add(i % 2 ? "odd" : "even");
	assert_int_equal(l->n, 1000);
	list_set_filter(l, "odd");
	assert_int_equal(l->nshown, 500);
}

/* A flood keeps at most LIST_MAX entries; the title still counts them all. */
static void test_bounded(void **state)
{
	(void)state;
	char buf[32];
	for (int i = 0; i < LIST_MAX + 5; i++) {
		snprintf(buf, sizeof buf, "entry %d", i);
		add(buf);
	}
	assert_true(l->n <= LIST_MAX);
	assert_string_equal(selected(), "entry 10004"); /* still following */
	assert_string_equal(l->v[0].line, "entry 1000"); /* the oldest tenth went */
	char title[128];
	p.ops->title(&p, &t, title, sizeof title);
	assert_string_equal(title, "2 Network 10005");
	/* a selection away from the end stays on its entry when older ones go */
	key(ACT_TOP);
	for (int i = 0; i < 4000; i++)
		key(ACT_DOWN);
	assert_string_equal(selected(), "entry 5000");
	for (int i = 0; i < LIST_MAX / 5; i++)
		add("more");
	assert_string_equal(selected(), "entry 5000");
	assert_string_equal(l->v[0].line, "entry 3000"); /* two more tenths went */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follow_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

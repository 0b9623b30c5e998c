/* Unit tests for tui/ask_queue.c: questions (EV_DECISION data) queue in
 * order and leave when closed, a write's outcome stays as a Denied row, the
 * countdown starts from timeout_s, stops while the user interacts and the
 * paused time is not counted. No session (t.s NULL): the core is not asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "tui.h"
#include "util.h"

static struct tui t;
static struct cli_options opts;

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof t);
	memset(&opts, 0, sizeof opts);
	opts.ask_net = opts.ask_write = true;
	t.o = &opts;
	list_init(&t.lists[PANE_DENIED], PANE_DENIED, "nothing denied yet");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ask_queue_free(&t);
	list_free(&t.lists[PANE_DENIED]);
	return 0;
}

static void event(const char *json)
{
	cJSON *d = cJSON_Parse(json);
	assert_non_null(d);
	ask_queue_event(&t, NULL, d);
	cJSON_Delete(d);
}

static void test_queue_order_and_close(void **state)
{
	(void)state;
	event("{\"id\":\"net-1\",\"state\":\"pending\",\"category\":\"net\",\"what\":\"http\","
	      "\"method\":\"CONNECT\",\"target\":\"127.0.0.7:8080\",\"timeout_s\":30}");
	event("{\"id\":\"write-1\",\"state\":\"pending\",\"category\":\"write\",\"what\":\"create\","
	      "\"target\":\"/w/x\",\"timeout_s\":30}");
	event("{\"id\":\"net-1\",\"state\":\"pending\",\"category\":\"net\"}"); /* no duplicate */
	assert_int_equal(t.asks.n, 2);
	assert_string_equal(t.asks.v[0].id, "net-1");
	assert_string_equal(t.asks.v[0].what, "CONNECT 127.0.0.7:8080");
	assert_false(t.asks.v[0].write);
	assert_string_equal(t.asks.v[1].what, "create /w/x");
	assert_true(t.asks.v[1].write);
	assert_non_null(strstr(t.message, "asked: create /w/x"));

	event("{\"id\":\"write-9\",\"state\":\"timeout\",\"category\":\"write\"}"); /* unknown */
	assert_int_equal(t.asks.n, 2);
	/* a network question closes without a Denied row (Network reports it) */
	event("{\"id\":\"net-1\",\"state\":\"answered\",\"category\":\"net\",\"answer\":\"once\"}");
	assert_int_equal(t.asks.n, 1);
	assert_int_equal(t.lists[PANE_DENIED].n, 0);
	/* a write's outcome stays */
	event("{\"id\":\"write-1\",\"state\":\"timeout\",\"category\":\"write\",\"answer\":\"deny\"}");
	assert_int_equal(t.asks.n, 0);
	assert_int_equal(t.lists[PANE_DENIED].n, 1);
	assert_non_null(strstr(t.lists[PANE_DENIED].v[0].line, "denied (asked, no answer) create /w/x"));
}

static void test_session_outcome_and_escapes(void **state)
{
	(void)state;
	event("{\"id\":\"write-2\",\"state\":\"pending\",\"category\":\"write\",\"what\":\"write\","
	      "\"target\":\"/w/\\u001b[2Jevil\",\"timeout_s\":5}");
	event("{\"id\":\"write-2\",\"state\":\"answered\",\"category\":\"write\",\"answer\":\"session\"}");
	assert_int_equal(t.lists[PANE_DENIED].n, 1);
	const char *line = t.lists[PANE_DENIED].v[0].line;
	assert_non_null(strstr(line, "allowed (asked) write /w/"));
	assert_null(strchr(line, '\033')); /* sanitised */
}

static void test_countdown_and_pause(void **state)
{
	(void)state;
	uint64_t before = now_mono_ns();
	event("{\"id\":\"net-3\",\"state\":\"pending\",\"category\":\"net\",\"target\":\"h:1\","
	      "\"timeout_s\":10}");
	uint64_t d0 = t.asks.v[0].deadline_ns;
	assert_true(d0 >= before + 10000000000ull && d0 <= now_mono_ns() + 10000000000ull);
	uint64_t tick = ask_queue_next_tick(&t);
	assert_true(tick != UINT64_MAX && tick <= now_mono_ns() + 1000000000ull);

	t.asks.interact_ns = now_mono_ns(); /* a key for the UI */
	ask_queue_update_pause(&t);
	assert_true(t.asks.paused);
	/* a question asked while paused starts its clock at the pause */
	event("{\"id\":\"net-4\",\"state\":\"pending\",\"category\":\"net\",\"target\":\"h:2\","
	      "\"timeout_s\":10}");
	assert_int_equal(t.asks.v[1].deadline_ns, t.asks.paused_at + 10000000000ull);
	struct timespec ts = { 0, 200000000 };
	nanosleep(&ts, NULL);
	t.asks.interact_ns = now_mono_ns() - 4000000000ull; /* long ago */
	uint64_t paused_at = t.asks.paused_at;
	ask_queue_update_pause(&t);
	assert_false(t.asks.paused);
	uint64_t shift = t.asks.v[0].deadline_ns - d0;
	assert_true(shift >= 200000000ull);
	assert_true(shift <= now_mono_ns() - paused_at);

	/* an open dialog pauses too, whatever the keys */
	t.view = view_new(VIEW_HELP, "Help");
	ask_queue_update_pause(&t);
	assert_true(t.asks.paused);
	view_free(t.view);
	t.view = NULL;
	ask_queue_update_pause(&t);
	assert_false(t.asks.paused);
}

static void test_not_in_ask_mode(void **state)
{
	(void)state;
	opts.ask_net = opts.ask_write = false;
	t.asks.interact_ns = now_mono_ns();
	ask_queue_update_pause(&t);
	assert_false(t.asks.paused);
	assert_true(ask_queue_next_tick(&t) == UINT64_MAX); /* no wakeups */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_order_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_outcome_and_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_countdown_and_pause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_in_ask_mode, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

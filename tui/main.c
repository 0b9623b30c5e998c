/* main: glassbox's entry point. Parses the command line and hands over to a
 * face: the subcommands here, otherwise the headless runner (headless.c).
 * Until the TUI lands, `glassbox` without a command runs the sandboxed $SHELL
 * headless in a PTY. Exit status 2 means bad input; nothing was started. */
#include "cli.h"
#include "headless.h"
#include "profile.h"
#include "report_cmd.h"
#include "snapshot_cmd.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Closed standard fds would otherwise be reused by our own sockets. */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(125);
}

static int current_dir_profile_env(struct profile_env *pe, char **cwd)
{
	*cwd = getcwd(NULL, 0);
	profile_env_from_process(pe, *cwd ? *cwd : "/");
	return 0;
}

int main(int argc, char **argv)
{
	ensure_std_fds();
	struct cli_options o;
	char err[1024];
	if (cli_parse(argc, argv, &o, err, sizeof err) < 0) {
		headless_error(err);
		return 2;
	}
	int rc = 0;
	struct profile_env pe;
	char *cwd = NULL;
	switch (o.action) {
	case CLI_HELP:
		fputs(cli_usage(), stdout);
		break;
	case CLI_VERSION:
		printf("glassbox %s\n", GLASSBOX_VERSION);
		break;
	case CLI_PROFILE_LIST:
		current_dir_profile_env(&pe, &cwd);
		if (profile_list(&pe, stdout, err, sizeof err) < 0) {
			headless_error(err);
			rc = 2;
		}
		break;
	case CLI_PROFILE_SHOW: {
		current_dir_profile_env(&pe, &cwd);
		struct policy p = {0};
		if (profile_load(o.profile_show, &pe, &p, err, sizeof err) < 0) {
			headless_error(err);
			rc = 2;
		} else {
			char *json = profile_policy_to_json(&p);
			puts(json);
			free(json);
		}
		policy_free(&p);
		break;
	}
	case CLI_SNAPSHOT_LIST:
	case CLI_SNAPSHOT_DIFF:
	case CLI_SNAPSHOT_RESTORE:
	case CLI_SNAPSHOT_CLEAN:
		rc = snapshot_command(&o);
		break;
	case CLI_REPORT:
		rc = report_command(o.report_path);
		break;
	case CLI_RUN:
		rc = headless_run(&o);
		break;
	}
	free(cwd);
	cli_options_free(&o);
	return rc;
}

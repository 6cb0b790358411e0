/* main.c - choose what this run does, run it, and turn its outcome into an
 * exit status.
 *
 *   argv -> cli -> (send | -bs | -bp | -q | -bi | --serverinfo | --pretend | --check)
 *
 * Every stage returns 0 or -1 with a struct outcome; only this file chooses
 * the exit status (through outcome_exit_status) and prints the result. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gsasl.h>
#include <idn2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliases.h"
#include "cli.h"
#include "compose.h"
#include "config.h"
#include "envelope.h"
#include "info.h"
#include "log.h"
#include "mailq.h"
#include "net.h"
#include "outcome.h"
#include "serve.h"
#include "submit.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* How long -bs waits for its caller's next line. */
#define SERVE_IDLE_TIMEOUT 300

static void print_version(void)
{
	printf("postie %s\n", PACKAGE_VERSION);
	printf("libraries: GnuTLS %s, GNU SASL %s, libidn2 %s\n",
	       gnutls_check_version(NULL), gsasl_check_version(NULL), idn2_check_version(NULL));
}

/* What the composing options ask for. The body comes from stdin only when
 * it is not a terminal: a person at a prompt gets an empty body, not a
 * hang. */
static struct compose_request compose_request_for(const struct invocation *inv)
{
	return (struct compose_request){
		.subject = inv->subject,
		.body = inv->body,
		.body_file = inv->body_file,
		.body_fd = isatty(STDIN_FILENO) && (!inv->body_file || strcmp(inv->body_file, "-") != 0)
		           ? -1 : STDIN_FILENO,
		.charset = inv->charset,
		.to = inv->rcpts,
		.nto = inv->nrcpts,
		.cc = inv->cc,
		.ncc = inv->ncc,
		.attachments = inv->attachments,
		.nattachments = inv->nattachments,
		.headers = inv->headers,
		.nheaders = inv->nheaders,
	};
}

static int send_from_stdin(const struct invocation *inv, struct outcome *out)
{
	struct compose_request compose = compose_request_for(inv);
	struct submit_request req = {
		.inv = inv,
		.in_fd = STDIN_FILENO,
		.ignore_dots = inv->ignore_dots,
		.read_recipients = inv->read_recipients,
		.sender = inv->envelope_from,
		.rcpts = inv->rcpts,
		.nrcpts = inv->nrcpts,
		.body_type = inv->body_type,
		.compose = inv->compose ? &compose : NULL,
		.status = inv->status_json ? STATUS_JSON : STATUS_BY_CONFIG,
	};
	char **all = NULL;
	int rc;

	/* The envelope of a composed message: the recipients, then --cc and
	 * --bcc (which appear in no header). */
	if (inv->compose && (inv->ncc || inv->nbcc)) {
		size_t n = 0;

		all = calloc(inv->nrcpts + inv->ncc + inv->nbcc, sizeof(*all));
		if (!all)
			return outcome_fail(out, OUTCOME_OS, "usage", "out of memory");
		for (size_t i = 0; i < inv->nrcpts; i++)
			all[n++] = inv->rcpts[i];
		for (size_t i = 0; i < inv->ncc; i++)
			all[n++] = inv->cc[i];
		for (size_t i = 0; i < inv->nbcc; i++)
			all[n++] = inv->bcc[i];
		req.rcpts = all;
		req.nrcpts = n;
	}
	rc = submit_message(&req, NULL, out);
	free(all);
	return rc;
}

/* -bs: one submission per message the caller hands over in DATA. The
 * caller hears one reply for all recipients, so there is no partial
 * delivery, except where LMTP decides per recipient after the data: then
 * the message counts as taken (a 4xx would bring it back for everyone),
 * and what was refused goes to stderr and the log. */
static int submit_served(void *ctx, const struct serve_envelope *env, struct outcome *out)
{
	const struct invocation *inv = ctx;
	const struct submit_request req = {
		.inv = inv,
		.in_fd = env->data_fd,
		.ignore_dots = true,          /* the dialogue removed the dot-stuffing */
		.sender = env->from,
		.rcpts = env->rcpts,
		.nrcpts = env->nrcpts,
		.body_type = env->body_type,
		.smtputf8 = env->smtputf8,
		.all_or_nothing = true,
		.status = STATUS_NEVER,   /* stdout is the SMTP dialogue */
	};
	bool delivered = false;

	outcome_clear(out);
	if (submit_message(&req, &delivered, out) == 0)
		return 0;
	log_report(stderr, out);
	if (!delivered)
		return -1;
	outcome_clear(out);
	return 0;
}

static int serve_stdio(const struct invocation *inv, struct outcome *out)
{
	char host[256];

	/* The dialogue brings the envelope; nothing else may claim to. */
	if (inv->queue_only || inv->read_recipients || inv->nrcpts > 0)
		return outcome_fail(out, OUTCOME_USAGE, "usage",
		                    "-bs takes the envelope from the SMTP dialogue: "
		                    "leave out %s", inv->queue_only ? "-odq"
		                    : inv->read_recipients ? "-t" : "the recipient arguments");

	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	return serve_smtp(STDIN_FILENO, STDOUT_FILENO, host, SERVE_IDLE_TIMEOUT, submit_served,
	                  (void *)inv, out);
}


/* -bi / newaliases: there is no database to build; check the file. */
static int check_aliases(const struct invocation *inv, struct outcome *out)
{
	struct config cfg = { 0 };
	struct account *acct;
	struct aliases *al = NULL;
	int rc = -1;

	/* Package scripts run newaliases after installing anything that has
	 * aliases: with no account to look at there is nothing to check, and
	 * that must not fail their installation. */
	if (submit_choose_account(inv, inv->envelope_from, &cfg, &acct, out) < 0) {
		log_warning("no aliases file to check: %s", out->text);
		outcome_clear(out);
		rc = 0;
		goto done;
	}
	if (!acct->aliases) {
		printf("account '%s' has no aliases file: nothing to check\n", acct->name);
		rc = 0;
		goto done;
	}
	if (aliases_load(acct->aliases, &al, out) < 0)
		goto done;
	printf("%s: %zu aliases, OK\n", acct->aliases, aliases_count(al));
	rc = 0;
done:
	aliases_free(al);
	config_free(&cfg);
	return rc;
}

/* --serverinfo, --pretend, --check: about an account, nothing is sent. */
static int describe_account(const struct invocation *inv, struct outcome *out)
{
	struct config cfg = { 0 };
	struct account *acct;
	int rc = -1;

	if (submit_choose_account(inv, inv->envelope_from, &cfg, &acct, out) < 0) {
		if (inv->mode == MODE_CHECK)
			printf("config: failed: %s\n", out->text);
		goto done;
	}
	switch (inv->mode) {
	case MODE_PRETEND: {
		/* The sender a send would use (-f qualified, or the account's). */
		struct envelope env = { 0 };
		struct outcome no_sender;

		outcome_clear(&no_sender);
		envelope_choose_sender(&env, inv->envelope_from, acct, &no_sender);
		info_pretend(stdout, cfg.path, acct, env.from, inv->rcpts, inv->nrcpts);
		envelope_free(&env);
		rc = 0;
		break;
	}
	case MODE_SERVERINFO:
		rc = info_serverinfo(stdout, acct, out);
		break;
	default:
		rc = info_check(stdout, cfg.path, acct, out);
		break;
	}
done:
	config_free(&cfg);
	return rc;
}

static int run(const struct invocation *inv, struct outcome *out)
{
	switch (inv->mode) {
	case MODE_VERSION:
		print_version();
		return 0;
	case MODE_HELP:
		cli_print_help(stdout, inv->progname);
		return 0;
	case MODE_LIST_QUEUE:
		return mailq_list(inv, stdout, out);
	case MODE_FLUSH_QUEUE:
		return mailq_flush(inv, out);
	case MODE_QUEUE_DELETE: case MODE_QUEUE_HOLD: case MODE_QUEUE_RELEASE:
		return mailq_edit(inv, out);
	case MODE_CHECK_ALIASES:
		return check_aliases(inv, out);
	case MODE_SMTP_STDIO:
		return serve_stdio(inv, out);
	case MODE_SERVERINFO: case MODE_PRETEND: case MODE_CHECK:
		return describe_account(inv, out);
	case MODE_SEND:
		break;
	}
	return send_from_stdin(inv, out);
}

/* Bad command-line values are found before stdin is read or a server
 * is asked anything. *reported: the run printed its own status object. */
static int run_checked(const struct invocation *inv, bool *reported, struct outcome *out)
{
	*reported = false;
	if (inv->mode != MODE_VERSION && inv->mode != MODE_HELP &&
	    submit_check_options(inv, out) < 0)
		return -1;
	if (inv->compose) {
		struct compose_request compose = compose_request_for(inv);

		if (compose_check(&compose, out) < 0)
			return -1;
	}
	*reported = inv->mode == MODE_SEND;   /* submit_message prints it */
	return run(inv, out);
}

/* A caller may start us with stdin, stdout or stderr closed (daemons do).
 * Then the next file opened would become fd 1 or 2, and an error message
 * would be written into the spooled message: occupy them with /dev/null. */
static void ensure_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null >= 0 && null != fd)
			close(null);   /* cannot happen: open returns the lowest free fd */
	}
}

int main(int argc, char **argv)
{
	struct invocation inv;
	struct outcome out;
	long long started_ms = net_now_ms();
	bool reported = false;
	int status;

	ensure_standard_fds();
	/* A server that hangs up must give us EPIPE, not kill us silently;
	 * a file size limit (ulimit -f) must give us EFBIG, a message. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	outcome_clear(&out);

	if (cli_parse(argc, argv, &inv, &out) < 0) {
		log_report(stderr, &out);
		cli_print_usage(stderr, inv.progname);
		if (inv.status_json)
			submit_print_early_status(&out, started_ms);
		cli_free(&inv);
		return EX_USAGE;
	}
	log_set_verbose(inv.verbose);
	run_checked(&inv, &reported, &out);
	if (inv.status_json && !reported)
		submit_print_early_status(&out, started_ms);
	status = outcome_exit_status(out.cls);
	if (status != EX_OK)
		log_report(stderr, &out);
	if (fflush(stdout) != 0 && status == EX_OK)
		status = EX_IOERR;   /* e.g. mailq | head: nothing more to say */
	cli_free(&inv);
	return status;
}

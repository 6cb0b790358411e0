/* main.c - wire the pipeline together and turn its outcome into an exit status.
 *
 *   argv -> cli -> config -> account -> message -> envelope -> session -> report
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
#include <sys/resource.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "config.h"
#include "envelope.h"
#include "log.h"
#include "message.h"
#include "outcome.h"
#include "session.h"
#include "smtp.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static void print_version(void)
{
	printf("postie %s\n", PACKAGE_VERSION);
	printf("libraries: GnuTLS %s, GNU SASL %s, libidn2 %s\n",
	       gnutls_check_version(NULL), gsasl_check_version(NULL), idn2_check_version(NULL));
}

/* Hand one message to the smarthost. On success *final holds its last reply. */
static int deliver(const struct account *acct, const struct envelope *env,
                   const struct message *msg, struct smtp_reply *final, struct outcome *out)
{
	const struct smtp_transaction txn = {
		.from = env->from,
		.rcpts = env->rcpts.items,
		.nrcpts = env->rcpts.n,
		.body_fd = msg->fd,
		.body_size = msg->size,
		.body_8bit = msg->has_8bit,
	};
	struct session *session = session_open(acct, out);
	int result = -1;

	if (!session)
		return -1;
	if (session_send(session, &txn, out) == 0) {
		*final = *session_last_reply(session);
		result = 0;
	}
	session_close(session);
	return result;
}

static void write_log(const struct account *acct, const struct envelope *env,
                      const struct message *msg, const struct smtp_reply *final,
                      const struct outcome *result)
{
	struct outcome log_failure;
	struct log_record rec = {
		.account = acct->name,
		.host = acct->host,
		.port = account_port(acct),
		.from = env->from,
		.rcpts = env->rcpts.items,
		.nrcpts = env->rcpts.n,
		.size = msg->fd >= 0 ? (long long)msg->size : -1,
		.outcome = result,
		.smtp_code = final->code,
		.smtp_enhanced = final->enhanced,
		.smtp_text = final->text,
		.exit_status = outcome_exit_status(result->cls),
	};

	outcome_clear(&log_failure);
	/* A log that cannot be written is worth a warning, but it does not
	 * change what happened to the message. */
	if (log_write_record(acct->logfile, acct->logfile_time_format, &rec, &log_failure) < 0)
		log_report(stderr, &log_failure);
}

static int submit(const struct invocation *inv, struct outcome *out)
{
	struct config cfg = { 0 };
	struct envelope env = { 0 };
	struct message msg = { .fd = -1 };
	struct smtp_reply *final = calloc(1, sizeof(*final));
	const struct account *acct = NULL;
	int result = -1;

	if (!final)
		return outcome_fail(out, OUTCOME_OS, "", "out of memory");
	if (envelope_add_arguments(&env, inv->rcpts, inv->nrcpts, inv->read_recipients, out) < 0)
		goto done;
	if (config_load(inv->config_file, &cfg, out) < 0 ||
	    account_select(&cfg, inv->account, &acct, out) < 0 ||
	    account_check(acct, out) < 0)
		goto done;
	/* This run will hold a password: a crash must not write it to disk. */
	if (cfg.holds_password || (acct->auth && strcmp(acct->auth, "off") != 0))
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });

	const struct message_options opts = {
		.ignore_dots = inv->ignore_dots,
		.read_recipients = inv->read_recipients,
		.remove_bcc = acct->remove_bcc_headers,
	};
	if (message_read(STDIN_FILENO, &opts, &msg, out) < 0 ||
	    envelope_finish(&env, inv, acct, inv->read_recipients ? &msg.header_rcpts : NULL,
	                    out) < 0)
		goto logged;
	result = deliver(acct, &env, &msg, final, out);

logged:
	if (acct->logfile)
		write_log(acct, &env, &msg, final, out);
done:
	message_free(&msg);
	envelope_free(&env);
	config_free(&cfg);
	free(final);
	return result;
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
	int status;

	ensure_standard_fds();
	/* A server that hangs up must give us EPIPE, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	outcome_clear(&out);

	if (cli_parse(argc, argv, &inv, &out) < 0) {
		log_report(stderr, &out);
		cli_print_usage(stderr, inv.progname);
		cli_free(&inv);
		return EX_USAGE;
	}
	if (inv.mode == MODE_VERSION) {
		print_version();
		cli_free(&inv);
		return EX_OK;
	}
	if (inv.mode == MODE_HELP) {
		cli_print_help(stdout, inv.progname);
		cli_free(&inv);
		return EX_OK;
	}

	log_set_verbose(inv.verbose);
	submit(&inv, &out);
	status = outcome_exit_status(out.cls);
	if (status != EX_OK)
		log_report(stderr, &out);
	cli_free(&inv);
	return status;
}

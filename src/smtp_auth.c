/* smtp_auth.c - AUTH (RFC 4954): run a started SASL exchange over the SMTP
 * session, keeping every secret out of the transcript. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "smtp.h"
#include "smtp_internal.h"

/* RFC 4954 lets an AUTH command line be this long; a longer initial
 * response waits for the server's first (empty) 334. */
#define AUTH_LINE_MAX 12288

/* Write a line whose secret part the transcript must not show. */
static int write_secret_line(struct smtp_session *s, const char *visible, const char *secret,
                             struct outcome *out)
{
	struct net_conn *conn = smtp_session_conn(s);
	char shown[128];

	snprintf(shown, sizeof(shown), "%s%s<redacted>", visible, visible[0] ? " " : "");
	log_transcript(false, shown, strlen(shown));
	if ((visible[0] && (net_write(conn, visible, strlen(visible), "auth", out) < 0 ||
	                    net_write(conn, " ", 1, "auth", out) < 0)) ||
	    net_write(conn, secret, strlen(secret), "auth", out) < 0 ||
	    net_write(conn, "\r\n", 2, "auth", out) < 0)
		return -1;
	return 0;
}

static int write_plain_line(struct smtp_session *s, const char *line, struct outcome *out)
{
	struct net_conn *conn = smtp_session_conn(s);

	log_transcript(false, line, strlen(line));
	if (net_write(conn, line, strlen(line), "auth", out) < 0 ||
	    net_write(conn, "\r\n", 2, "auth", out) < 0)
		return -1;
	return 0;
}

/* Abandon the exchange with "*" (RFC 4954 4) and read the server's answer. */
static void cancel_auth(struct smtp_session *s)
{
	struct net_conn *conn = smtp_session_conn(s);
	struct outcome ignored;

	outcome_clear(&ignored);
	if (write_plain_line(s, "*", &ignored) < 0 || net_flush(conn, "auth", &ignored) < 0 ||
	    smtp_session_read_reply(s, "auth", &ignored) < 0)
		smtp_session_set_state(s, STATE_FAILED);
}

int smtp_auth(struct smtp_session *s, const char *mech, struct sasl_exchange *x,
              struct outcome *out)
{
	struct net_conn *conn = smtp_session_conn(s);
	const struct smtp_reply *reply = smtp_last_reply(s);
	char *response = NULL, *deferred = NULL;
	char command[96];
	bool client_done;
	int r, result = -1;

	if (smtp_session_state(s) != STATE_READY)
		return outcome_fail(out, OUTCOME_INTERNAL, "auth", "AUTH in state %s",
		                    smtp_state_name(smtp_session_state(s)));
	smtp_session_set_state(s, STATE_AUTH);
	r = sasl_step(x, NULL, &response, out);
	if (r < 0)
		goto done;
	client_done = r == 0;
	snprintf(command, sizeof(command), "AUTH %s", mech);
	if (response[0] && strlen(command) + 1 + strlen(response) <= AUTH_LINE_MAX - 2) {
		r = write_secret_line(s, command, response, out);
	} else if (response[0]) {
		deferred = response;
		response = NULL;
		r = write_plain_line(s, command, out);
	} else if (client_done) {
		/* A client-first mechanism with an empty initial response. */
		strncat(command, " =", sizeof(command) - strlen(command) - 1);
		r = write_plain_line(s, command, out);
	} else {
		r = write_plain_line(s, command, out);
	}
	sasl_free_response(response);
	response = NULL;
	if (r < 0)
		goto broken;

	for (int round = 0; round < 16; round++) {
		if (net_flush(conn, "auth", out) < 0 || smtp_session_read_reply(s, "auth", out) < 0)
			goto broken;
		if (reply->code == 235) {
			if (!sasl_may_succeed(x)) {
				/* SCRAM: the server never proved it knows the password. */
				outcome_fail(out, OUTCOME_NOT_PERMITTED, "auth",
				             "%s accepted AUTH %s without completing the exchange",
				             net_peer(conn), mech);
				goto done;
			}
			result = 0;
			goto done;
		}
		if (reply->code != 334) {
			smtp_session_reply_failure(s, "auth", OUTCOME_NOT_PERMITTED, out,
			                           "AUTH %s refused", mech);
			goto done;
		}
		if (deferred) {
			r = write_secret_line(s, "", deferred, out);
			sasl_free_response(deferred);
			deferred = NULL;
		} else if (client_done) {
			cancel_auth(s);
			outcome_fail(out, OUTCOME_PROTOCOL, "auth", "%s asked for more after AUTH %s was "
			             "complete", net_peer(conn), mech);
			goto done;
		} else {
			r = sasl_step(x, reply->text, &response, out);
			if (r < 0) {
				cancel_auth(s);
				goto done;
			}
			client_done = r == 0;
			r = write_secret_line(s, "", response, out);
			sasl_free_response(response);
			response = NULL;
		}
		if (r < 0)
			goto broken;
	}
	cancel_auth(s);
	outcome_fail(out, OUTCOME_PROTOCOL, "auth", "AUTH %s did not end after 16 rounds", mech);
	goto done;

broken:
	smtp_session_set_state(s, STATE_FAILED);
done:
	sasl_free_response(deferred);
	if (smtp_session_state(s) != STATE_FAILED)
		smtp_session_set_state(s, STATE_READY);
	return result;
}

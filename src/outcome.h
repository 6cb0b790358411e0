/* outcome.h - what happened, as a value that travels up to main.c.
 *
 * Every module reports failure by filling a struct outcome and returning -1.
 * The class says what kind of failure it is; outcome_exit_status() is the one
 * table that turns a class into a sysexits.h status (see DESIGN.md). */
#ifndef POSTIE_OUTCOME_H
#define POSTIE_OUTCOME_H

#include <stdarg.h>
#include <stddef.h>

enum outcome_class {
	OUTCOME_OK = 0,
	OUTCOME_USAGE,          /* 64 bad command line */
	OUTCOME_BAD_MESSAGE,    /* 65 unusable input message */
	OUTCOME_NO_INPUT,       /* 66 an input file is missing */
	OUTCOME_RCPT_REFUSED,   /* 67 a recipient refused permanently */
	OUTCOME_NO_HOST,        /* 68 smarthost name does not resolve */
	OUTCOME_REFUSED,        /* 69 permanent refusal by the server */
	OUTCOME_INTERNAL,       /* 70 a bug */
	OUTCOME_OS,             /* 71 local system failure */
	OUTCOME_CANT_CREATE,    /* 73 cannot create a local file */
	OUTCOME_IO,             /* 74 local I/O failure */
	OUTCOME_TEMPORARY,      /* 75 try again later */
	OUTCOME_PROTOCOL,       /* 76 the server broke the protocol */
	OUTCOME_NOT_PERMITTED,  /* 77 auth failed, insecure setup refused */
	OUTCOME_CONFIG,         /* 78 configuration problem */
};

#define OUTCOME_TEXT_MAX 1024
#define OUTCOME_REPLY_MAX 1024

struct outcome {
	enum outcome_class cls;
	const char *step;               /* static string: "config", "connect", "rcpt", ... */
	char text[OUTCOME_TEXT_MAX];    /* what happened, in our words */
	int smtp_code;                  /* 0 when no server reply is involved */
	char enhanced[16];              /* "5.1.1", or "" */
	char reply[OUTCOME_REPLY_MAX];  /* server text (raw; escaped when printed) */
};

/* Reset to OUTCOME_OK with no text. */
void outcome_clear(struct outcome *o);

/* Record a failure (any server reply of an earlier one is cleared: attach
 * this one's with outcome_set_reply); returns -1 so callers can write
 * `return outcome_fail(...)`. */
int outcome_fail(struct outcome *o, enum outcome_class cls, const char *step,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int outcome_vfail(struct outcome *o, enum outcome_class cls, const char *step,
                  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* Attach a server reply (code, enhanced code, text) to an outcome. */
void outcome_set_reply(struct outcome *o, int code, const char *enhanced,
                       const char *text);

/* The exit-status table: class -> sysexits.h value, and the EX_ name. */
int outcome_exit_status(enum outcome_class cls);
const char *outcome_exit_name(int status);

#endif

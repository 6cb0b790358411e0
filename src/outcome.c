/* outcome.c - the outcome value and the one exit-status table. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "outcome.h"

void outcome_clear(struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->cls = OUTCOME_OK;
	o->step = "";
}

int outcome_vfail(struct outcome *o, enum outcome_class cls, const char *step,
                  const char *fmt, va_list ap)
{
	o->cls = cls;
	o->step = step ? step : "";
	vsnprintf(o->text, sizeof(o->text), fmt, ap);
	/* A reply belongs to the failure it came with, never to the next. */
	o->smtp_code = 0;
	o->enhanced[0] = '\0';
	o->reply[0] = '\0';
	return -1;
}

int outcome_fail(struct outcome *o, enum outcome_class cls, const char *step,
                 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outcome_vfail(o, cls, step, fmt, ap);
	va_end(ap);
	return -1;
}

void outcome_set_reply(struct outcome *o, int code, const char *enhanced,
                       const char *text)
{
	o->smtp_code = code;
	snprintf(o->enhanced, sizeof(o->enhanced), "%s", enhanced ? enhanced : "");
	snprintf(o->reply, sizeof(o->reply), "%s", text ? text : "");
}

static const struct {
	enum outcome_class cls;
	int status;
	const char *name;
} exit_table[] = {
	{ OUTCOME_OK,            EX_OK,          "EX_OK" },
	{ OUTCOME_USAGE,         EX_USAGE,       "EX_USAGE" },
	{ OUTCOME_BAD_MESSAGE,   EX_DATAERR,     "EX_DATAERR" },
	{ OUTCOME_NO_INPUT,      EX_NOINPUT,     "EX_NOINPUT" },
	{ OUTCOME_RCPT_REFUSED,  EX_NOUSER,      "EX_NOUSER" },
	{ OUTCOME_NO_HOST,       EX_NOHOST,      "EX_NOHOST" },
	{ OUTCOME_REFUSED,       EX_UNAVAILABLE, "EX_UNAVAILABLE" },
	{ OUTCOME_INTERNAL,      EX_SOFTWARE,    "EX_SOFTWARE" },
	{ OUTCOME_OS,            EX_OSERR,       "EX_OSERR" },
	{ OUTCOME_CANT_CREATE,   EX_CANTCREAT,   "EX_CANTCREAT" },
	{ OUTCOME_IO,            EX_IOERR,       "EX_IOERR" },
	{ OUTCOME_TEMPORARY,     EX_TEMPFAIL,    "EX_TEMPFAIL" },
	{ OUTCOME_PROTOCOL,      EX_PROTOCOL,    "EX_PROTOCOL" },
	{ OUTCOME_NOT_PERMITTED, EX_NOPERM,      "EX_NOPERM" },
	{ OUTCOME_CONFIG,        EX_CONFIG,      "EX_CONFIG" },
};

int outcome_exit_status(enum outcome_class cls)
{
	for (size_t i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		if (exit_table[i].cls == cls)
			return exit_table[i].status;
	return EX_SOFTWARE;
}

const char *outcome_exit_name(int status)
{
	for (size_t i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		if (exit_table[i].status == status)
			return exit_table[i].name;
	return "EX_UNKNOWN";
}

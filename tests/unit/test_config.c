/* test_config.c - the dotfile parser, the file search, and account choice. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "config.h"
#include "outcome.h"
#include "tap.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define LABEL "t.rc"
#define HOME_DIR "/home/tester"

static int parse(const char *text, struct config *cfg, struct outcome *out)
{
	outcome_clear(out);
	return config_parse(LABEL, text, strlen(text), cfg, out);
}

/* Parse text that must be good; a failure is reported with its message. */
static void parse_good(const char *text, struct config *cfg, const char *desc)
{
	struct outcome out;
	int rc = parse(text, cfg, &out);

	ok(rc == 0, "%s: parses", desc);
	if (rc != 0)
		printf("#   error: %s\n", out.text);
}

/* The account, or an empty stand-in (and a failure) so checks can go on. */
static const struct account *must_find(const struct config *cfg, const char *name)
{
	static struct account missing;
	const struct account *a = config_find(cfg, name);

	if (!a) {
		ok(0, "account '%s' exists", name);
		memset(&missing, 0, sizeof(missing));
		return &missing;
	}
	return a;
}

/* ------------------------------------------------------------ malformed */

static const struct {
	const char *desc, *text, *want;
} bad_configs[] = {
	{ "unknown command", "account a\nhots x\n", LABEL ":2: unknown command 'hots'" },
	{ "keywords are case-sensitive", "account a\nHost x\n", LABEL ":2: unknown command 'Host'" },
	{ "quoted keyword", "account a\n\"host\" x\n", LABEL ":2: unknown command '\"host\"'" },
	{ "keyword=value", "account a\nhost=mail\n", LABEL ":2: unknown command 'host=mail'" },
	{ "CRLF line numbers", "account a\r\n\r\nhots x\r\n", LABEL ":3: unknown command 'hots'" },
	{ "port not a number", "account a\nport abc\n",
	  LABEL ":2: port must be a number from 1 to 65535, not 'abc'" },
	{ "port zero", "account a\nport 0\n",
	  LABEL ":2: port must be a number from 1 to 65535, not '0'" },
	{ "port too big", "account a\nport 65536\n",
	  LABEL ":2: port must be a number from 1 to 65535, not '65536'" },
	{ "port negative", "account a\nport -25\n",
	  LABEL ":2: port must be a number from 1 to 65535, not '-25'" },
	{ "port huge", "account a\nport 99999999999999999999999\n",
	  LABEL ":2: port must be a number from 1 to 65535, not '99999999999999999999999'" },
	{ "port missing", "account a\nport\n", LABEL ":2: 'port' needs a value" },
	{ "proxy_port bad", "account a\nproxy_port 70000\n",
	  LABEL ":2: proxy_port must be a number from 1 to 65535, not '70000'" },
	{ "dh bits zero", "account a\ntls_min_dh_prime_bits 0\n",
	  LABEL ":2: tls_min_dh_prime_bits must be a number from 1 to 65536, not '0'" },
	{ "tls yes", "account a\ntls yes\n", LABEL ":2: tls takes on or off, not 'yes'" },
	{ "tls empty quotes", "account a\ntls \"\"\n", LABEL ":2: tls takes on or off, not ''" },
	{ "bool upper case", "account a\ntls_starttls ON\n",
	  LABEL ":2: tls_starttls takes on or off, not 'ON'" },
	{ "bool number", "account a\nremove_bcc_headers 1\n",
	  LABEL ":2: remove_bcc_headers takes on or off, not '1'" },
	{ "bad bool in defaults", "defaults\ntls maybe\naccount a\n",
	  LABEL ":2: tls takes on or off, not 'maybe'" },
	{ "unterminated quote", "account a\nfrom \"me@example.org\n",
	  LABEL ":2: unterminated double quote" },
	{ "escaped closing quote", "account a\nfrom \"me\\\"\n",
	  LABEL ":2: unterminated double quote" },
	{ "unknown parent", "account a : b\n", LABEL ":1: account 'a': unknown parent account 'b'" },
	{ "second parent unknown", "account a\naccount b : a, c\n",
	  LABEL ":2: account 'b': unknown parent account 'c'" },
	{ "parent is itself", "account a : a\n", LABEL ":1: account 'a': unknown parent account 'a'" },
	{ "parent defined later", "account a : b\naccount b\n",
	  LABEL ":1: account 'a': unknown parent account 'b'" },
	{ "empty parent list", "account a :\n", LABEL ":1: account 'a': empty parent account name" },
	{ "empty parent in list", "account x\naccount a : x,\n",
	  LABEL ":2: account 'a': empty parent account name" },
	{ "duplicate account", "account b\naccount c\naccount b\n",
	  LABEL ":3: account 'b' is already defined at line 1" },
	{ "duplicate default", "account x\naccount default : x\naccount default\n",
	  LABEL ":3: account 'default' is already defined at line 2" },
	{ "account without name", "account\n", LABEL ":1: 'account' needs a name" },
	{ "account only parents", "account x\naccount : x\n", LABEL ":2: 'account' needs a name" },
	{ "account name with space", "account my acct\n",
	  LABEL ":1: account name 'my acct' contains a space" },
	{ "defaults with argument", "defaults now\n", LABEL ":1: 'defaults' takes no argument" },
	{ "command before account", "host mail.example.org\n",
	  LABEL ":1: 'host' before any 'account' or 'defaults' line" },
	{ "command after comments", "# c\n\n  port 25\naccount a\n",
	  LABEL ":3: 'port' before any 'account' or 'defaults' line" },
	{ "host without value", "account a\nhost\n", LABEL ":2: 'host' needs a value" },
	{ "host empty", "account a\nhost \"\"  # none\n", LABEL ":2: 'host' needs a value" },
	{ "timeout zero", "account a\ntimeout 0\n",
	  LABEL ":2: timeout must be a number of seconds from 1 to 86400 or off, not '0'" },
	{ "timeout word", "account a\ntimeout soon\n",
	  LABEL ":2: timeout must be a number of seconds from 1 to 86400 or off, not 'soon'" },
	{ "fingerprint junk", "account a\ntls_fingerprint zz\n",
	  LABEL ":2: tls_fingerprint must be a SHA-256 or SHA-1 fingerprint "
	  "(32 or 20 hex pairs separated by colons), not 'zz'" },
	{ "fingerprint MD5 size", "account a\ntls_fingerprint "
	  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n",
	  LABEL ":2: tls_fingerprint must be a SHA-256 or SHA-1 fingerprint "
	  "(32 or 20 hex pairs separated by colons), not "
	  "'00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF'" },
	{ "fingerprint without colons", "account a\ntls_fingerprint "
	  "00112233445566778899AABBCCDDEEFF00112233\n",
	  LABEL ":2: tls_fingerprint must be a SHA-256 or SHA-1 fingerprint "
	  "(32 or 20 hex pairs separated by colons), not "
	  "'00112233445566778899AABBCCDDEEFF00112233'" },
	{ "fingerprint trailing colon", "account a\ntls_fingerprint "
	  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:\n",
	  LABEL ":2: tls_fingerprint must be a SHA-256 or SHA-1 fingerprint "
	  "(32 or 20 hex pairs separated by colons), not "
	  "'00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:'" },
	{ "auth unknown", "account a\nauth bogus\n",
	  LABEL ":2: auth takes on, off, plain, login, cram-md5, digest-md5, scram-sha-1, "
	  "scram-sha-1-plus, scram-sha-256, scram-sha-256-plus, gssapi, external, ntlm, "
	  "xoauth2 or oauthbearer, not 'bogus'" },
	{ "protocol unknown", "account a\nprotocol http\n",
	  LABEL ":2: protocol takes smtp or lmtp, not 'http'" },
	{ "protocol missing", "account a\nprotocol\n", LABEL ":2: 'protocol' needs a value" },
	{ "set_date_header on", "account a\nset_date_header on\n",
	  LABEL ":2: set_date_header takes auto or off, not 'on'" },
	{ "set_from_header maybe", "account a\nset_from_header maybe\n",
	  LABEL ":2: set_from_header takes auto, on or off, not 'maybe'" },
	{ "dsn_notify empty item", "account a\ndsn_notify success,,delay\n",
	  LABEL ":2: dsn_notify takes off, never, or a comma-separated list of success, "
	  "failure and delay, not 'success,,delay'" },
	{ "dsn_notify word", "account a\ndsn_notify sometimes\n",
	  LABEL ":2: dsn_notify takes off, never, or a comma-separated list of success, "
	  "failure and delay, not 'sometimes'" },
	{ "dsn_notify twice", "account a\ndsn_notify success,failure,success\n",
	  LABEL ":2: dsn_notify takes off, never, or a comma-separated list of success, "
	  "failure and delay, not 'success,failure,success'" },
	{ "control character", "account a\nmaildomain x.org\rRCPT TO:<e@y>\n",
	  LABEL ":2: maildomain: the value holds a control character (a tab, CR, LF or the like)" },
	{ "dsn_return all", "account a\ndsn_return all\n",
	  LABEL ":2: dsn_return takes off, headers, hdrs or full, not 'all'" },
	{ "syslog facility", "account a\nsyslog LOG_KERN\n",
	  LABEL ":2: syslog takes on, off, LOG_USER, LOG_MAIL, LOG_LOCAL0, LOG_LOCAL1, "
	  "LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6 or LOG_LOCAL7, "
	  "not 'LOG_KERN'" },
	{ "queue_max_age word", "account a\nqueue_max_age soon\n",
	  LABEL ":2: queue_max_age takes a duration (as 90s, 5m, 2h, 5d or 1w), not 'soon'" },
	{ "queue_max_age two", "account a\nqueue_max_age 1d 2d\n",
	  LABEL ":2: queue_max_age takes a duration (as 90s, 5m, 2h, 5d or 1w), not '1d 2d'" },
	{ "queue_retry bad step", "account a\nqueue_retry 1m 2x\n",
	  LABEL ":2: queue_retry takes durations separated by spaces (as 90s, 5m, 2h, 5d or 1w), "
	  "not '1m 2x'" },
	{ "queue_retry empty", "account a\nqueue_retry\n", LABEL ":2: 'queue_retry' needs a value" },
	{ "queue word", "account a\nqueue sometimes\n",
	  LABEL ":2: queue takes off, auto or on, not 'sometimes'" },
	{ "log_format xml", "account a\nlog_format xml\n",
	  LABEL ":2: log_format takes text or json, not 'xml'" },
	{ "status_format yaml", "account a\nstatus_format yaml\n",
	  LABEL ":2: status_format takes text or json, not 'yaml'" },
	{ "fallback unknown", "account a\nfallback b nope\naccount b\n",
	  LABEL ":2: fallback account 'nope' is not defined" },
};

static void test_bad_configs(void)
{
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		struct config cfg;
		struct outcome out;
		int rc = parse(bad_configs[i].text, &cfg, &out);

		ok(rc == -1 && out.cls == OUTCOME_CONFIG && strcmp(out.step, "config") == 0,
		   "%s: a config error", bad_configs[i].desc);
		is_str(out.text, bad_configs[i].want, "%s: message", bad_configs[i].desc);
		ok(cfg.accounts == NULL && cfg.path == NULL, "%s: nothing left allocated",
		   bad_configs[i].desc);
		config_free(&cfg);
	}
}

static void test_line_limits(void)
{
	static char text[8192];
	struct config cfg;
	struct outcome out;
	const char nul_text[] = "account a\nhost a\0b\n";

	/* 4096 bytes is the longest line allowed... */
	snprintf(text, sizeof(text), "account a\nhost %0*d\n", 4091, 0);
	ok(parse(text, &cfg, &out) == 0, "a 4096-byte line is fine");
	is_int(strlen(must_find(&cfg, "a")->host), 4091, "all of the long value is kept");
	config_free(&cfg);

	/* ...one more is an error. */
	snprintf(text, sizeof(text), "account a\nhost %0*d\n", 4092, 0);
	ok(parse(text, &cfg, &out) == -1, "a 4097-byte line fails");
	is_str(out.text, LABEL ":2: line longer than 4096 bytes", "long line: message");

	outcome_clear(&out);
	ok(config_parse(LABEL, nul_text, sizeof(nul_text) - 1, &cfg, &out) == -1,
	   "a NUL byte fails");
	is_str(out.text, LABEL ":2: line contains a NUL byte", "NUL byte: message");
}

/* ------------------------------------------------------------ good configs */

static void test_all_implemented_settings(void)
{
	struct config cfg;
	const struct account *a;

	parse_good("# postie test\n"
	           "account work\n"
	           "host smtp.example.org\n"
	           "port 2525\n"
	           "timeout 30\n"
	           "source_ip 192.0.2.1\n"
	           "domain client.example.org\n"
	           "from me@example.org\n"
	           "auth off\n"
	           "tls off\n"
	           "tls_starttls off\n"
	           "protocol smtp\n"
	           "logfile /var/log/postie.log\n"
	           "logfile_time_format \"%Y-%m-%d %H:%M:%S\"\n"
	           "remove_bcc_headers off\n"
	           "allow_from_override off\n",
	           &cfg, "every implemented setting");
	a = must_find(&cfg, "work");
	is_str(a->name, "work", "name");
	is_str(a->origin.file, LABEL, "origin file");
	is_int(a->origin.line, 2, "origin line is the account line");
	is_str(a->host, "smtp.example.org", "host");
	is_int(a->port, 2525, "port");
	is_int(a->timeout, 30, "timeout");
	is_str(a->source_ip, "192.0.2.1", "source_ip");
	is_str(a->domain, "client.example.org", "domain");
	is_str(a->from, "me@example.org", "from");
	is_str(a->auth, "off", "auth off is stored as off");
	is_int(a->tls, TLS_SETTING_OFF, "tls off");
	ok(!a->tls_starttls, "tls_starttls off");
	is_int(a->protocol, PROTOCOL_SMTP, "protocol smtp");
	is_str(a->logfile, "/var/log/postie.log", "logfile");
	is_str(a->logfile_time_format, "%Y-%m-%d %H:%M:%S", "logfile_time_format keeps spaces");
	ok(!a->remove_bcc_headers, "remove_bcc_headers off");
	ok(!a->allow_from_override, "allow_from_override off");
	is_str(a->unsupported, "", "nothing unsupported");
	ok(!cfg.holds_password, "no password");
	config_free(&cfg);
}

static void test_builtin_defaults(void)
{
	struct config cfg;
	const struct account *a;

	parse_good("account plain\nhost h", &cfg, "minimal account, no final newline");
	a = must_find(&cfg, "plain");
	is_str(a->host, "h", "host on a last line without newline");
	is_int(a->port, 0, "port unset");
	is_int(a->timeout, CONFIG_DEFAULT_TIMEOUT, "default timeout");
	is_int(a->tls, TLS_SETTING_ON, "tls on by default");
	ok(a->tls_starttls, "tls_starttls on by default");
	ok(a->remove_bcc_headers, "remove_bcc_headers on by default");
	ok(a->allow_from_override, "allow_from_override on by default");
	ok(a->tls_certcheck, "tls_certcheck on by default");
	is_int(a->queue, QUEUE_AUTO, "queue auto by default");
	ok(a->bounce, "bounce on by default");
	ok(a->auth == NULL && a->from == NULL && a->password == NULL, "strings unset");
	is_int(cfg.naccounts, 1, "one account");
	config_free(&cfg);

	parse_good("", &cfg, "empty file");
	is_int(cfg.naccounts, 0, "empty file has no accounts");
	is_str(cfg.path, LABEL, "the label is the path");
	config_free(&cfg);

	parse_good("\n  # only a comment\n\t\n", &cfg, "comments and blanks only");
	config_free(&cfg);
}

static void test_inheritance(void)
{
	struct config cfg;
	const struct account *a;

	parse_good("defaults\n"
	           "port 587\n"
	           "from d@example.org\n"
	           "account base\n"
	           "host base.example.org\n"
	           "user baseuser\n"
	           "timeout 10\n"
	           "account other\n"
	           "host other.example.org\n"
	           "timeout 30\n"
	           "account child : base, other\n"
	           "from c@example.org\n"
	           "account grandchild : child\n"
	           "account default : base\n",
	           &cfg, "inheritance");
	a = must_find(&cfg, "child");
	is_str(a->host, "other.example.org", "later parent wins");
	is_str(a->user, "baseuser", "setting only the first parent has");
	is_int(a->timeout, 30, "later parent's timeout");
	is_int(a->port, 587, "defaults still apply");
	is_str(a->from, "c@example.org", "own line beats defaults");
	a = must_find(&cfg, "grandchild");
	is_str(a->host, "other.example.org", "grandchild gets what child inherited");
	is_str(a->user, "baseuser", "grandchild gets the first parent's user");
	is_str(a->from, "c@example.org", "grandchild gets child's own from");
	a = must_find(&cfg, "default");
	is_str(a->host, "base.example.org", "account default : base copies base");
	is_int(a->timeout, 10, "default has base's timeout");
	is_int(cfg.naccounts, 5, "five accounts");
	is_str(cfg.accounts[4].name, "default", "accounts in file order");
	config_free(&cfg);

	/* A parent's settings that came only from the defaults are not copied:
	 * the child takes the defaults in force where it starts. */
	parse_good("defaults\n"
	           "port 25\n"
	           "account p\n"
	           "host p.example.org\n"
	           "defaults\n"
	           "port 2525\n"
	           "account c:p\n",
	           &cfg, "defaults twice");
	is_int(must_find(&cfg, "p")->port, 25, "earlier account keeps earlier defaults");
	is_int(must_find(&cfg, "c")->port, 2525, "parent's default-only setting not copied");
	is_str(must_find(&cfg, "c")->host, "p.example.org", "parent's own setting copied");
	config_free(&cfg);

	parse_good("account default\nhost d\n", &cfg, "an account simply named default");
	is_str(must_find(&cfg, "default")->host, "d", "default account host");
	config_free(&cfg);
}

static void test_quoting(void)
{
	struct config cfg;
	const struct account *a;

	setenv("HOME", HOME_DIR, 1);
	parse_good("account q  # comment after the name\n"
	           "from \"a b\\\"c\\\\d\"\n"
	           "host \"mail#1\" # a comment\n"
	           "user part\"quoted part\"rest\n"
	           "logfile_time_format \"  %H  \"\n"
	           "passwordeval gpg -d ~/x.gpg\n"
	           "tls_priorities   NORMAL:-VERS-ALL   # trailing comment\n"
	           "domain a\\b\n"
	           "source_ip \"x\\n\"\n"
	           "\tproxy_port\t1080\r\n"
	           "password \"pa#ss word\"\n",
	           &cfg, "quoting");
	a = must_find(&cfg, "q");
	is_str(a->from, "a b\"c\\d", "escaped quote and backslash");
	is_str(a->host, "mail#1", "# inside quotes is text");
	is_str(a->user, "partquoted partrest", "quotes around part of the argument");
	is_str(a->logfile_time_format, "  %H  ", "spaces inside quotes kept");
	is_str(a->passwordeval, "gpg -d ~/x.gpg", "argument with spaces; ~ kept in commands");
	is_str(a->tls_priorities, "NORMAL:-VERS-ALL", "outer whitespace and comment dropped");
	is_str(a->domain, "a\\b", "backslash outside quotes is literal");
	is_str(a->source_ip, "x\\n", "other escapes are kept as written");
	is_int(a->proxy_port, 1080, "tabs and CRLF are whitespace");
	is_str(a->password, "pa#ss word", "quoted password");
	ok(cfg.holds_password, "holds_password set");
	config_free(&cfg);
}

static void test_values(void)
{
	struct config cfg;
	const struct account *a;

	setenv("HOME", HOME_DIR, 1);
	parse_good("defaults\n"
	           "from d@example.org\n"
	           "account v\n"
	           "host h\n"
	           "from \"\"\n"
	           "timeout off\n"
	           "tls_starttls off\n"
	           "tls_starttls\n"
	           "remove_bcc_headers\n"
	           "tls_certcheck off\n"
	           "auth\n"
	           "syslog\n"
	           "logfile ~/postie.log\n"
	           "tls_trust_file system\n"
	           "tls_crl_file ~/crl.pem\n"
	           "tls_cert_file \"~/my cert.pem\"\n"
	           "tls_key_file ~user/key.pem\n"
	           "queue_dir ~/queue\n"
	           "aliases ~/aliases\n"
	           "tls_fingerprint 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	           "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n"
	           "tls_min_dh_prime_bits 2048\n"
	           "protocol lmtp\n"
	           "queue auto\n"
	           "queue_max_age 5d\n"
	           "dsn_notify success,delay\n"
	           "dsn_return headers\n"
	           "set_from_header on\n"
	           "set_date_header off\n"
	           "set_msgid_header auto\n"
	           "log_format json\n"
	           "account w\n"
	           "fallback   v    default  \n"
	           "auth SCRAM-SHA-256\n"
	           "syslog LOG_LOCAL3\n"
	           "tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\n"
	           "account default : v\n",
	           &cfg, "values");
	a = must_find(&cfg, "v");
	is_str(a->from, NULL, "empty value unsets what the defaults set");
	is_int(a->timeout, CONFIG_TIMEOUT_OFF, "timeout off");
	ok(a->tls_starttls, "bare boolean means on");
	ok(a->remove_bcc_headers, "bare remove_bcc_headers");
	ok(!a->tls_certcheck, "tls_certcheck off");
	is_str(a->auth, "on", "bare auth means on");
	is_str(a->syslog, "on", "bare syslog means on");
	is_str(a->logfile, HOME_DIR "/postie.log", "~/ expands to HOME");
	is_str(a->tls_trust_file, "system", "tls_trust_file system stays a word");
	is_str(a->tls_crl_file, HOME_DIR "/crl.pem", "tls_crl_file expanded");
	is_str(a->tls_cert_file, HOME_DIR "/my cert.pem", "quoted ~/ expanded");
	is_str(a->tls_key_file, "~user/key.pem", "~user is left alone");
	is_str(a->queue_dir, HOME_DIR "/queue", "queue_dir expanded");
	is_str(a->aliases, HOME_DIR "/aliases", "aliases expanded");
	is_str(a->tls_fingerprint, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
	       "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", "SHA-256 fingerprint");
	is_int(a->tls_min_dh_prime_bits, 2048, "tls_min_dh_prime_bits");
	is_int(a->protocol, PROTOCOL_LMTP, "protocol lmtp");
	is_int(a->queue, QUEUE_AUTO, "queue auto");
	is_str(a->queue_max_age, "5d", "queue_max_age");
	is_str(a->dsn_notify, "success,delay", "dsn_notify list");
	is_str(a->dsn_return, "headers", "dsn_return");
	is_str(a->set_from_header, "on", "set_from_header");
	is_str(a->set_date_header, "off", "set_date_header");
	is_str(a->set_msgid_header, "auto", "set_msgid_header");
	is_str(a->log_format, "json", "log_format");
	a = must_find(&cfg, "w");
	is_str(a->fallback, "v default", "fallback names, spaces normalised");
	is_str(a->auth, "scram-sha-256", "auth mechanism stored in lower case");
	is_str(a->syslog, "LOG_LOCAL3", "syslog facility");
	is_str(a->tls_fingerprint, "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33",
	       "SHA-1 fingerprint");
	is_str(a->from, "d@example.org", "defaults from");
	config_free(&cfg);
}

/* Without $HOME, "~/" is the home directory from the password database. */
static void test_home_from_passwd(void)
{
	struct passwd *pw = getpwuid(getuid());
	char want[1024];
	struct config cfg;

	unsetenv("HOME");
	parse_good("account a\nlogfile ~/postie.log\n", &cfg, "~/ without HOME");
	snprintf(want, sizeof(want), "%s/postie.log", pw ? pw->pw_dir : "?");
	is_str(must_find(&cfg, "a")->logfile, want, "~/ is the passwd home when HOME is unset");
	config_free(&cfg);
	setenv("HOME", HOME_DIR, 1);
}

/* ------------------------------------------------------------ not supported yet */

#define NSY(line, what, feature, fix) \
	LABEL ":" #line ": " what ": not supported yet (" feature \
	" arrives in a later postie version); " fix

static const struct {
	const char *desc, *text, *account, *want;
} unsupported_cases[] = {
	/* `proxy_host` stands for any setting that needs a missing feature. */
	{ "proxy_host set", "account a\nhost h\nproxy_host p.example\n", "a", NSY(3, "proxy_host p.example", "proxy support", "remove 'proxy_host'") },
	{ "set then cleared", "account a\nproxy_host p.example\nproxy_host\n", "a", "" },
	{ "defaults set, account clears", "defaults\nproxy_host p.example\naccount a\nproxy_host\n", "a", "" },
	{ "from defaults", "defaults\nproxy_host p.example\naccount a\nhost h\n", "a", NSY(2, "proxy_host p.example", "proxy support", "remove 'proxy_host'") },
	{ "child turns it off", "account p\nproxy_host p.example\naccount c : p\nproxy_host\n", "c", "" },
	{ "parent keeps it", "account p\nproxy_host p.example\naccount c : p\nproxy_host\n", "p", NSY(2, "proxy_host p.example", "proxy support", "remove 'proxy_host'") },
	{ "copied to child", "account p\nproxy_host p.example\naccount c : p\n", "c", NSY(2, "proxy_host p.example", "proxy support", "remove 'proxy_host'") },
	{ "parent's default-only objection not copied",
	  "defaults\nproxy_host p.example\naccount p\ndefaults\nproxy_host\naccount c : p\n", "c", "" },
	{ "other account unaffected", "account a\nproxy_host p.example\naccount b\nhost h\n", "b", "" },
	{ "tls and auth are supported", "account a\ntls on\nauth plain\n", "a", "" },
	{ "fixed order, not file order", "account a\nlog_format json\nproxy_host p.example\n", "a", NSY(3, "proxy_host p.example", "proxy support", "remove 'proxy_host'") },
	{ "latest line that turned it on", "account a\nproxy_host q.example\nproxy_host p.example\n", "a", NSY(3, "proxy_host p.example", "proxy support", "remove 'proxy_host'") },
	{ "proxy_host", "account a\nproxy_host proxy.example\n", "a",
	  NSY(2, "proxy_host proxy.example", "proxy support", "remove 'proxy_host'") },
	{ "proxy_host cleared", "account a\nproxy_host proxy.example\nproxy_host\n", "a", "" },
	/* Supported since the sendmail personality (issue 5): no objection. */
	{ "lmtp", "account a\nprotocol lmtp\n", "a", "" },
	{ "set_from_header off", "account a\nset_from_header off\n", "a", "" },
	{ "set_from_header on", "account a\nset_from_header on\n", "a", "" },
	{ "set_date_header auto", "account a\nset_date_header auto\n", "a", "" },
	{ "set_msgid_header auto", "account a\nset_msgid_header auto\n", "a", "" },
	{ "undisclosed_recipients", "account a\nundisclosed_recipients\n", "a", "" },
	{ "add_missing_from_header", "account a\nadd_missing_from_header on\n", "a", "" },
	{ "dsn_notify never", "account a\ndsn_notify never\n", "a", "" },
	{ "dsn off", "account a\ndsn_notify off\ndsn_return off\n", "a", "" },
	{ "dsn_return full", "account a\ndsn_return full\n", "a", "" },
	{ "aliases", "account a\naliases /etc/aliases\n", "a", "" },
	{ "syslog on", "account a\nsyslog\n", "a", "" },
	{ "syslog LOG_LOCAL3", "account a\nsyslog LOG_LOCAL3\n", "a", "" },
	{ "syslog off", "account a\nsyslog off\n", "a", "" },
	{ "auto_from", "account a\nauto_from\n", "a", "" },
	{ "maildomain", "account a\nmaildomain example.org\n", "a", "" },
	{ "partial_delivery", "account a\npartial_delivery on\n", "a", "" },
	/* Supported since the queue (issue 6). */
	{ "queue auto", "account a\nqueue auto\n", "a", "" },
	{ "queue on", "account a\nqueue on\n", "a", "" },
	{ "queue off", "account a\nqueue off\n", "a", "" },
	{ "fallback", "account b\naccount a\nfallback b\n", "a", "" },
	{ "log_format json", "account a\nlog_format json\n", "a", "" },
	{ "log_format text", "account a\nlog_format text\n", "a", "" },
	{ "status_format json", "account a\nstatus_format json\n", "a", "" },
	{ "stored-only settings are fine",
	  "account a\ntls_trust_file system\ntls_certcheck off\nuser u\npassword p\n"
	  "passwordeval pass x\ntls_starttls off\nqueue_dir /q\ntimeout off\n", "a", "" },
};

static void test_unsupported(void)
{
	for (size_t i = 0; i < sizeof(unsupported_cases) / sizeof(unsupported_cases[0]); i++) {
		struct config cfg;
		struct outcome out;
		int rc = parse(unsupported_cases[i].text, &cfg, &out);

		ok(rc == 0, "%s: parses", unsupported_cases[i].desc);
		if (rc != 0) {
			printf("#   error: %s\n", out.text);
			continue;
		}
		is_str(must_find(&cfg, unsupported_cases[i].account)->unsupported,
		       unsupported_cases[i].want, "%s: objection", unsupported_cases[i].desc);
		config_free(&cfg);
	}
}

/* ------------------------------------------------------------ secrets */

static void test_password_never_shown(void)
{
	static const char *const texts[] = {
		"account a\npassword s3cr3tpw\nhots x\n",
		"account a\npassword \"s3cr3tpw\n",
		"account a\npassword \"s3cr3tpw\\\"\n",
		"password s3cr3tpw\naccount a\n",
		"account a\npassword s3cr3tpw # comment\nport s3cr3t\n",
		"defaults\npassword s3cr3tpw\naccount a : nope\n",
	};
	struct config cfg;
	struct outcome out;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		int rc = parse(texts[i], &cfg, &out);

		ok(rc == -1 && strstr(out.text, "s3cr3tpw") == NULL,
		   "bad config %zu: error does not show the password (%s)", i, out.text);
		config_free(&cfg);
	}

	parse_good("account a\nhost h\npassword s3cr3tpw\nproxy_host p.example\n", &cfg, "password with an objection");
	ok(strstr(must_find(&cfg, "a")->unsupported, "s3cr3tpw") == NULL,
	   "objection does not show the password");
	ok(cfg.holds_password, "holds_password");
	is_str(must_find(&cfg, "a")->password, "s3cr3tpw", "password stored");
	config_free(&cfg);

	parse_good("account a\nhost h\npassword\n", &cfg, "empty password");
	ok(!cfg.holds_password, "an empty password is no password");
	config_free(&cfg);
}

/* ------------------------------------------------------------ accounts */

static void test_account_choice(void)
{
	struct config cfg;
	struct outcome out;
	const struct account *chosen;

	parse_good("account a\nhost a.example.org\n"
	           "account nohost\nport 25\n"
	           "account withqueue : a\nproxy_host p.example\n"
	           "account default : a\n",
	           &cfg, "accounts to choose from");
	ok(account_select(&cfg, "a", &chosen, &out) == 0 && chosen && !strcmp(chosen->name, "a"),
	   "select by name");
	ok(account_select(&cfg, NULL, &chosen, &out) == 0 && chosen &&
	   !strcmp(chosen->name, "default"), "select the default");
	is_str(chosen ? chosen->host : NULL, "a.example.org", "default is a copy of a");

	outcome_clear(&out);
	ok(account_select(&cfg, "zz", &chosen, &out) == -1 && out.cls == OUTCOME_CONFIG,
	   "unknown account fails");
	is_str(out.text, "account 'zz' not found in " LABEL, "unknown account: message");

	outcome_clear(&out);
	ok(account_check(must_find(&cfg, "a"), &out) == 0, "account a is usable");
	ok(account_check(must_find(&cfg, "nohost"), &out) == -1 && out.cls == OUTCOME_CONFIG,
	   "account without host fails the check");
	is_str(out.text, LABEL ":3: account 'nohost' has no 'host'", "no host: message");
	outcome_clear(&out);
	ok(account_check(must_find(&cfg, "withqueue"), &out) == -1 && out.cls == OUTCOME_CONFIG,
	   "account needing a missing feature fails the check");
	is_str(out.text, NSY(6, "proxy_host p.example", "proxy support", "remove 'proxy_host'"),
	       "unsupported: message");
	config_free(&cfg);

	parse_good("account a\nhost h\n", &cfg, "no default account");
	outcome_clear(&out);
	ok(account_select(&cfg, NULL, &chosen, &out) == -1 && out.cls == OUTCOME_CONFIG,
	   "no default fails");
	is_str(out.text, "no account chosen: " LABEL " has no 'account default' "
	       "(use -a NAME or add 'account default : NAME')", "no default: message");
	config_free(&cfg);
}

static void test_account_port(void)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.tls_starttls = true;
	is_int(account_port(&a), 25, "plain SMTP: 25");
	a.tls = TLS_SETTING_ON;
	is_int(account_port(&a), 587, "STARTTLS: 587");
	a.tls_starttls = false;
	is_int(account_port(&a), 465, "implicit TLS: 465");
	a.protocol = PROTOCOL_LMTP;
	is_int(account_port(&a), 2003, "LMTP: 2003");
	a.port = 10025;
	is_int(account_port(&a), 10025, "an explicit port wins");
}

/* ------------------------------------------------------------ files */

static char base[64];

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static char *path_in(const char *dir, const char *name)
{
	static char paths[16][512];
	static int next;
	char *p = paths[next++ % 16];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

/* Which file config_load() picks from the search list. */
static const char *loaded_path(struct config *cfg)
{
	static char path[OUTCOME_TEXT_MAX + 16];
	struct outcome out;

	outcome_clear(&out);
	if (config_load(NULL, cfg, &out) < 0) {
		snprintf(path, sizeof(path), "error: %s", out.text);
		return path;
	}
	snprintf(path, sizeof(path), "%s", cfg->path ? cfg->path : "(none)");
	config_free(cfg);
	return path;
}

static void test_search_order(void)
{
	char home[256], xdg[256], want[2048];
	const char *system_file = SYSCONFDIR "/postierc";
	struct config cfg;
	struct outcome out;
	const struct account *chosen;
	bool system_clean = access(system_file, F_OK) < 0 && access("/etc/msmtprc", F_OK) < 0;

	snprintf(home, sizeof(home), "%s/home", base);
	snprintf(xdg, sizeof(xdg), "%s/xdg", base);
	if (mkdir(home, 0700) < 0 || mkdir(xdg, 0700) < 0 ||
	    mkdir(path_in(xdg, "postie"), 0700) < 0 || mkdir(path_in(home, ".config"), 0700) < 0 ||
	    mkdir(path_in(home, ".config/postie"), 0700) < 0) {
		printf("Bail out! cannot make test directories: %s\n", strerror(errno));
		exit(1);
	}
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);

	if (system_clean) {
		outcome_clear(&out);
		ok(config_load(NULL, &cfg, &out) == 0 && cfg.path == NULL, "no file found is not an error");
		ok(account_select(&cfg, NULL, &chosen, &out) == -1 && out.cls == OUTCOME_CONFIG,
		   "...but selecting an account is");
		snprintf(want, sizeof(want), "no configuration file found (looked for "
		         "%s/postie/config, %s/.postierc, %s, %s/.msmtprc, /etc/msmtprc)",
		         xdg, home, system_file, home);
		is_str(out.text, want, "no file: message lists the real paths");
		config_free(&cfg);
	} else {
		ok(1, "# SKIP a system config file exists");
	}

	write_file(path_in(home, ".msmtprc"), "account m\nhost m\n", 0600);
	if (system_clean)
		is_str(loaded_path(&cfg), path_in(home, ".msmtprc"), "~/.msmtprc as a last resort");
	write_file(path_in(home, ".postierc"), "account p\nhost p\n", 0600);
	is_str(loaded_path(&cfg), path_in(home, ".postierc"), "~/.postierc before ~/.msmtprc");
	write_file(path_in(home, ".config/postie/config"), "account c\nhost c\n", 0600);
	is_str(loaded_path(&cfg), path_in(home, ".postierc"),
	       "~/.config ignored while XDG_CONFIG_HOME is set");
	write_file(path_in(xdg, "postie/config"), "account x\nhost x\n", 0600);
	is_str(loaded_path(&cfg), path_in(xdg, "postie/config"), "$XDG_CONFIG_HOME first");
	unsetenv("XDG_CONFIG_HOME");
	is_str(loaded_path(&cfg), path_in(home, ".config/postie/config"),
	       "$HOME/.config without XDG_CONFIG_HOME");
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	is_str(loaded_path(&cfg), path_in(home, ".config/postie/config"),
	       "a relative XDG_CONFIG_HOME is ignored");
	unsetenv("XDG_CONFIG_HOME");

	/* A file that exists but cannot be read stops the search. */
	if (unlink(path_in(home, ".config/postie/config")) < 0 ||
	    unlink(path_in(home, ".postierc")) < 0 || mkdir(path_in(home, ".postierc"), 0700) < 0) {
		printf("Bail out! cannot rearrange %s\n", home);
		exit(1);
	}
	snprintf(want, sizeof(want), "error: cannot read %s: Is a directory",
	         path_in(home, ".postierc"));
	is_str(loaded_path(&cfg), want, "an unreadable file is an error, not skipped");

	/* The loaded file's accounts carry its path. */
	if (rmdir(path_in(home, ".postierc")) < 0) {
		printf("Bail out! cannot remove %s\n", path_in(home, ".postierc"));
		exit(1);
	}
	outcome_clear(&out);
	if (system_clean) {
		ok(config_load(NULL, &cfg, &out) == 0 && cfg.naccounts == 1, "~/.msmtprc loaded");
		is_str(must_find(&cfg, "m")->origin.file, path_in(home, ".msmtprc"),
		       "account origin names the file found");
		config_free(&cfg);
	}
}

static void test_explicit_file(void)
{
	struct config cfg;
	struct outcome out;
	char want[1024];
	const char *path;

	path = path_in(base, "missing.rc");
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == -1 && out.cls == OUTCOME_CONFIG,
	   "a missing -C file is a config error");
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory", path);
	is_str(out.text, want, "missing -C file: message");

	path = path_in(base, "bad.rc");
	write_file(path, "account a\nhots x\n", 0600);
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == -1, "a bad -C file fails");
	snprintf(want, sizeof(want), "%s:2: unknown command 'hots'", path);
	is_str(out.text, want, "bad file: message names the path as given");

	path = path_in(base, "open.rc");
	write_file(path, "account a\nhost h\n", 0644);
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == 0 && cfg.naccounts == 1,
	   "a readable file without a password is fine");
	is_str(cfg.path, path, "cfg->path is the path as given");
	config_free(&cfg);

	path = path_in(base, "pw.rc");
	write_file(path, "account a\nhost h\npassword pw12345\n", 0644);
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == -1 && out.cls == OUTCOME_CONFIG,
	   "a password in a 0644 file is refused");
	snprintf(want, sizeof(want), "%s: holds a password but is readable by others "
	         "(mode 0644); run: chmod 600 %s", path, path);
	is_str(out.text, want, "0644 password file: message");
	ok(strstr(out.text, "pw12345") == NULL, "the message does not show the password");
	ok(cfg.accounts == NULL && cfg.path == NULL, "nothing left after the refusal");

	if (chmod(path, 0640) < 0) {
		printf("Bail out! chmod %s: %s\n", path, strerror(errno));
		exit(1);
	}
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == -1 && strstr(out.text, "(mode 0640)") != NULL,
	   "group-readable is refused too");

	if (chmod(path, 0600) < 0) {
		printf("Bail out! chmod %s: %s\n", path, strerror(errno));
		exit(1);
	}
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == 0 && cfg.holds_password, "0600 is fine");
	is_str(must_find(&cfg, "a")->password, "pw12345", "password read");
	config_free(&cfg);

	if (geteuid() == 0) {
		if (chown(path, 65534, (gid_t)-1) < 0) {
			printf("Bail out! chown %s: %s\n", path, strerror(errno));
			exit(1);
		}
		outcome_clear(&out);
		ok(config_load(path, &cfg, &out) == -1, "someone else's password file is refused");
		snprintf(want, sizeof(want),
		         "%s: holds a password but is owned by uid 65534, not you", path);
		is_str(out.text, want, "foreign owner: message");
	} else {
		ok(1, "# SKIP changing a file's owner needs root");
	}

	path = path_in(base, "big.rc");
	{
		static char big[1024 * 1024 + 2];

		memset(big, '#', sizeof(big) - 1);
		big[sizeof(big) - 2] = '\n';
		write_file(path, big, 0600);
	}
	outcome_clear(&out);
	ok(config_load(path, &cfg, &out) == -1, "a file over 1 MiB fails");
	snprintf(want, sizeof(want), "%s: larger than 1 MiB, too big to be a config file", path);
	is_str(out.text, want, "big file: message");
}

static void remove_tree(void)
{
	char cmd[128];

	/* Test scratch only: the directory this test created under /tmp. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
}

/* ------------------------------------------------------------ command line */

static void test_overrides(void)
{
	struct config cfg;
	struct outcome out;
	struct account *a;

	parse_good("account a\nhost h.example\nport 25\ntls off\n", &cfg, "override base");
	a = (struct account *)must_find(&cfg, "a");
	ok(config_override(a, "port", "2525", &out) == 0 && a->port == 2525, "--port=2525");
	ok(config_override(a, "host", "other.example", &out) == 0 &&
	   !strcmp(a->host, "other.example"), "--host replaces the host");
	ok(config_override(a, "tls", NULL, &out) == 0 && a->tls == TLS_SETTING_ON,
	   "--tls alone means on");
	ok(config_override(a, "tls_starttls", "off", &out) == 0 && !a->tls_starttls,
	   "--tls-starttls=off");
	ok(config_override(a, "auth", "PLAIN", &out) == 0 && !strcmp(a->auth, "plain"),
	   "--auth=PLAIN is stored as the table spells it");
	ok(config_override(a, "partial_delivery", NULL, &out) == 0 && a->partial_delivery,
	   "--partial-delivery");
	ok(config_override(a, "port", "99999", &out) == -1 && out.cls == OUTCOME_USAGE,
	   "--port=99999 is refused as a bad command line");
	is_str(out.text, "option --port: port must be a number from 1 to 65535, not '99999'",
	       "the error names the option");
	ok(config_override(a, "tls_certcheck", "maybe", &out) == -1 &&
	   strstr(out.text, "option --tls-certcheck:") == out.text, "bad on/off names --tls-certcheck");
	ok(config_override(a, "password", "x", &out) == -1 && out.cls == OUTCOME_USAGE &&
	   !strstr(out.text, ": x"), "a password is never taken from the command line");
	ok(config_override(a, "host", NULL, &out) == -1 && out.cls == OUTCOME_USAGE,
	   "--host needs a value");
	ok(config_override(a, "maildomain", "x.org>\r\nRCPT TO:<evil@y.org", &out) == -1 &&
	   out.cls == OUTCOME_USAGE && strstr(out.text, "control character"),
	   "a CR or LF in an option's value is refused");
	ok(config_override(a, "domain", "foo\nRSET", &out) == -1, "also in --domain");
	ok(config_override(a, "nonsense", "1", &out) == -1 && out.cls == OUTCOME_USAGE,
	   "an unknown keyword is a usage error");
	ok(a->unsupported[0] == '\0', "no objection so far");
	ok(config_override(a, "proxy_host", "p.example", &out) == 0 &&
	   strstr(a->unsupported, "option --proxy-host=p.example: not supported yet") == a->unsupported,
	   "--proxy-host is stored with an objection (%s)", a->unsupported);
	ok(config_override(a, "proxy_host", "", &out) == 0 && a->unsupported[0] == '\0',
	   "a later --proxy-host= takes the objection back");
	config_free(&cfg);

	memset(&cfg, 0, sizeof(cfg));
	a = config_add_account(&cfg, "command line", &out);
	ok(a && cfg.naccounts == 1 && !strcmp(a->name, "command line"), "an account from nothing");
	ok(a && a->tls == TLS_SETTING_ON && a->timeout == CONFIG_DEFAULT_TIMEOUT &&
	   a->remove_bcc_headers && !a->host, "it has the built-in defaults");
	ok(a && !strcmp(a->origin.file, "command line"), "its origin says where it came from");
	config_free(&cfg);
}

static void test_account_by_sender(void)
{
	struct config cfg;
	struct outcome out;
	const struct account *chosen;

	parse_good("account work\nhost w\nfrom alice@work.example\n"
	           "account lists\nhost l\nfrom *@lists.example\n"
	           "account home\nhost h\nfrom alice@home.example\n"
	           "account default : home\n", &cfg, "accounts by sender");
	ok(account_select_for_sender(&cfg, NULL, "alice@work.example", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "work"), "exact from picks its account");
	ok(account_select_for_sender(&cfg, NULL, "alice@WORK.example", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "work"), "domain case does not matter");
	ok(account_select_for_sender(&cfg, NULL, "alice+tag@work.example", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "work"), "a subaddress picks the base address's account");
	ok(account_select_for_sender(&cfg, NULL, "x@lists.example", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "lists"), "a pattern picks its account");
	ok(account_select_for_sender(&cfg, NULL, "bob@elsewhere.example", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "default"), "no match: the default account");
	ok(account_select_for_sender(&cfg, "lists", "alice@work.example", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "lists"), "-a wins over the sender");
	ok(account_select_for_sender(&cfg, NULL, NULL, &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "default"), "no sender: the default account");
	ok(account_select_for_sender(&cfg, NULL, "", &chosen, &out) == 0 &&
	   !strcmp(chosen->name, "default"), "null sender: the default account");
	config_free(&cfg);
}

static void test_fallback_rule(void)
{
	static const struct {
		enum outcome_class cls;
		const char *step;
		bool helps;
	} cases[] = {
		{ OUTCOME_TEMPORARY, "connect", true },
		{ OUTCOME_TEMPORARY, "rcpt", true },
		{ OUTCOME_PROTOCOL, "greeting", true },
		{ OUTCOME_NO_HOST, "connect", true },
		{ OUTCOME_NOT_PERMITTED, "tls", true },
		{ OUTCOME_NOT_PERMITTED, "auth", false },
		{ OUTCOME_CONFIG, "config", false },
		{ OUTCOME_REFUSED, "data", false },
		{ OUTCOME_RCPT_REFUSED, "rcpt", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outcome o;

		outcome_clear(&o);
		outcome_fail(&o, cases[i].cls, cases[i].step, "x");
		ok(account_fallback_may_help(&o) == cases[i].helps, "fallback after class %d at %s: %s",
		   cases[i].cls, cases[i].step, cases[i].helps ? "yes" : "no");
	}
}

static void test_durations(void)
{
	static const struct { const char *text; long seconds; } cases[] = {
		{ "90", 90 }, { "90s", 90 }, { "5m", 300 }, { "2h", 7200 }, { "5d", 432000 },
		{ "1w", 604800 }, { "0", 0 }, { "", -1 }, { "m", -1 }, { "5x", -1 },
		{ "5mm", -1 }, { "-5m", -1 }, { " 5m", -1 }, { "99999999999w", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(config_parse_duration(cases[i].text), cases[i].seconds, "duration '%s'",
		       cases[i].text);
}

int main(void)
{
	snprintf(base, sizeof(base), "/tmp/postie-test-config-XXXXXX");
	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	test_bad_configs();
	test_line_limits();
	test_all_implemented_settings();
	test_builtin_defaults();
	test_inheritance();
	test_quoting();
	test_values();
	test_home_from_passwd();
	test_unsupported();
	test_password_never_shown();
	test_account_choice();
	test_account_port();
	test_explicit_file();
	test_search_order();
	test_overrides();
	test_account_by_sender();
	test_durations();
	test_fallback_rule();

	remove_tree();
	return tap_done();
}

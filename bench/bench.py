#!/usr/bin/env python3
"""bench.py - the measurements behind bench/run (see bench/README).

bench/run starts the servers and calls this with the workloads to run
(W1..W5) and, in the environment, where everything is: POSTIE, MSMTP,
GNU_TIME, BENCH_DIR, BENCH_WORK (scratch), BENCH_OUT (kept), SINK_PORT,
SINK_OUT, PF_PORT, PF_TLS_PORT, PF_CA, PF_PASS_alice. It prints one table
and writes it, with the raw numbers and the turn logs, to BENCH_OUT.

Each invocation is timed from just before posix_spawn to the return of
wait4 with the monotonic clock; the same for both clients, and the cost of
that alone (spawning /bin/true) is printed, so it can be taken out.
msmtp and postie run alternately, in turn order msmtp-postie then
postie-msmtp, so neither always runs on a warmer or colder machine.
"""

import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time

ENV = os.environ
POSTIE = ENV["POSTIE"]
MSMTP = ENV.get("MSMTP", "/usr/bin/msmtp")
GNU_TIME = ENV.get("GNU_TIME", "/usr/bin/time")
BENCH_DIR = ENV["BENCH_DIR"]
WORK = ENV["BENCH_WORK"]
OUT = ENV["BENCH_OUT"]

RUNS = int(ENV.get("BENCH_RUNS", "100"))            # W1, W2
W3_RUNS = int(ENV.get("BENCH_W3_RUNS", "3"))
W3_MIB = int(ENV.get("BENCH_W3_MIB", "100"))
W4_RUNS = int(ENV.get("BENCH_W4_RUNS", "5"))
W4_DELAY = float(ENV.get("BENCH_W4_DELAY", "0.025"))
W5_MESSAGES = int(ENV.get("BENCH_W5_MESSAGES", "1000"))
WARMUP = 3

SENDER = "sender@example.test"
RCPT = "alice@example.test"
USER = "alice"
SERVER_NAME = "mail.example.test"

# The protocol floor of W4, in turns, for what each server offers (see
# bench/README, "W4: the floor"): smtp-sink offers PIPELINING but not
# CHUNKING; Postfix offers both. FLOOR_DATA: the floor when DATA is used.
FLOOR = {"plain": 3, "starttls": 6, "implicit": 5}
FLOOR_DATA = {"plain": 3, "starttls": 7, "implicit": 6}

rows = []       # the table: (workload, msmtp, postie, ratio, target, verdict)
notes = []      # lines printed under the table
raw = {}        # everything measured, for results.json


# ------------------------------------------------------------------ running

class Failed(Exception):
	pass


def spawn_timed(argv, stdin_path=None, timeout=60, env=None):
	"""Run argv once; return (seconds, exit status, rusage).

	stdout goes to /dev/null, stderr to WORK/last.err (read on failure)."""
	stdin_fd = os.open(stdin_path or "/dev/null", os.O_RDONLY)
	null_fd = os.open("/dev/null", os.O_WRONLY)
	err_fd = os.open(os.path.join(WORK, "last.err"),
			 os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	actions = [(os.POSIX_SPAWN_DUP2, stdin_fd, 0),
		   (os.POSIX_SPAWN_DUP2, null_fd, 1),
		   (os.POSIX_SPAWN_DUP2, err_fd, 2)]
	try:
		start = time.monotonic_ns()
		pid = os.posix_spawn(argv[0], argv, env if env is not None else ENV,
				     file_actions=actions)
		pidfd = os.pidfd_open(pid)
		try:
			poller = select.poll()
			poller.register(pidfd, select.POLLIN)
			if not poller.poll(timeout * 1000):
				signal.pidfd_send_signal(pidfd, signal.SIGKILL)
			_, status, usage = os.wait4(pid, 0)
			end = time.monotonic_ns()
		finally:
			os.close(pidfd)
	finally:
		for fd in (stdin_fd, null_fd, err_fd):
			os.close(fd)
	return (end - start) / 1e9, os.waitstatus_to_exitcode(status), usage


def last_stderr():
	try:
		with open(os.path.join(WORK, "last.err"), errors="replace") as f:
			return f.read().strip()[-500:]
	except OSError:
		return ""


def run_ok(name, argv, stdin_path=None, timeout=60):
	"""spawn_timed, and a failed run is an error that says why."""
	seconds, status, usage = spawn_timed(argv, stdin_path, timeout)
	if status != 0:
		raise Failed("%s exited %d: %s" % (name, status, last_stderr()))
	return seconds, usage


def alternate(pairs, runs, warmup=WARMUP):
	"""pairs: {client: (argv, stdin)}; run them alternately; return
	{client: [seconds...]} (warm-up runs not counted)."""
	times = {name: [] for name in pairs}
	names = list(pairs)
	for i in range(warmup + runs):
		order = names if i % 2 == 0 else names[::-1]
		for name in order:
			argv, stdin = pairs[name]
			seconds, _ = run_ok(name, argv, stdin)
			if i >= warmup:
				times[name].append(seconds)
	return times


def spawn_overhead():
	"""What spawn_timed costs by itself: /bin/true, median of 100."""
	times = [spawn_timed(["/bin/true"])[0] for _ in range(100)]
	return statistics.median(times)


# ------------------------------------------------------------------ configs

def quote(text):
	return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def write_private(path, text):
	fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	with os.fdopen(fd, "w") as f:
		f.write(text)


def account_lines(port, mode):
	"""The account, the same for both clients: server, TLS, trust, AUTH."""
	lines = ["host 127.0.0.1", "port %d" % port, "from " + SENDER,
		 "domain localhost", "timeout 60"]
	if mode == "plain":
		lines += ["tls off", "auth off"]
	else:
		lines += ["tls on",
			  "tls_starttls %s" % ("on" if mode == "starttls" else "off"),
			  "tls_trust_file " + ENV["PF_CA"],
			  "tls_host_override " + SERVER_NAME,
			  "auth plain", "user " + USER,
			  "password " + quote(ENV["PF_PASS_alice"])]
	return lines


def write_configs(tag, port, mode, postie_extra=()):
	"""Write a postie and an msmtp config for one server; return the paths."""
	account = account_lines(port, mode)
	postie = os.path.join(WORK, "postierc.%s" % tag)
	msmtp = os.path.join(WORK, "msmtprc.%s" % tag)
	queue = [] if any(x.startswith("queue ") for x in postie_extra) else ["queue off"]
	write_private(postie, "\n".join(["account default"] + account + queue +
					 list(postie_extra)) + "\n")
	write_private(msmtp, "\n".join(["account default"] + account +
					["syslog off"]) + "\n")
	return postie, msmtp


def commands(postie_conf, msmtp_conf):
	return {"msmtp": [MSMTP, "-C", msmtp_conf, RCPT],
		"postie": [POSTIE, "-C", postie_conf, RCPT]}


def message(size):
	"""A test message of SIZE ("2K", "100M") and its wire form."""
	path = os.path.join(WORK, "msg-%s" % size)
	if not os.path.exists(path):
		subprocess.run([os.path.join(BENCH_DIR, "genmsg"), size, path, path + ".wire"],
			       check=True, timeout=300)
	return path


# ------------------------------------------------------------------ stats

def summary(values):
	return statistics.median(values), min(values), max(values)


def fmt_ms(values):
	med, lo, hi = summary(values)
	return "%.1f ms (%.1f–%.1f)" % (med * 1e3, lo * 1e3, hi * 1e3)


def fmt_rate(values, unit):
	med, lo, hi = summary(values)
	return "%.1f %s (%.1f–%.1f)" % (med, unit, lo, hi)


def verdict(ok):
	return "met" if ok else "MISSED"


# ------------------------------------------------------------------ smtp-sink

def sink_counters():
	"""smtp-sink's latest counters: {"sess": N, "quit": N, "mesg": N}."""
	with open(ENV["SINK_OUT"], "rb") as f:
		text = f.read().decode("ascii", "replace").replace("\r", "\n")
	found = re.findall(r"sess=(\d+) quit=(\d+) mesg=(\d+)", text)
	if not found:
		return {"sess": 0, "quit": 0, "mesg": 0}
	s, q, m = found[-1]
	return {"sess": int(s), "quit": int(q), "mesg": int(m)}


def sink_wait_messages(count, seconds=10):
	"""Bounded wait until smtp-sink has counted COUNT messages."""
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		got = sink_counters()
		if got["mesg"] >= count:
			return got
		time.sleep(0.05)
	return sink_counters()


# ------------------------------------------------------------------ W1, W2

def small_message_workload(label, tag, port, mode, target):
	msg = message("2K")
	postie_conf, msmtp_conf = write_configs(tag, port, mode)
	cmds = commands(postie_conf, msmtp_conf)
	before = sink_counters()["mesg"] if mode == "plain" else 0
	times = alternate({name: (argv, msg) for name, argv in cmds.items()}, RUNS)
	if mode == "plain":
		want = before + 2 * (RUNS + WARMUP)
		got = sink_wait_messages(want)["mesg"]
		if got != want:
			raise Failed("%s: smtp-sink counted %d messages, not %d" % (label, got, want))
	ratio = statistics.median(times["postie"]) / statistics.median(times["msmtp"])
	net = ((statistics.median(times["postie"]) - OVERHEAD) /
	       (statistics.median(times["msmtp"]) - OVERHEAD))
	rows.append(("%s (n=%d)" % (label, RUNS), fmt_ms(times["msmtp"]),
		     fmt_ms(times["postie"]), "%.3f" % ratio,
		     "≤ %s" % target, verdict(ratio <= target)))
	notes.append("%s: ratio without the spawn cost: %.3f" % (label, net))
	raw[tag] = times


def w1():
	small_message_workload("W1 2 KB, plain SMTP", "w1", int(ENV["SINK_PORT"]), "plain", 0.15)


def w2():
	small_message_workload("W2 2 KB, STARTTLS + AUTH PLAIN", "w2-starttls",
			       int(ENV["PF_PORT"]), "starttls", 0.1)
	small_message_workload("W2 2 KB, implicit TLS + AUTH PLAIN", "w2-implicit",
			       int(ENV["PF_TLS_PORT"]), "implicit", 0.1)


# ------------------------------------------------------------------ W3

def timed_with_rss(name, argv, stdin, timeout=600):
	"""Run under GNU time; return (seconds, peak RSS in KiB)."""
	rss_file = os.path.join(WORK, "rss")
	seconds, _ = run_ok(name, [GNU_TIME, "-f", "%M", "-o", rss_file] + argv, stdin, timeout)
	with open(rss_file) as f:
		rss = int(f.read().split()[-1])
	return seconds, rss


def w3():
	port = int(ENV["PF_PORT"])
	big = message("%dM" % W3_MIB)
	small = message("10M")
	mib = os.path.getsize(big) / (1 << 20)
	postie_conf, msmtp_conf = write_configs("w3", port, "starttls")
	cmds = commands(postie_conf, msmtp_conf)
	raw_base = [sys.executable, os.path.join(BENCH_DIR, "rawsend"), "--starttls",
		    "--ca", ENV["PF_CA"], "--servername", SERVER_NAME, "--user", USER]
	raw_tail = ["127.0.0.1", str(port), SENDER, RCPT, big + ".wire"]
	os.environ["RAWSEND_PASSWORD"] = ENV["PF_PASS_alice"]
	clients = {"msmtp": cmds["msmtp"], "postie": cmds["postie"],
		   "raw DATA": raw_base + raw_tail, "raw BDAT": raw_base + ["--bdat"] + raw_tail}
	rate = {name: [] for name in clients}
	rss = {name: [] for name in clients}
	names = list(clients)
	for i in range(W3_RUNS):
		order = names if i % 2 == 0 else names[::-1]
		for name in order:
			stdin = None if name.startswith("raw") else big
			seconds, kib = timed_with_rss(name, clients[name], stdin)
			rate[name].append(mib / seconds)
			rss[name].append(kib)
	rss_small = {"postie": [], "msmtp": []}
	for i in range(3):
		for name in ("postie", "msmtp"):
			rss_small[name].append(timed_with_rss(name, cmds[name], small)[1])
	med = {name: statistics.median(v) for name, v in rate.items()}
	ceiling_name = max(("raw DATA", "raw BDAT"), key=lambda n: med[n])
	ceiling = med[ceiling_name]
	ratio = med["postie"] / med["msmtp"]
	of_ceiling = med["postie"] / ceiling
	rows.append(("W3 %d MiB, STARTTLS + AUTH: MiB/s (n=%d)" % (W3_MIB, W3_RUNS),
		     fmt_rate(rate["msmtp"], "MiB/s"), fmt_rate(rate["postie"], "MiB/s"),
		     "%.2f×" % ratio, "≥ 5×, or ≥ 0.8 of ceiling",
		     verdict(ratio >= 5 or of_ceiling >= 0.8)))
	rows.append(("W3 postie vs the ceiling: rawsend %s, %s" %
		     (ceiling_name.split()[1], fmt_rate(rate[ceiling_name], "MiB/s")),
		     "", fmt_rate(rate["postie"], "MiB/s"), "%.2f" % of_ceiling,
		     "≥ 0.8 (if server-bound)", verdict(of_ceiling >= 0.8)))
	big_kib = max(rss["postie"])
	small_kib = max(rss_small["postie"])
	rows.append(("W3 peak RSS, 10 MiB message", "%.1f MiB" % (max(rss_small["msmtp"]) / 1024),
		     "%.1f MiB" % (small_kib / 1024), "", "≤ 8 MiB", verdict(small_kib <= 8192)))
	rows.append(("W3 peak RSS, %d MiB message" % W3_MIB, "%.1f MiB" % (max(rss["msmtp"]) / 1024),
		     "%.1f MiB" % (big_kib / 1024), "",
		     "≤ 8 MiB, ±1 MiB of 10 MiB's",
		     verdict(big_kib <= 8192 and abs(big_kib - small_kib) <= 1024)))
	other = "raw BDAT" if ceiling_name == "raw DATA" else "raw DATA"
	notes.append("W3: %s reached %s; message %.1f MiB on stdin; the rate is size / "
		     "wall time of the whole invocation" % (other, fmt_rate(rate[other], "MiB/s"), mib))
	raw["w3"] = {"rate": rate, "rss_kib": rss, "rss_10mib_kib": rss_small}


# ------------------------------------------------------------------ W4

class TurnProxy:
	"""bench/turnproxy in front of a port, started and stopped by its PID."""

	def __init__(self, target_port, log):
		self.log = log
		self.proc = subprocess.Popen(
			[sys.executable, os.path.join(BENCH_DIR, "turnproxy"), "--delay",
			 str(W4_DELAY), "--log", log, "0", "127.0.0.1:%d" % target_port],
			stdout=subprocess.PIPE, stderr=open(log + ".err", "w"))
		ready = select.select([self.proc.stdout], [], [], 10)[0]
		line = self.proc.stdout.readline().decode() if ready else ""
		if not line.startswith("port "):
			self.stop()
			raise Failed("turnproxy did not start: %r" % line)
		self.port = int(line.split()[1])

	def records(self):
		try:
			with open(self.log) as f:
				return [json.loads(line) for line in f if line.strip()]
		except FileNotFoundError:
			return []

	def wait_records(self, count, seconds=10):
		deadline = time.monotonic() + seconds
		while time.monotonic() < deadline:
			recs = self.records()
			if len(recs) >= count:
				return recs
			time.sleep(0.02)
		raise Failed("turnproxy logged %d connections, not %d" % (len(self.records()), count))

	def stop(self):
		if self.proc.poll() is None:
			self.proc.terminate()
			try:
				self.proc.wait(5)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait(5)


def turn_log_text(rec):
	out = ["conn %d: %d turns, %.3f s at the proxy, %d bytes up, %d down" %
	       (rec["conn"], rec["turns"], rec["seconds"], rec["c2s"], rec["s2c"])]
	if rec["greeting"]:
		out.append("  (greeting) S: " + " | ".join(rec["greeting"]))
	for n, flight in enumerate(rec["flights"], 1):
		if flight["server"]:
			tag = "turn %d" % sum(1 for f in rec["flights"][:n] if f["server"])
		else:
			tag = "no reply"
		if flight.get("fin_first"):  # the client closed before the answer
			tag += " (FIN)"
		out.append("  %-8s +%.3fs C: %s" % (tag, flight["at"], " | ".join(flight["client"])))
		if flight["server"]:
			out.append("  %-8s         S: %s" % ("", " | ".join(flight["server"])))
	return "\n".join(out)


def w4():
	targets = {"plain": int(ENV["SINK_PORT"]), "starttls": int(ENV["PF_PORT"]),
		   "implicit": int(ENV["PF_TLS_PORT"])}
	msg = message("2K")
	raw["w4"] = {}
	for mode, port in targets.items():
		log = os.path.join(OUT, "turns-%s.jsonl" % mode)
		if os.path.exists(log):
			os.unlink(log)
		proxy = TurnProxy(port, log)
		try:
			postie_conf, msmtp_conf = write_configs("w4-" + mode, proxy.port, mode)
			cmds = commands(postie_conf, msmtp_conf)
			got = {"msmtp": [], "postie": []}
			count = 0
			for i in range(W4_RUNS):
				order = ["msmtp", "postie"] if i % 2 == 0 else ["postie", "msmtp"]
				for name in order:
					seconds, _ = run_ok(name, cmds[name], msg)
					count += 1
					rec = proxy.wait_records(count)[-1]
					got[name].append((seconds, rec))
		finally:
			proxy.stop()
		with open(os.path.join(OUT, "turns-%s.txt" % mode), "w") as f:
			for name in ("msmtp", "postie"):
				f.write("== %s, %s (first run)\n%s\n\n" % (name, mode, turn_log_text(got[name][0][1])))
		turns = {n: sorted({r["turns"] for _, r in v}) for n, v in got.items()}
		times = {n: [s for s, _ in v] for n, v in got.items()}
		pt, mt = max(turns["postie"]), min(turns["msmtp"])
		floor = FLOOR[mode]
		rows.append(("W4 %s, 25 ms each way: turns" % mode,
			     "/".join(map(str, turns["msmtp"])), "/".join(map(str, turns["postie"])), "",
			     ("= floor %d, < msmtp" % floor if floor == FLOOR_DATA[mode] else
			      "= floor %d (BDAT; %d with DATA), < msmtp" % (floor, FLOOR_DATA[mode])),
			     verdict(pt <= floor and pt < mt)))
		rows.append(("W4 %s, 25 ms each way: time (n=%d)" % (mode, W4_RUNS), fmt_ms(times["msmtp"]),
			     fmt_ms(times["postie"]),
			     "%.2f" % (statistics.median(times["postie"]) / statistics.median(times["msmtp"])),
			     "", ""))
		raw["w4"][mode] = {"turns": turns, "seconds": times}
	notes.append("W4: turn logs in %s/turns-*.txt" % OUT)


# ------------------------------------------------------------------ W5

def queue_files(qdir):
	n = 0
	for _, _, files in os.walk(qdir):
		n += len(files)
	return n


def postie_queue_run(qdir, msg):
	"""Queue W5_MESSAGES with -odq into QDIR, then flush them with one -q.
	Returns (enqueue seconds, flush seconds, connections, files left)."""
	postie_conf, _ = write_configs("w5-" + os.path.basename(qdir), int(ENV["SINK_PORT"]),
				       "plain", ["queue on", "queue_dir " + qdir])
	start = time.monotonic()
	for _ in range(W5_MESSAGES):
		run_ok("postie -odq", [POSTIE, "-C", postie_conf, "-odq", RCPT], msg)
	enqueue_seconds = time.monotonic() - start
	before = sink_counters()
	flush_seconds, _ = run_ok("postie -q", [POSTIE, "-C", postie_conf, "-q"], timeout=600)
	after = sink_wait_messages(before["mesg"] + W5_MESSAGES)
	delivered = after["mesg"] - before["mesg"]
	if delivered != W5_MESSAGES:
		raise Failed("W5: smtp-sink counted %d messages from the flush, not %d"
			     % (delivered, W5_MESSAGES))
	return enqueue_seconds, flush_seconds, after["sess"] - before["sess"], queue_files(qdir)


def w5():
	msg = message("2K")
	_, msmtp_conf = write_configs("w5", int(ENV["SINK_PORT"]), "plain")

	# msmtp: one process per message, one after the other.
	before = sink_counters()
	start = time.monotonic()
	for _ in range(W5_MESSAGES):
		run_ok("msmtp", [MSMTP, "-C", msmtp_conf, RCPT], msg)
	msmtp_seconds = time.monotonic() - start
	after = sink_wait_messages(before["mesg"] + W5_MESSAGES)
	msmtp_conns = after["sess"] - before["sess"]

	# postie: queue them all (-odq), then one flush (-q); the queue where a
	# user's would be (on the disk), then in memory (tmpfs) to tell the
	# protocol's share from the file system's.
	enq, flush, conns, left = postie_queue_run(os.path.join(WORK, "queue"), msg)
	msmtp_rate = W5_MESSAGES / msmtp_seconds
	postie_rate = W5_MESSAGES / flush
	ratio = postie_rate / msmtp_rate
	rows.append(("W5 %d messages: messages/s" % W5_MESSAGES, "%.1f/s" % msmtp_rate,
		     "%.1f/s" % postie_rate, "%.0f×" % ratio, "≥ 100×", verdict(ratio >= 100)))
	rows.append(("W5 connections", "%d" % msmtp_conns, "%d" % conns, "", "postie: 1",
		     verdict(conns == 1)))
	notes.append("W5: msmtp %.2f s for %d processes; postie -odq %.2f s to queue them "
		     "(%.0f/s), postie -q %.3f s; %d files left in the queue"
		     % (msmtp_seconds, W5_MESSAGES, enq, W5_MESSAGES / enq, flush, left))
	raw["w5"] = {"msmtp_seconds": msmtp_seconds, "enqueue_seconds": enq,
		     "flush_seconds": flush, "msmtp_connections": msmtp_conns,
		     "postie_connections": conns}
	if os.path.isdir("/dev/shm") and ENV.get("BENCH_W5_TMPFS", "1") == "1":
		shm = os.path.join("/dev/shm", "postie-bench-queue.%d" % os.getpid())
		try:
			enq, flush, conns, left = postie_queue_run(shm, msg)
		finally:
			subprocess.run(["rm", "-rf", "--", shm], timeout=60)
		rate = W5_MESSAGES / flush
		rows.append(("W5 the same, postie's queue on tmpfs", "%.1f/s" % msmtp_rate,
			     "%.1f/s" % rate, "%.0f×" % (rate / msmtp_rate), "(for the cause)", ""))
		raw["w5"].update(tmpfs_enqueue_seconds=enq, tmpfs_flush_seconds=flush,
				 tmpfs_connections=conns)


# ------------------------------------------------------------------ table

def table():
	head = ("workload", "msmtp median (min–max)", "postie median (min–max)", "ratio",
		"target", "")
	all_rows = [head] + rows
	widths = [max(len(r[i]) for r in all_rows) for i in range(len(head))]
	lines = []
	for n, r in enumerate(all_rows):
		lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
		if n == 0:
			lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
	return "\n".join(lines)


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5}


def main():
	global OVERHEAD
	# On SIGTERM (bench/run's timeout), unwind: the proxies stop by PID.
	signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
	chosen = sys.argv[1:] or list(WORKLOADS)
	OVERHEAD = spawn_overhead()
	notes.append("spawn + timing cost alone (/bin/true, median of 100): %.2f ms" % (OVERHEAD * 1e3))
	failed = []
	for name in chosen:
		started = time.monotonic()
		print("bench: %s ..." % name, file=sys.stderr, flush=True)
		try:
			WORKLOADS[name]()
		except Failed as e:
			failed.append(name)
			rows.append((name, "", "", "", "", "FAILED"))
			notes.append("%s FAILED: %s" % (name, e))
		print("bench: %s took %.0f s" % (name, time.monotonic() - started),
		      file=sys.stderr, flush=True)
	text = table() + "\n\n" + "\n".join("- " + n for n in notes) + "\n"
	print(text)
	with open(os.path.join(OUT, "table.md"), "w") as f:
		f.write(text)
	with open(os.path.join(OUT, "results.json"), "w") as f:
		json.dump(raw, f, indent=1)
	return 1 if failed else 0


if __name__ == "__main__":
	sys.exit(main())

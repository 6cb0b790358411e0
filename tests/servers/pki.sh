# tests/servers/pki.sh - a throwaway X.509 test PKI, made with certtool.
# Source it after lib.sh (postfix.sh does). pki_make writes everything under
# $TEST_TMP/pki, once per test file (about 0.1 s: ECDSA P-256 keys); nothing
# is shared between test files, so parallel runs cannot disturb each other.
#
# What it makes, each a PEM certificate with its own PEM key:
#   PF_CA                      the test CA that clients are told to trust
#   PF_CERT_server  (+_KEY_)   mail.example.test, IP 127.0.0.1; signed by PF_CA
#   PF_CERT_other              other.example.test only; signed by PF_CA
#   PF_CERT_expired            mail.example.test, 127.0.0.1; signed by PF_CA,
#                              valid only in January 2020
#   PF_UNTRUSTED_CA            a second CA that nobody trusts
#   PF_CERT_untrusted          mail.example.test, 127.0.0.1; signed by
#                              PF_UNTRUSTED_CA
#   PF_CERT_client             a TLS client certificate (CN postie-client),
#                              signed by PF_CA
# Keys: PF_KEY_server, PF_KEY_other, ... in the same way. Also PKI_DIR.
#
# cert_fingerprint FILE [sha256|sha1] prints a certificate's fingerprint as
# colon hex in upper case ("AB:CD:..."), the form tls_fingerprint takes.

# pki_make: make the PKI (once; later calls do nothing) and export its paths.
pki_make() {
	[ -f "$TEST_TMP/pki/done" ] && return 0
	command -v certtool >/dev/null 2>&1 ||
		skip_all "certtool is not installed (install the gnutls-bin package)"
	PKI_DIR=$TEST_TMP/pki
	mkdir -p "$PKI_DIR" || bail "mkdir $PKI_DIR failed"
	# Postfix's smtpd reads its certificates and keys while it is still root.
	chmod 755 "$PKI_DIR"

	_pki_ca ca "postie test CA"
	_pki_ca untrusted-ca "postie untrusted test CA"
	_pki_cert server ca server "mail.example.test" \
		'dns_name = "mail.example.test"' 'ip_address = "127.0.0.1"'
	_pki_cert other ca server "other.example.test" \
		'dns_name = "other.example.test"'
	_pki_cert expired ca server "mail.example.test" \
		'dns_name = "mail.example.test"' 'ip_address = "127.0.0.1"' \
		'activation_date = "2020-01-01 00:00:00 UTC"' \
		'expiration_date = "2020-02-01 00:00:00 UTC"'
	_pki_cert untrusted untrusted-ca server "mail.example.test" \
		'dns_name = "mail.example.test"' 'ip_address = "127.0.0.1"'
	_pki_cert client ca client "postie-client"
	chmod 644 "$PKI_DIR"/*.pem
	chmod 600 "$PKI_DIR"/*.key

	PF_CA=$PKI_DIR/ca.pem
	PF_UNTRUSTED_CA=$PKI_DIR/untrusted-ca.pem
	PF_CERT_server=$PKI_DIR/server.pem PF_KEY_server=$PKI_DIR/server.key
	PF_CERT_other=$PKI_DIR/other.pem PF_KEY_other=$PKI_DIR/other.key
	PF_CERT_expired=$PKI_DIR/expired.pem PF_KEY_expired=$PKI_DIR/expired.key
	PF_CERT_untrusted=$PKI_DIR/untrusted.pem PF_KEY_untrusted=$PKI_DIR/untrusted.key
	PF_CERT_client=$PKI_DIR/client.pem PF_KEY_client=$PKI_DIR/client.key
	export PKI_DIR PF_CA PF_UNTRUSTED_CA \
		PF_CERT_server PF_KEY_server PF_CERT_other PF_KEY_other \
		PF_CERT_expired PF_KEY_expired PF_CERT_untrusted PF_KEY_untrusted \
		PF_CERT_client PF_KEY_client
	: >"$PKI_DIR/done"
}

# _pki_key NAME: a new ECDSA P-256 key in NAME.key.
_pki_key() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
		--outfile "$PKI_DIR/$1.key" >>"$PKI_DIR/certtool.out" 2>&1 ||
		_pki_fail "key $1"
}

# _pki_ca NAME CN: a self-signed CA certificate NAME.pem.
_pki_ca() {
	_pki_key "$1"
	printf '%s\n' "cn = \"$2\"" ca cert_signing_key crl_signing_key \
		"expiration_days = 30" >"$PKI_DIR/$1.tmpl"
	certtool --generate-self-signed --load-privkey "$PKI_DIR/$1.key" \
		--template "$PKI_DIR/$1.tmpl" --outfile "$PKI_DIR/$1.pem" \
		>>"$PKI_DIR/certtool.out" 2>&1 || _pki_fail "CA $1"
}

# _pki_cert NAME CA server|client CN [TEMPLATE-LINE...]: NAME.pem, signed by
# CA, valid for 30 days unless the template lines give dates.
_pki_cert() {
	_pki_name=$1 _pki_issuer=$2 _pki_use=$3 _pki_cn=$4
	shift 4
	_pki_key "$_pki_name"
	{
		printf '%s\n' "cn = \"$_pki_cn\"" signing_key
		if [ "$_pki_use" = server ]; then
			echo tls_www_server
		else
			echo tls_www_client
		fi
		case "$*" in
		*expiration_date*) ;;
		*) echo "expiration_days = 30" ;;
		esac
		for _pki_line in "$@"; do
			printf '%s\n' "$_pki_line"
		done
	} >"$PKI_DIR/$_pki_name.tmpl"
	certtool --generate-certificate --load-privkey "$PKI_DIR/$_pki_name.key" \
		--load-ca-certificate "$PKI_DIR/$_pki_issuer.pem" \
		--load-ca-privkey "$PKI_DIR/$_pki_issuer.key" \
		--template "$PKI_DIR/$_pki_name.tmpl" --outfile "$PKI_DIR/$_pki_name.pem" \
		>>"$PKI_DIR/certtool.out" 2>&1 || _pki_fail "certificate $_pki_name"
}

_pki_fail() {
	diag "certtool output:"
	diag "$(cat "$PKI_DIR/certtool.out" 2>/dev/null)"
	bail "certtool could not make the test $1"
}

# cert_fingerprint FILE [sha256|sha1]: the certificate's fingerprint (of its
# DER encoding), upper-case colon hex; sha256 unless told.
cert_fingerprint() {
	certtool --fingerprint --hash="${2:-sha256}" --infile "$1" 2>/dev/null |
		tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//'
}

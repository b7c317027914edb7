#!/bin/sh
# Makes a self-signed certificate for trying HTTPS locally: one PEM file
# holding the certificate and its private key (ECDSA P-256), valid for
# localhost and 127.0.0.1 for 30 days, as `ssl_certificate` wants it.
#
#   tools/tls-cert.sh [OUT.pem]        (default: build/cert.pem)
#   build/mongoose -ssl_certificate build/cert.pem
#   curl --cacert build/cert.pem https://localhost:8080/
set -eu
out=${1:-build/cert.pem}
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 30 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
cat "$tmp/cert.pem" "$tmp/key.pem" > "$out"
chmod 600 "$out"
echo "wrote $out"

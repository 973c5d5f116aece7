#!/bin/sh
# Regenerates the simulated cluster's CA and server certificate (run by hand, never by the tests;
# only the machine's openssl is needed). The CA key is thrown away: nothing signs with it again,
# and running this script makes a whole new set.
# Server certificate: SAN IP:127.0.0.1, IP:::1, DNS:localhost. Valid from 2000-01-01 (so a machine
# whose clock is behind still accepts it) to 2126 (Go and Node read GeneralizedTime dates).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/db"
: > "$tmp/db/index.txt"
cat > "$tmp/ca.cnf" <<CNF
[ca]
default_ca = sim
[sim]
database = $tmp/db/index.txt
new_certs_dir = $tmp/db
rand_serial = yes
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,IP:::1,DNS:localhost
CNF
dates="-startdate 20000101000000Z -enddate 21260101000000Z"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/ca.key" -out "$tmp/ca.csr" -subj "/CN=kubectl-failover simulated cluster CA"
openssl ca -batch -config "$tmp/ca.cnf" -selfsign -keyfile "$tmp/ca.key" -in "$tmp/ca.csr" \
  -extensions ca_ext $dates -notext -out ca.crt
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout server.key -out "$tmp/server.csr" -subj "/CN=kube-apiserver"
openssl ca -batch -config "$tmp/ca.cnf" -cert ca.crt -keyfile "$tmp/ca.key" -in "$tmp/server.csr" \
  -extensions server_ext $dates -notext -out server.crt
openssl verify -CAfile ca.crt server.crt

# A throw-away CA and a certificate it signed for Google's API hosts and 127.0.0.1, so that clients with
# hard-coded Google URLs (through Interop/connect_proxy.py) and DriveSync (`ca_certificate`) reach the
# emulator's TLS listener.
#   source Interop/test-ca.sh; make_test_ca DIR   (writes DIR/ca.pem, DIR/server.pem, DIR/server.key)
make_test_ca() {
    local dir=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=DriveSync test CA" -keyout "$dir/ca.key" \
        -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=www.googleapis.com" -keyout "$dir/server.key" \
        -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:www.googleapis.com,DNS:oauth2.googleapis.com,DNS:accounts.google.com,IP:127.0.0.1\n' \
        >"$dir/san.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
        -extfile "$dir/san.ext" -out "$dir/server.pem" 2>/dev/null
}

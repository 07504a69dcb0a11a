#!/usr/bin/env bash
# Records data/demo.pcapng, the capture `wirewatch demo` analyses, from real
# tools talking across a veth pair between two network namespaces:
#   curl -> nginx (HTTP over IPv4 and IPv6, HTTPS with SNI), dig -> dnsmasq
#   (A/AAAA/TXT/MX, DGA-looking and very long names, an NXDOMAIN burst),
#   an nmap SYN scan of 300 ports, ping and ping -6.
# Process ids are those of `ip netns exec` (it execs the tool), so signals reach it.
# tcpdump captures on the client's veth; editcap converts the result to pcapng.
# Addresses: 198.18.0.0/15 and 2001:db8::/32 only; nothing leaves the namespaces.
# Needs root, iproute2, tcpdump, editcap (wireshark-common), nginx, dnsmasq,
# curl, dig, nmap, ping, openssl. Usage: sudo scripts/record-demo.sh [OUT]
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${1:-data/demo.pcapng}
CLI=wwdemo-cli
SRV=wwdemo-srv
V4_CLI=198.18.0.1
V4_SRV=198.18.0.2
V6_CLI=2001:db8:d::1
V6_SRV=2001:db8:d::2
MAX_PACKETS=20000
WORK=$(mktemp -d /tmp/wwdemo.XXXXXX)

for tool in ip tcpdump editcap nginx dnsmasq curl dig nmap ping openssl timeout; do
  command -v "$tool" >/dev/null || { echo "record-demo: missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "record-demo: needs root (network namespaces)" >&2; exit 1; }

cleanup() {
  set +e
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
  [ -f "$WORK/dnsmasq.pid" ] && kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null
  [ -n "${TCPDUMP_PID:-}" ] && kill "$TCPDUMP_PID" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  ip netns del "$SRV" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

in_cli() { ip netns exec "$CLI" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

# ---- network: two namespaces joined by a veth pair -------------------------
ip netns del "$CLI" 2>/dev/null || true
ip netns del "$SRV" 2>/dev/null || true
ip netns add "$CLI"
ip netns add "$SRV"
ip link add wwdemo0 netns "$CLI" type veth peer name wwdemo1 netns "$SRV"
in_cli ip link set lo up
in_srv ip link set lo up
in_cli ip addr add "$V4_CLI/24" dev wwdemo0
in_srv ip addr add "$V4_SRV/24" dev wwdemo1
in_cli ip -6 addr add "$V6_CLI/64" dev wwdemo0 nodad
in_srv ip -6 addr add "$V6_SRV/64" dev wwdemo1 nodad
in_cli ip link set wwdemo0 up
in_srv ip link set wwdemo1 up
# veth offloads checksums: without this the capture shows TCP/UDP checksums as
# the kernel left them (unfilled), i.e. "bad". ethtool is optional.
if command -v ethtool >/dev/null; then
  in_cli ethtool -K wwdemo0 tx off >/dev/null 2>&1 || true
  in_srv ethtool -K wwdemo1 tx off >/dev/null 2>&1 || true
else
  echo "record-demo: ethtool not installed: checksums in the capture will look bad (offload)" >&2
fi

# ---- servers -----------------------------------------------------------------
mkdir -p "$WORK/www" "$WORK/nginx-tmp"
printf '<html><body><h1>wirewatch demo</h1></body></html>\n' >"$WORK/www/index.html"
head -c 20000 /dev/zero | tr '\0' 'x' >"$WORK/www/big.txt"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=www.demo.test \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cat >"$WORK/nginx.conf" <<EOF
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx-tmp;
  proxy_temp_path $WORK/nginx-tmp;
  fastcgi_temp_path $WORK/nginx-tmp;
  uwsgi_temp_path $WORK/nginx-tmp;
  scgi_temp_path $WORK/nginx-tmp;
  server {
    listen $V4_SRV:80;
    listen [$V6_SRV]:80;
    listen $V4_SRV:443 ssl;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    root $WORK/www;
  }
}
EOF
in_srv nginx -c "$WORK/nginx.conf"

# Authoritative for demo.test only; every other name under .test is NXDOMAIN.
in_srv dnsmasq --no-resolv --no-hosts --pid-file="$WORK/dnsmasq.pid" \
  --listen-address="$V4_SRV" --bind-interfaces --port=53 --local=/test/ \
  --address=/www.demo.test/"$V4_SRV" --address=/www.demo.test/"$V6_SRV" \
  --address=/api.demo.test/198.18.0.10 \
  --mx-host=demo.test,mail.demo.test,10 --address=/mail.demo.test/198.18.0.25 \
  --txt-record=demo.test,"v=spf1 ip4:198.18.0.0/24 -all" \
  --txt-record=_dmarc.demo.test,"v=DMARC1; p=none"
sleep 0.5

# ---- capture -----------------------------------------------------------------
ip netns exec "$CLI" timeout -s INT 120 tcpdump -i wwdemo0 -n -U -s 0 -c "$MAX_PACKETS" -w "$WORK/demo.pcap" 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
sleep 1

# ---- traffic (every loop bounded in count, every tool in time) ---------------
in_cli ping -c 4 -i 0.2 -W 1 "$V4_SRV" >/dev/null || true
in_cli ping -6 -c 3 -i 0.2 -W 1 "$V6_SRV" >/dev/null || true

DIG="timeout 5 dig +tries=1 +time=1 @$V4_SRV"
for q in "www.demo.test A" "www.demo.test AAAA" "api.demo.test A" "demo.test TXT" \
         "demo.test MX" "_dmarc.demo.test TXT" "mail.demo.test A"; do
  # shellcheck disable=SC2086
  in_cli $DIG $q >/dev/null || true
done
in_cli $DIG +tcp www.demo.test A >/dev/null || true
# DGA-looking names (random consonant soup) and very long names: all NXDOMAIN.
for name in xkqjzvbwplrtgh.test qwzxhjkvbnmrtp.test zzkqxjvwbhtrlp.test \
            jhgfqwxzkvbnml.test pqzkxwvjrhtgnb.test \
            aGVsbG8td2lyZXdhdGNoLWRlbW8tZXhmaWx0cmF0aW9uLXRlc3QtcGF5bG9h.ZC0xLWNodW5rLWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh.t1.demo-tunnel.test \
            ZGF0YS1jaHVuay0wMDAyLXRoaXMtaXMtYS1sb25nLWxhYmVsLWZvci10aGUt.ZGVtby1wYXlsb2FkLWNodW5rLWJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJi.t2.demo-tunnel.test; do
  in_cli $DIG "$name" A >/dev/null || true
done
# NXDOMAIN burst.
for i in $(seq 1 30); do
  in_cli $DIG "host-$i-$RANDOM.nonexistent.test" A >/dev/null || true
done

in_cli timeout 10 curl -s -o /dev/null "http://$V4_SRV/" || true
in_cli timeout 10 curl -s -o /dev/null -A "wirewatch-demo/1.0" "http://$V4_SRV/big.txt" || true
in_cli timeout 10 curl -s -o /dev/null "http://$V4_SRV/missing.html" || true
in_cli timeout 10 curl -s -o /dev/null -H "Host: www.demo.test" "http://$V4_SRV/index.html" || true
in_cli timeout 10 curl -s -o /dev/null -g "http://[$V6_SRV]/" || true
in_cli timeout 10 curl -s -o /dev/null -k --resolve "www.demo.test:443:$V4_SRV" "https://www.demo.test/" || true

in_cli timeout 60 nmap -n -Pn -sS -p 1-300 --max-retries 1 --host-timeout 50s "$V4_SRV" >/dev/null || true

sleep 1
kill -INT "$TCPDUMP_PID" 2>/dev/null || true
wait "$TCPDUMP_PID" 2>/dev/null || true
TCPDUMP_PID=

mkdir -p "$(dirname "$OUT")"
editcap -F pcapng "$WORK/demo.pcap" "$OUT"
echo "record-demo: wrote $OUT ($(stat -c %s "$OUT") bytes): $(tail -n 2 "$WORK/tcpdump.log" | tr '\n' ' ')" >&2

# Sourced by the cluster benchmarks: a scratch folder cleaned on exit, the
# processes started (killed on exit), and a JetStream broker on a free port.
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Starts `nats-server -js` storing in $1 and sets `url` and `broker` (its pid).
start_broker() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    nats-server -js -a 127.0.0.1 -p "$port" -sd "$1" >/dev/null 2>&1 &
    broker=$!
    pids+=("$broker")
    url="nats://127.0.0.1:$port"
    until (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null; do sleep 0.1; done
}

# Waits for a spreadwatch process's announced URL in file $1 and prints it.
announced() {
    local base
    until base=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$1") && [ -n "$base" ]; do sleep 0.05; done
    echo "$base"
}

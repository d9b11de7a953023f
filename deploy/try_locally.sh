#!/usr/bin/env bash
# Try the group deployment of README.md ("Deploying for a group") on one machine, then take it down:
# a throwaway PostgreSQL (tests/with_postgres.sh), `python -m db sync`, two `streamlit run` processes on
# :8501 and :8502, nginx with deploy/nginx.conf on :8080 in front of them. Checks, through nginx, that a
# learner can create a profile and answer a question (websocket upgraded, answer stored in PostgreSQL), that
# all of that client's requests went to one process, that both processes see the same database, and that
# pg_dump backs it up.
#   deploy/try_locally.sh            # run the checks, stop everything
#   KEEP=1 deploy/try_locally.sh     # ... then leave it running until Ctrl-C (open http://localhost:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"

if [ -z "${DATABASE_URL:-}" ] || [ -z "${PG_THROWAWAY_DIR:-}" ]; then
  exec tests/with_postgres.sh "$0" "$@"  # start the throwaway database first, come back here
fi
command -v nginx >/dev/null || { echo "nginx is missing: apt-get install nginx" >&2; exit 1; }
for port in 8080 8501 8502; do
  if "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port))!=0)"; then
    echo "port $port is in use; stop what runs there first" >&2; exit 1
  fi
done

RUN="$(mktemp -d /tmp/group-trial.XXXXXX)"
PIDS=()
stop() {
  nginx -p "$RUN" -c "$RUN/nginx.conf" -s stop 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN"
}
trap stop EXIT

echo "1. schema, content and search index into PostgreSQL"
"$PY" -m db sync

echo "2. two app processes"
for port in 8501 8502; do
  "$PY" -m streamlit run app.py --server.port "$port" --server.address 127.0.0.1 --server.headless true \
    >"$RUN/streamlit-$port.log" 2>&1 &
  PIDS+=($!)
done

echo "3. nginx with deploy/nginx.conf on :8080"
mkdir -m 777 -p "$RUN/tmp"
cat >"$RUN/nginx.conf" <<CONF
pid $RUN/nginx.pid;
error_log $RUN/error.log;
events {}
http {
    log_format upstream '\$remote_addr "\$request" \$status \$upstream_addr';
    access_log $RUN/access.log upstream;
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;
    include $ROOT/deploy/nginx.conf;
}
CONF
nginx -p "$RUN" -c "$RUN/nginx.conf" -t -q
nginx -p "$RUN" -c "$RUN/nginx.conf"

echo "4. checks"
"$PY" - "$RUN/access.log" <<'CHECK'
import sys, time, urllib.request
from playwright.sync_api import expect, sync_playwright
from sqlmodel import Session, select
from db.engine import make_engine
from db.models import ReviewRow

def healthy(url):
    for _ in range(120):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not become healthy")

for url in ("http://127.0.0.1:8501", "http://127.0.0.1:8502", "http://127.0.0.1:8080"):
    healthy(url)
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "/_stcore/" not in (m.location or {}).get("url", "") else None)
    page.goto("http://127.0.0.1:8080/quiz")
    page.get_by_label("New profile").fill("Through nginx")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("to do now")).to_be_visible(timeout=60_000)
    question = page.get_by_role("button", name="Show answer").or_(page.get_by_label("Your answer"))
    expect(question.or_(page.locator('[data-testid="stRadio"]')).first).to_be_visible(timeout=30_000)
    if page.get_by_role("button", name="Show answer").count():
        page.get_by_role("button", name="Show answer").click()
    elif page.get_by_label("Your answer").count():
        page.get_by_label("Your answer").fill("a guess")
        page.get_by_role("button", name="Check").click()
    else:
        page.locator('[data-testid="stRadio"] label').first.click()
        page.get_by_role("button", name="Check").click()
    page.get_by_role("button", name="Good", exact=False).first.click()
    expect(page.get_by_text("1 answered this session")).to_be_visible(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0 and not errors, errors
    print("   through nginx: profile created, one answer given, no exception, no console error")
    for port in (8501, 8502):  # both processes serve the same database
        other = browser.new_page()
        other.goto(f"http://127.0.0.1:{port}/progress")
        expect(other.get_by_role("combobox", name="Profile")).to_have_value("Through nginx", timeout=60_000)
    print("   both app processes show the new profile (one shared database)")
    browser.close()
engine = make_engine()
with Session(engine) as session:
    assert len(session.exec(select(ReviewRow)).all()) == 1
print("   PostgreSQL holds exactly the one answer")
log = open(sys.argv[1]).read().splitlines()
assert any('"GET /_stcore/stream HTTP/1.1" 101' in line for line in log), "no websocket upgrade in nginx's log"
print("   nginx upgraded /_stcore/stream to a websocket (101 in its access log)")
upstreams = {line.rsplit(" ", 1)[-1] for line in log}
assert len(upstreams) == 1, upstreams
print(f"   sticky: all {len(log)} requests of this client went to one process ({upstreams.pop()})")
CHECK

echo "5. backup"
PLAIN_URL="${DATABASE_URL/postgresql+psycopg:/postgresql:}"
pg_dump --format=custom --file="$RUN/study.dump" "$PLAIN_URL"
echo "   pg_dump: $(pg_restore --list "$RUN/study.dump" | grep -c 'TABLE DATA') tables, $(du -h "$RUN/study.dump" | cut -f1)"

if [ "${KEEP:-0}" = 1 ]; then
  echo "Running: http://localhost:8080 (Ctrl-C stops everything)"
  wait
fi
echo "All checks passed; stopping."

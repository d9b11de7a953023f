#!/usr/bin/env bash
# Try the group deployment of README.md ("Deploying for a group") on one machine, then take it down:
# a throwaway PostgreSQL (tests/with_postgres.sh), a local OpenID Connect provider (oidc-provider-mock) that
# knows "alice", `python -m db sync`, two `streamlit run` processes on :8501 and :8502 with sign-in configured,
# and nginx with deploy/nginx.conf (a self-signed certificate; HTTPS on :8443, HTTP on :8080). Checks, through
# nginx: plain HTTP is redirected to HTTPS; the security headers are on every response; a body over 10 MB is
# refused; a burst of requests meets the rate limit; a visitor who is not signed in gets only the sign-in page;
# Alice signs in and answers a question (websocket upgraded, the answer stored in PostgreSQL under her sign-in
# subject); all of her requests went to one process; and pg_dump backs the database up.
#   deploy/try_locally.sh            # run the checks, stop everything
#   KEEP=1 deploy/try_locally.sh     # ... then leave it running until Ctrl-C (open https://localhost:8443)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PY="$ROOT/.venv/bin/python"

if [ -z "${DATABASE_URL:-}" ] || [ -z "${PG_THROWAWAY_DIR:-}" ]; then
  exec tests/with_postgres.sh "$0" "$@"  # start the throwaway database first, come back here
fi
command -v nginx >/dev/null || { echo "nginx is missing: apt-get install nginx" >&2; exit 1; }
for tool in openssl curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install $tool" >&2; exit 1; }
done
for port in 8080 8443 8501 8502 9400; do
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

echo "2. a local OpenID Connect provider on :9400 (stands in for your school's or Google's)"
"$PY" -m oidc_provider_mock --port 9400 --user-claims '{"sub": "alice", "name": "Alice Liddell"}' \
  >"$RUN/provider.log" 2>&1 &
PIDS+=($!)
cat >"$RUN/secrets.toml" <<SECRETS
[auth]
redirect_uri = "https://localhost:8443/oauth2callback"
cookie_secret = "$(openssl rand -hex 32)"
client_id = "dl-notes-study"
client_secret = "$(openssl rand -hex 16)"
server_metadata_url = "http://localhost:9400/.well-known/openid-configuration"
SECRETS

echo "3. two app processes with sign-in"
for port in 8501 8502; do
  # AUTHLIB_INSECURE_TRANSPORT: only because this provider speaks plain HTTP on loopback; never in production.
  AUTHLIB_INSECURE_TRANSPORT=1 "$PY" -m streamlit run app.py --server.port "$port" --server.address 127.0.0.1 \
    --server.headless true --secrets.files "$RUN/secrets.toml" >"$RUN/streamlit-$port.log" 2>&1 &
  PIDS+=($!)
done

echo "4. nginx with deploy/nginx.conf: HTTPS on :8443 (self-signed), HTTP on :8080"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" -keyout "$RUN/privkey.pem" \
  -out "$RUN/fullchain.pem" 2>/dev/null
sed -e "s|listen 80;|listen 8080;|" -e "s|listen 443 ssl;|listen 8443 ssl;|" \
  -e 's|https://$host$request_uri|https://$host:8443$request_uri|' \
  -e "s|/etc/ssl/dl-notes-study/|$RUN/|" deploy/nginx.conf >"$RUN/site.conf"
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
    include $RUN/site.conf;
}
CONF
nginx -p "$RUN" -c "$RUN/nginx.conf" -t -q
nginx -p "$RUN" -c "$RUN/nginx.conf"

echo "5. checks"
"$PY" - "$RUN/access.log" <<'CHECK'
import ssl, subprocess, sys, time, urllib.error, urllib.request
from playwright.sync_api import expect, sync_playwright
from sqlmodel import Session, select
from db.engine import make_engine
from db.models import LearnerRow, ReviewRow

TLS = ssl.create_default_context()
TLS.check_hostname, TLS.verify_mode = False, ssl.CERT_NONE  # the trial's self-signed certificate
APP = "https://localhost:8443"

def get(url, data=None):
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=TLS), NoRedirect())
    try:
        with opener.open(request, timeout=10) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.headers

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

for url in ("http://127.0.0.1:8501", "http://127.0.0.1:8502", APP, "http://localhost:9400"):
    for _ in range(120):
        try:
            status, _ = get(url + ("/_stcore/health" if ":85" in url or "8443" in url else "/.well-known/openid-configuration"))
            if status == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    else:
        raise SystemExit(f"{url} did not come up")

status, headers = get("http://localhost:8080/quiz")
assert status == 301 and headers["Location"] == f"{APP}/quiz", (status, headers["Location"])
print("   plain HTTP is redirected to HTTPS")
status, headers = get(APP + "/")
wanted = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000",
}
assert status == 200 and all(headers[k] == v for k, v in wanted.items()), dict(headers)
print("   security headers: " + ", ".join(wanted))
big = subprocess.run(  # curl stops sending when nginx answers early, as a browser does
    ["curl", "-k", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-", APP + "/_stcore/upload_file/x/y"],
    input=b"x" * (11 * 1024 * 1024), capture_output=True, check=False,
)
status = int(big.stdout or 0)
assert status == 413, (status, big.stderr)
print("   an 11 MB body is refused by nginx (413) before it reaches the app")

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    stranger = browser.new_context(ignore_https_errors=True).new_page()
    stranger.goto(APP + "/progress")
    expect(stranger.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    assert stranger.get_by_text("Reviews").count() == 0
    print("   not signed in: the sign-in page, nothing else")
    page = browser.new_context(ignore_https_errors=True).new_page()
    errors = []
    def app_error(m):  # the app's own console errors (the provider's pages are not the app's concern)
        where = (m.location or {}).get("url", "")
        if m.type == "error" and where.startswith(APP) and "/_stcore/" not in where and "/oauth2callback" not in where:
            errors.append(f"{m.text} ({where})")
    page.on("console", app_error)
    page.goto(APP + "/quiz")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.locator('input[name="sub"]').fill("alice")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("Signed in as Alice Liddell")).to_be_visible(timeout=60_000)
    page.goto(APP + "/quiz")
    expect(page.get_by_text("to do now")).to_be_visible(timeout=60_000)
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
    print("   Alice signed in through nginx and answered one question; no exception, no console error")
    browser.close()

engine = make_engine()
with Session(engine) as session:
    reviews = session.exec(select(ReviewRow, LearnerRow).join(LearnerRow)).all()
    assert [(learner.subject.split()[-1], learner.name) for _, learner in reviews] == [("alice", "Alice Liddell")]
print("   PostgreSQL holds exactly the one answer, under Alice's sign-in subject")

codes = [get(APP + "/_stcore/health")[0] for _ in range(400)]
assert 429 in codes and codes[0] == 200, sorted(set(codes))
print(f"   rate limit: {codes.count(429)} of 400 back-to-back requests refused with 429")

log = open(sys.argv[1]).read().splitlines()
assert any('"GET /_stcore/stream HTTP/1.1" 101' in line for line in log), "no websocket upgrade in nginx's log"
print("   nginx upgraded /_stcore/stream to a websocket (101 in its access log)")
upstreams = {line.rsplit(" ", 1)[-1] for line in log if not line.rsplit(" ", 1)[-1] == "-"}
assert len(upstreams) == 1, upstreams
print(f"   sticky: every proxied request of this client went to one process ({upstreams.pop()})")
CHECK

echo "6. backup"
PLAIN_URL="${DATABASE_URL/postgresql+psycopg:/postgresql:}"
pg_dump --format=custom --file="$RUN/study.dump" "$PLAIN_URL"
echo "   pg_dump: $(pg_restore --list "$RUN/study.dump" | grep -c 'TABLE DATA') tables, $(du -h "$RUN/study.dump" | cut -f1)"

if [ "${KEEP:-0}" = 1 ]; then
  echo "Running: https://localhost:8443 (sign in as alice; Ctrl-C stops everything)"
  wait
fi
echo "All checks passed; stopping."

# The HTTP workload benches/wrk.sh and benches/e2e.sh share, sourced by both:
# each case is `site|path|Cookie header`, each site's issue-6 workload on its
# own policy (a consent granting analytics, and one analytics cookie).
MINOPA_COOKIE='cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; _ga=GA1.1.1'
MIHARI_COOKIE='cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%7D%2C%22revision%22%3A1%7D; mh_analytics_id=a1'
# shellcheck disable=SC2034 # used by the scripts that source this file
cases=(
  "axum|/demo/set?name=next-auth.csrf-token&name=theme&name=_ga&name=_clck|$MINOPA_COOKIE"
  "axum|/healthz|$MINOPA_COOKIE"
  "actix|/demo/set?name=csrf_token&name=mh_prefs&name=mh_analytics_id&name=mh_perf|$MIHARI_COOKIE"
  "actix|/healthz|$MIHARI_COOKIE"
)

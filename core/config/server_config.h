// plauditd's configuration: defaults suited to a laptop, overridden by a YAML file
// (--config), overridden by flags.
//
//   listen: 127.0.0.1:50051
//   metrics_listen: 127.0.0.1:9464   # /metrics, /healthz, /readyz
//   log_format: json                 # or text (the default)
//   data_dir: var
//   plugin_dir: build/plugins
//   source_poll_interval_ms: 1000
//   drain_ms: 5000                   # after SIGTERM: /readyz 503, calls still taken
//   shutdown_timeout_ms: 30000
//   plugin_start_timeout_ms: 10000
//   stream_idle_timeout_ms: 60000
//   close_check_interval_ms: 30000
//   reconcile_interval_ms: 30000
//   retry_base_ms: 2000
//   retry_max_ms: 300000
//   praise_monthly_allowance: 5
//   praise_time_zone: Europe/Stockholm
//   roles: {ops-lead: admin, mgr-anna: manager}
//   plugins:
//     certificate: {output_dir: /srv/certificates}
//   fulfilment: {workers: 128, default_concurrency: 64, concurrency: {leave_credit: 4}}
//   tls: {cert_file: server.pem, key_file: server.key, client_ca_file: clients-ca.pem}
//   auth:
//     issuer: https://login.example.com/realms/contact-centre
//     audience: plaudit
//     jwks_file: jwks.json          # or jwks_url: https://login.example.com/.../certs
//     jwks_ca_file: issuer-ca.pem   # optional, for jwks_url
//     roles_claim: roles
//     agent_claim: sub
//     agent_match: id               # or email: the agent_claim value is an agent's email
//     teams_claim: teams
//     clock_skew_s: 60
//   services:
//     hris-sync: {subject: "CN=hris-sync"}
//   audit: {key_file: /srv/audit/audit.key, checkpoint_file: /srv/audit/audit.checkpoint}
//   secrets: {key_file: /etc/plaudit/secrets.key}
//   store: {driver: postgres, dsn: "postgresql://plaudit@db.internal/plaudit", pool_size: 16,
//           lease_ms: 120000}
//   web:
//     listen: 127.0.0.1:8080
//     sign_in:                      # OpenID Connect sign-in for the pages; needs auth
//       client_id: plaudit-web
//       client_secret_file: web-client.secret    # optional: a confidential client
//       discovery_url: https://login.example.com/.well-known/openid-configuration  # optional
//       public_url: https://plaudit.example.com  # optional: the pages' address for browsers
//       ca_file: issuer-ca.pem                   # optional, for the issuer's https
//       session_key_file: web-session.key        # optional; default DATA_DIR/web-session.key
//       session_hours: 8
//
// Relative paths in the file are relative to the folder the file is in, so a config file works
// from whatever directory plauditd is started in: data_dir, plugin_dir, and every plugin setting
// whose key ends in `_file`, the tls, audit and secrets key files, `_dir` or `_path` (output_dir,
// ca_file, api_key_file,
// ...), which is the convention for plugin settings that name files or folders. They are made
// absolute when read. Flags and the built-in defaults stay relative to the working directory.
#ifndef PLAUDIT_CORE_CONFIG_SERVER_CONFIG_H_
#define PLAUDIT_CORE_CONFIG_SERVER_CONFIG_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/domain/log.h"

namespace plaudit {

// gRPC over TLS: the server's certificate chain and private key (PEM files), and, when
// client_ca_file is set, client certificates signed by that CA are required (mutual TLS).
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};

// OpenID Connect bearer tokens: who may sign them (the JWKS), for whom (issuer, audience), and
// which claims carry the caller's roles, agent id and teams.
struct AuthConfig {
  std::string issuer;
  std::string audience;
  std::string jwks_file;
  std::string jwks_url;
  std::string jwks_ca_file;
  std::string roles_claim = "roles";
  std::string agent_claim = "sub";
  // How the agent_claim value names an agent: its id, or its email.
  enum class AgentMatch { kId, kEmail } agent_match = AgentMatch::kId;
  std::string teams_claim = "teams";
  absl::Duration clock_skew = absl::Seconds(60);
};

// A service that authenticates with a client certificate (mutual TLS): the certificate's
// subject, as OpenSSL prints it in RFC 2253 form ("CN=hris-sync,O=Example").
struct ServiceIdentity {
  std::string subject;
};

// How rewards are delivered: each plugin call holds a worker for the vendor's whole round trip, so
// throughput is at most the calls in flight divided by the time one reward takes (64 calls to a
// vendor answering in 20 ms, with the store's writes around each call: about 1,500 a second).
struct FulfilmentConfig {
  // Threads that call fulfilment plugins, all plugins together.
  int workers = 128;
  // Calls in flight at once to a plugin that `concurrency` does not name.
  int default_concurrency = 64;
  // Per plugin name, calls in flight at once.
  std::map<std::string, int> concurrency;
};

// The pages' own listener (HTTP, or HTTPS with `tls`): the web pages and their JSON API.
// Signing in to the pages through the `auth` issuer: OpenID Connect's authorization code flow with
// PKCE (core/web/sign_in.h).
struct SignInConfig {
  std::string client_id;
  // A file holding the client secret, for an issuer that registers the pages as a confidential
  // client; empty for a public client (PKCE alone).
  std::string client_secret_file;
  // Where the issuer's endpoints are listed; empty means auth.issuer +
  // "/.well-known/openid-configuration".
  std::string discovery_url;
  // The pages' address as browsers reach it (https://plaudit.example.com); the redirect URI is
  // this + "/auth/callback". Empty means the listener's own address.
  std::string public_url;
  // CA certificates for the issuer's https endpoints; empty means the system's.
  std::string ca_file;
  // The key sealing session cookies; empty means DATA_DIR/web-session.key. Replicas behind one
  // address share one.
  std::string session_key_file;
  // A session ends after this, or when the issuer's access token does, whichever is first.
  absl::Duration session_lifetime = absl::Hours(8);
};

struct WebConfig {
  std::string listen = "127.0.0.1:8080";
  std::optional<SignInConfig> sign_in;
};

// The most workers, and calls in flight to one plugin, that the configuration accepts.
inline constexpr int kMaxFulfilmentWorkers = 1024;

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";
  // Where Prometheus scrapes /metrics and load balancers ask /healthz and /readyz (HTTP, HTTPS
  // with `tls`); empty serves none of them. Without tls, loopback addresses only.
  std::string metrics_listen;
  LogFormat log_format = LogFormat::kText;
  std::string data_dir = "var";
  std::string plugin_dir = "build/plugins";
  absl::Duration source_poll_interval = absl::Seconds(1);
  // How often plauditd looks for periods whose close_after has passed, to decide them.
  absl::Duration close_check_interval = absl::Seconds(30);
  // How often rewards pending with a vendor (or of uncertain fate) are looked up: the
  // reconciliation that catches lost vendor callbacks.
  absl::Duration reconcile_interval = absl::Seconds(30);
  // The backoff before a failed fulfilment is tried again: full jitter up to retry_base doubled
  // per attempt, capped at retry_max (a vendor's longer Retry-After wins).
  absl::Duration retry_base = absl::Seconds(2);
  absl::Duration retry_max = absl::Minutes(5);
  // After SIGTERM, how long plauditd goes on taking calls while /readyz answers 503, so that
  // load balancers checking it send no more before it stops taking them; a second signal ends
  // the wait. 0: stop taking calls at once.
  absl::Duration drain = absl::ZeroDuration();
  // How long SIGTERM may take: past it plauditd exits at once, leaving in-flight fulfilments to
  // resume (with the same keys) at the next start.
  absl::Duration shutdown_timeout = absl::Seconds(30);
  // How long a plugin may take to load, be created and initialised when it is tried at start;
  // past it the plugin is reported as hanging and plauditd starts without it.
  absl::Duration plugin_start_timeout = absl::Seconds(10);
  // How long an import stream may go without a message before plauditd ends it
  // (DEADLINE_EXCEEDED): a client that went away without closing its stream does not hold it.
  absl::Duration stream_idle_timeout = absl::Seconds(60);
  // Praise one agent may send per calendar month of `praise_time_zone`.
  int praise_monthly_allowance = 5;
  std::string praise_time_zone = "UTC";
  // Local development mode only (no auth): the role of a user a request names with
  // `plaudit --as USER` -> manager or admin. With auth, roles come from tokens.
  std::map<std::string, std::string> roles;
  // Per plugin name, its configuration (values as text).
  std::map<std::string, std::map<std::string, std::string>> plugins;
  FulfilmentConfig fulfilment;
  // Serve over TLS; without it plauditd serves plaintext on loopback only.
  std::optional<TlsConfig> tls;
  // Callers prove who they are with bearer tokens; without it (and without tls) every caller is
  // trusted: the local development mode.
  std::optional<AuthConfig> auth;
  // Services known by their client certificates: name -> identity.
  std::map<std::string, ServiceIdentity> services;
  // The audit trail's key and checkpoint (see core/store/audit_trail.h); empty means audit.key
  // and audit.checkpoint in data_dir. Best kept off the database's disk and out of its backups.
  std::string audit_key_file;
  std::string audit_checkpoint_file;
  // The file holding the 32-byte key that seals plugin state in the database (YAML
  // `secrets: {key_file: ...}`); empty means <data_dir>/secrets.key. Made with mode 0600 when
  // missing; refused when group or others may read it.
  std::string secrets_key_file;
  // Serve the web pages; without it plauditd serves gRPC only.
  std::optional<WebConfig> web;
  // Where the data lives (YAML `store: {driver, dsn, pool_size, lease_ms}`). store_driver
  // "sqlite": the embedded database in data_dir (the default); "postgres": a PostgreSQL server
  // that several plauditd replicas may share, at store_dsn (a libpq URI, postgresql://..., or
  // key=value pairs; it may hold a password, and plauditd never logs it), with at most
  // store_pool_size connections. A replica holds the rewards it claims for store_lease_ms; when
  // it dies, another takes them over once that has passed. Keep it above the longest plugin call.
  std::string store_driver = "sqlite";
  std::string store_dsn;
  int store_pool_size = 8;
  int64_t store_lease_ms = 120'000;
};

// Reads a YAML config file over `base`, resolving its relative paths against the file's folder.
// INVALID_ARGUMENT names the line and key of a problem.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path, ServerConfig base);

// Whether `listen` (HOST:PORT, [V6]:PORT, optionally with gRPC's ipv4:/ipv6: scheme) names a
// loopback address: 127.0.0.0/8, ::1 or localhost. Anything else, including a wildcard or
// another host name, is not.
bool IsLoopbackListen(const std::string& listen);

// Whether a plugin setting names a file or folder (its key ends in _file, _dir or _path).
bool IsPathSetting(const std::string& key);

// Whether `url` is an address plauditd may send a browser or itself to: https://, or http:// to
// a loopback host only; no user information (user@host), a port of digits only.
bool IsWebAddress(const std::string& url);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_CONFIG_SERVER_CONFIG_H_

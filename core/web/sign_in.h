// Signing in to the pages: OpenID Connect's authorization code flow with PKCE (RFC 7636) against
// the `auth` issuer, ending in a session cookie.
//
//   GET /auth/sign-in?return=/me.html  -> 303 to the issuer's authorization endpoint, with a
//                                         fresh state, nonce and S256 code challenge, kept in a
//                                         sealed sign-in cookie (10 minutes, __Host- over HTTPS)
//   GET /auth/callback?code&state      -> the code is exchanged at the token endpoint with the
//                                         verifier; the ID token's signature, issuer, audience
//                                         (the client_id) and nonce are checked, and the access
//                                         token must be one plauditd accepts; -> 303 to `return`
//                                         with the session cookie set
//
// The session cookie is HttpOnly, Secure and SameSite=Strict; it holds, sealed with AES-256-GCM
// (StateCipher) under the session key, the subject, the issuer's access token, the session's
// CSRF token and its end. Nothing of a session is kept in plauditd, so sessions outlive a restart
// and are shared by replicas that share the key; signing out clears the browser's cookie. The
// JSON API takes the cookie in place of an Authorization header, and then requires the session's
// CSRF token in X-CSRF-Token: the page reads it from GET /auth/session, which a page of another
// site cannot.
#ifndef PLAUDIT_CORE_WEB_SIGN_IN_H_
#define PLAUDIT_CORE_WEB_SIGN_IN_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/auth/token_validator.h"
#include "core/config/server_config.h"
#include "core/store/state_cipher.h"

namespace plaudit::web {

// A signed-in browser.
struct Session {
  std::string subject;
  std::string access_token;
  std::string csrf_token;
  absl::Time expires;
};

// Where to send the browser next, and the Set-Cookie headers to send with it.
struct SignInStep {
  std::string location;
  std::vector<std::string> set_cookies;
};

class SignIn {
 public:
  // `public_url`: the pages' address as browsers reach it ("https://plaudit.example.com"), when
  // the config names none. `data_dir`: where the session key is kept unless the config names a
  // file. The issuer's discovery document is read now; when the issuer cannot be reached it is
  // read again at the next sign-in. FAILED_PRECONDITION for unreadable keys or secret.
  static absl::StatusOr<std::unique_ptr<SignIn>> Create(const SignInConfig& config,
                                                        const AuthConfig& auth,
                                                        const std::string& public_url,
                                                        const std::string& data_dir);

  // The start of a sign-in: to the issuer. UNAVAILABLE when its discovery document cannot be
  // read.
  absl::StatusOr<SignInStep> Begin(const std::string& return_to, absl::Time now);
  // The issuer's redirect back: `query_*` from the callback's query, `cookies` the request's
  // Cookie header. UNAUTHENTICATED naming what failed (no sign-in cookie, state mismatch, the
  // issuer's error, the token exchange, a token check).
  absl::StatusOr<SignInStep> Complete(const std::string& code, const std::string& state,
                                      const std::string& error, const std::string& cookies,
                                      absl::Time now);
  // The session a Cookie header carries: NOT_FOUND when it carries none, UNAUTHENTICATED when
  // the cookie is not one of ours (tampered, another key) or the session has ended.
  absl::StatusOr<Session> Open(const std::string& cookies, absl::Time now) const;
  // The Set-Cookie header that removes the session cookie.
  std::string SignOutCookie() const;
  // The Set-Cookie header that removes the sign-in cookie (a sign-in that failed or ended).
  std::string ClearSignInCookie() const;

  const std::string& session_cookie_name() const { return session_cookie_; }
  const std::string& redirect_uri() const { return redirect_uri_; }

 private:
  struct Endpoints {
    std::string authorization;
    std::string token;
    bool secret_in_body = false;  // client_secret_post rather than HTTP Basic
  };

  SignIn(const SignInConfig& config, const AuthConfig& auth, StateCipher cipher,
         std::string public_url, std::string client_secret,
         std::unique_ptr<auth::TokenValidator> id_tokens,
         std::unique_ptr<auth::TokenValidator> access_tokens);
  absl::StatusOr<Endpoints> Discover();
  absl::StatusOr<std::string> Exchange(const Endpoints& endpoints, const std::string& code,
                                       const std::string& verifier);
  std::string Cookie(const std::string& name, const std::string& value, const std::string& path,
                     absl::Duration max_age, const char* same_site) const;

  const SignInConfig config_;
  const std::string issuer_;
  const std::string discovery_url_;
  const StateCipher cipher_;
  const std::string redirect_uri_;
  const std::string client_secret_;
  const bool secure_origin_;  // https: the cookies can take the __Host-/__Secure- prefixes
  const std::string session_cookie_;
  const std::string sign_in_cookie_;
  const std::unique_ptr<auth::TokenValidator> id_tokens_;
  const std::unique_ptr<auth::TokenValidator> access_tokens_;
  absl::Mutex mu_;
  std::optional<Endpoints> endpoints_ ABSL_GUARDED_BY(mu_);
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or nullopt.
std::optional<std::string> CookieValue(const std::string& header, const std::string& name);

// Whether a request's X-CSRF-Token value is the session's (in constant time).
bool CsrfMatches(const Session& session, const std::string& header);

// Whether `path` is a path of this site to return to after signing in: "/..." but not "//..."
// or "/\...", no scheme, no control characters.
bool IsLocalPath(const std::string& path);

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_SIGN_IN_H_

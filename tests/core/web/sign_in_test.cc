// Signing in to the pages over real HTTP: plauditd's pages listener, with its services in-process,
// against the dev issuer serving as an OpenID Connect provider on a socket of its own. The flow is
// driven request by request, as a browser would follow it, so each step's checks can be broken
// on purpose.
#include "core/web/sign_in.h"

#include <httplib.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "core/api/server.h"
#include "core/domain/clock.h"
#include "core/web/web_server.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/temp_dir.h"
#include "tools/dev_issuer/dev_issuer.h"
#include "tools/dev_issuer/oidc_provider.h"

namespace plaudit::web {
namespace {

using nlohmann::json;

// A URL's query parameters.
httplib::Params Query(const std::string& url) {
  httplib::Params params;
  const size_t mark = url.find('?');
  if (mark != std::string::npos) httplib::detail::parse_query_text(url.substr(mark + 1), params);
  return params;
}

std::string PathOf(const std::string& url) {
  const size_t scheme = url.find("://");
  return url.substr(url.find('/', scheme == std::string::npos ? 0 : scheme + 3));
}

// The name=value part of each Set-Cookie, as a Cookie header sends them back. (httplib's client
// hands Location headers over URL-decoded.)
std::string CookiesOf(const httplib::Result& result) {
  std::string cookies;
  const size_t count = result->get_header_value_count("Set-Cookie");
  for (size_t i = 0; i < count; ++i) {
    const std::string set = result->get_header_value("Set-Cookie", i);
    const std::string pair = set.substr(0, set.find(';'));
    if (set.find("Max-Age=0") != std::string::npos) continue;  // a cookie being removed
    if (!cookies.empty()) cookies += "; ";
    cookies += pair;
  }
  return cookies;
}

class SignInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    issuer_dir_ = dir_.File("issuer");
    dev_issuer::IssuerOptions issuer;
    issuer.dir = issuer_dir_;
    ASSERT_TRUE(dev_issuer::InitIssuer(issuer, absl::Now()).ok());
    dev_issuer::ProviderOptions provider;
    provider.dir = issuer_dir_;
    auto started = dev_issuer::OidcProvider::Start(provider);
    ASSERT_TRUE(started.ok()) << started.status();
    provider_ = *std::move(started);
    issuer_client_ = std::make_unique<httplib::Client>(provider_->base_url());
  }

  // plauditd requiring tokens of the dev issuer, and its pages with `sign_in` (none: no sign-in).
  void Start(std::optional<SignInConfig> sign_in) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_.File("data");
    const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
    config.plugin_dir = std::string(build_dir == nullptr ? "build" : build_dir) + "/plugins";
    AuthConfig auth;
    auth.issuer = dev_issuer::kDefaultIssuer;
    auth.audience = "plaudit";
    auth.jwks_file = issuer_dir_ + "/jwks.json";
    config.auth = auth;
    auto server = api::PlauditServer::Start(config, &clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    WebServerOptions options;
    options.listen = "127.0.0.1:0";
    options.development_mode = false;
    options.sign_in = std::move(sign_in);
    options.auth = auth;
    options.data_dir = config.data_dir;
    auto web = WebServer::Start(options, server_->InProcessChannel());
    ASSERT_TRUE(web.ok()) << web.status();
    web_ = *std::move(web);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", web_->port());
  }

  SignInConfig Config() const {
    SignInConfig config;
    config.client_id = "plaudit-web";
    config.discovery_url = provider_->base_url() + "/.well-known/openid-configuration";
    return config;
  }

  void TearDown() override {
    if (web_) web_->Stop();
    if (server_) server_->Shutdown();
  }

  // Starts a sign-in for `return_to`: the redirect to the issuer and the sign-in cookie.
  std::pair<std::string, std::string> Begin(const std::string& return_to = "/me.html") {
    auto begun = client_->Get(("/auth/sign-in?return=" + return_to).c_str());
    EXPECT_TRUE(begun);
    if (!begun) return {};
    EXPECT_EQ(begun->status, 303) << begun->body;
    return {begun->get_header_value("Location"), CookiesOf(begun)};
  }

  // What the issuer's form sends, signed in as `subject` with `roles`: its redirect back.
  std::string Authorize(const std::string& to_issuer, const std::string& subject,
                        const std::string& roles) {
    httplib::Params form = Query(to_issuer);
    form.emplace("sub", subject);
    form.emplace("roles", roles);
    auto answered = issuer_client_->Post("/authorize", form);
    EXPECT_TRUE(answered);
    if (!answered) return "";
    EXPECT_EQ(answered->status, 303) << answered->body;
    return answered->get_header_value("Location");
  }

  httplib::Result Callback(const std::string& back, const std::string& cookies) {
    return client_->Get(PathOf(back).c_str(), {{"Cookie", cookies}});
  }

  // The whole flow: the session cookie of `subject`.
  std::string SignInAs(const std::string& subject, const std::string& roles) {
    auto [to_issuer, sign_in_cookie] = Begin();
    auto done = Callback(Authorize(to_issuer, subject, roles), sign_in_cookie);
    EXPECT_TRUE(done);
    if (!done) return "";
    EXPECT_EQ(done->status, 303);
    EXPECT_EQ(done->get_header_value("Location"), "/me.html");
    return CookiesOf(done);
  }

  json Session(const std::string& cookies) {
    auto session = client_->Get("/auth/session", {{"Cookie", cookies}});
    EXPECT_TRUE(session);
    return session ? json::parse(session->body) : json();
  }

  httplib::Result WhoAmI(httplib::Headers headers) {
    return client_->Post("/api/v1/plaudit.v1.AccessService/WhoAmI", headers, "{}",
                         "application/json");
  }

  testing::TempDir dir_;
  std::string issuer_dir_;
  RealClock clock_;
  std::unique_ptr<dev_issuer::OidcProvider> provider_;
  std::unique_ptr<httplib::Client> issuer_client_;
  std::unique_ptr<api::PlauditServer> server_;
  std::unique_ptr<WebServer> web_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SignInTest, ABrowserSignsInThroughTheIssuerAndCallsTheApiWithItsSessionAndCsrfToken) {
  Start(Config());
  auto [to_issuer, sign_in_cookie] = Begin();
  // To the issuer's authorization endpoint, with PKCE.
  EXPECT_TRUE(absl::StartsWith(to_issuer, provider_->base_url() + "/authorize?")) << to_issuer;
  httplib::Params query = Query(to_issuer);
  EXPECT_EQ(query.find("response_type")->second, "code");
  EXPECT_EQ(query.find("client_id")->second, "plaudit-web");
  EXPECT_EQ(query.find("code_challenge_method")->second, "S256");
  EXPECT_EQ(query.find("redirect_uri")->second,
            "http://127.0.0.1:" + std::to_string(web_->port()) + "/auth/callback");
  EXPECT_EQ(query.find("code_challenge")->second.size(), 43u);
  // The issuer's form.
  auto form = issuer_client_->Get(PathOf(to_issuer).c_str());
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_NE(form->body.find("<label for=\"sub\">"), std::string::npos);

  auto done = Callback(Authorize(to_issuer, "a1", "agent"), sign_in_cookie);
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 303) << done->body;
  EXPECT_EQ(done->get_header_value("Location"), "/me.html");
  const std::string set = done->get_header_value("Set-Cookie", 0);
  EXPECT_TRUE(absl::StartsWith(set, "plaudit-session=v1:")) << set;
  EXPECT_NE(set.find("; Path=/;"), std::string::npos) << set;
  EXPECT_NE(set.find("; HttpOnly; Secure; SameSite=Strict"), std::string::npos) << set;
  // The sign-in cookie is spent.
  EXPECT_TRUE(
      absl::StartsWith(done->get_header_value("Set-Cookie", 1), "plaudit-sign-in=; Path=/;"));
  // Nothing of the token shows in the cookie: it is sealed.
  EXPECT_EQ(set.find("eyJ"), std::string::npos);
  const std::string cookies = CookiesOf(done);

  json session = Session(cookies);
  EXPECT_EQ(session["sign_in"], true);
  ASSERT_EQ(session["signed_in"], true) << session;
  EXPECT_EQ(session["subject"], "a1");
  const std::string csrf = session["csrf_token"];
  EXPECT_GE(csrf.size(), 43u);

  auto who = WhoAmI({{"Cookie", cookies}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(who);
  ASSERT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(json::parse(who->body)["subject"], "a1");
  EXPECT_EQ(json::parse(who->body)["roles"], json::array({"agent"}));

  // The cookie alone does not do: a page of another site could make the browser send it.
  auto without_csrf = WhoAmI({{"Cookie", cookies}});
  ASSERT_TRUE(without_csrf);
  EXPECT_EQ(without_csrf->status, 403);
  EXPECT_NE(without_csrf->body.find("X-CSRF-Token"), std::string::npos);
  auto wrong_csrf = WhoAmI({{"Cookie", cookies}, {"X-CSRF-Token", csrf.substr(1) + "x"}});
  ASSERT_TRUE(wrong_csrf);
  EXPECT_EQ(wrong_csrf->status, 403);
  // Neither does no cookie at all.
  auto nobody = WhoAmI({});
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->status, 401);

  // A form of another site comes without the Strict cookie: it signs nobody out.
  auto elsewhere = client_->Post("/auth/sign-out", "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->get_header_value_count("Set-Cookie"), 0u);
  // Signing out needs the CSRF token too, and removes the cookie.
  auto forged = client_->Post("/auth/sign-out", {{"Cookie", cookies}}, "", "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  auto out = client_->Post("/auth/sign-out", {{"Cookie", cookies}, {"X-CSRF-Token", csrf}}, "",
                           "application/json");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_TRUE(absl::StartsWith(out->get_header_value("Set-Cookie"),
                               "plaudit-session=; Path=/; "
                               "Max-Age=0"))
      << out->get_header_value("Set-Cookie");
}

TEST_F(SignInTest, AManagersSessionCarriesTheManagersRoles) {
  Start(Config());
  const std::string cookies = SignInAs("mgr-anna", "manager");
  const std::string csrf = Session(cookies)["csrf_token"];
  auto who = WhoAmI({{"Cookie", cookies}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(who);
  ASSERT_EQ(who->status, 200) << who->body;
  EXPECT_EQ(json::parse(who->body)["roles"], json::array({"manager"}));
}

TEST_F(SignInTest, ATamperedOrForeignSessionCookieIsRefusedAndCleared) {
  Start(Config());
  const std::string cookies = SignInAs("a1", "agent");
  const std::string csrf = Session(cookies)["csrf_token"];
  std::string tampered = cookies;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  auto who = WhoAmI({{"Cookie", tampered}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 401) << who->body;
  EXPECT_NE(who->body.find("sign in again"), std::string::npos) << who->body;
  json session = Session(tampered);
  EXPECT_EQ(session["signed_in"], false);
  EXPECT_TRUE(session.contains("problem"));
  // A cookie of another server (another session key) is no better.
  auto forged = WhoAmI({{"Cookie", "plaudit-session=v1:AAAA"}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
}

TEST_F(SignInTest, TheCallbackRefusesAnotherBrowsersStateAReplayedCodeAndNoSignInCookie) {
  Start(Config());
  auto [to_issuer, sign_in_cookie] = Begin();
  const std::string back = Authorize(to_issuer, "a1", "agent");
  // Without the sign-in cookie (another browser, or a link sent to the victim): back to the
  // first page, which says why.
  auto stranger = Callback(back, "");
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 303);
  EXPECT_EQ(stranger->get_header_value("Location"), "/?sign_in_error=refused");
  // Only the removal of a sign-in cookie: no session.
  EXPECT_TRUE(
      absl::StartsWith(stranger->get_header_value("Set-Cookie"), "plaudit-sign-in=; Path=/;"));
  EXPECT_EQ(stranger->get_header_value_count("Set-Cookie"), 1u);
  // Another sign-in's cookie: its state differs.
  auto [unused, other_cookie] = Begin();
  auto crossed = Callback(back, other_cookie);
  ASSERT_TRUE(crossed);
  EXPECT_EQ(crossed->get_header_value("Location"), "/?sign_in_error=refused");
  EXPECT_EQ(CookiesOf(crossed), "");
  // The right cookie signs in once; the same code again does not.
  auto first = Callback(back, sign_in_cookie);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->get_header_value("Location"), "/me.html");
  auto again = Callback(back, sign_in_cookie);
  ASSERT_TRUE(again);
  // The reason (the code was used already) goes to the log; the page gets a code to word.
  EXPECT_EQ(again->get_header_value("Location"), "/?sign_in_error=refused");
  EXPECT_EQ(CookiesOf(again), "");
}

TEST_F(SignInTest, AnAccessTokenTooLargeForACookieIsRefusedWithTheReason) {
  Start(Config());
  std::string roles = "agent";
  for (int i = 0; i < 300; ++i) roles += ",role-number-" + std::to_string(i);
  auto [to_issuer, sign_in_cookie] = Begin();
  auto done = Callback(Authorize(to_issuer, "a1", roles), sign_in_cookie);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->get_header_value("Location"), "/?sign_in_error=refused");
  EXPECT_EQ(CookiesOf(done), "");
}

TEST_F(SignInTest, TheIssuerRefusesACodeWithoutItsVerifier) {
  Start(Config());
  auto [to_issuer, sign_in_cookie] = Begin();
  const httplib::Params back = Query(Authorize(to_issuer, "a1", "agent"));
  const httplib::Params query = Query(to_issuer);
  auto token = issuer_client_->Post(
      "/token", httplib::Params{{"grant_type", "authorization_code"},
                                {"code", back.find("code")->second},
                                {"client_id", "plaudit-web"},
                                {"redirect_uri", query.find("redirect_uri")->second},
                                {"code_verifier", std::string(43, 'x')}});
  ASSERT_TRUE(token);
  EXPECT_EQ(token->status, 400);
  EXPECT_EQ(json::parse(token->body)["error"], "invalid_grant");
  EXPECT_NE(token->body.find("code_verifier"), std::string::npos);
}

TEST_F(SignInTest, TheDevIssuerRefusesRedirectsAndHostsOffThisMachine) {
  Start(Config());
  auto [to_issuer, sign_in_cookie] = Begin();
  httplib::Params form = Query(to_issuer);
  form.erase("redirect_uri");
  form.emplace("redirect_uri", "http://localhost:1@evil.example/cb");
  form.emplace("sub", "admin");
  auto refused = issuer_client_->Post("/authorize", form);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find("is not allowed"), std::string::npos);
  auto rebound =
      issuer_client_->Get("/.well-known/openid-configuration", {{"Host", "rebind.evil.example"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
}

TEST_F(SignInTest, ReturnsOnlyToPathsOfThisSite) {
  Start(Config());
  auto [to_issuer, sign_in_cookie] = Begin("//evil.example/x");
  auto done = Callback(Authorize(to_issuer, "a1", "agent"), sign_in_cookie);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->get_header_value("Location"), "/");
  EXPECT_TRUE(IsLocalPath("/leaderboard.html?program=x"));
  EXPECT_FALSE(IsLocalPath("/\\evil.example"));
  EXPECT_FALSE(IsLocalPath("https://evil.example/"));
  EXPECT_FALSE(IsLocalPath("/a\r\nSet-Cookie: x=1"));
}

TEST_F(SignInTest, BehindAnHttpsAddressTheCookiesTakeTheirSecurePrefixes) {
  SignInConfig config = Config();
  config.public_url = "https://plaudit.example";
  Start(config);
  auto begun = client_->Get("/auth/sign-in");
  ASSERT_TRUE(begun);
  EXPECT_EQ(Query(begun->get_header_value("Location")).find("redirect_uri")->second,
            "https://plaudit.example/auth/callback");
  const std::string set = begun->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StartsWith(set, "__Host-plaudit-sign-in=v1:")) << set;
  EXPECT_NE(set.find("; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax"), std::string::npos)
      << set;
  EXPECT_EQ(Session("plaudit-session=v1:AAAA")["signed_in"], false);
  auto refused = WhoAmI({{"Cookie", "__Host-plaudit-session=v1:AAAA"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
}

TEST_F(SignInTest, AnIssuerThatCannotBeReachedIsExplainedOnTheFirstPage) {
  SignInConfig config = Config();
  provider_->Stop();
  Start(config);
  auto begun = client_->Get("/auth/sign-in");
  ASSERT_TRUE(begun);
  EXPECT_EQ(begun->status, 303);
  EXPECT_EQ(begun->get_header_value("Location"), "/?sign_in_error=issuer_unreachable");
}

TEST_F(SignInTest, WithoutSignInConfiguredThePagesSaySoAndTheCookieMeansNothing) {
  Start(std::nullopt);
  json session = Session("");
  EXPECT_EQ(session["sign_in"], false);
  EXPECT_EQ(session["signed_in"], false);
  auto begun = client_->Get("/auth/sign-in");
  ASSERT_TRUE(begun);
  EXPECT_EQ(begun->status, 404);
  auto who = WhoAmI({{"Cookie", "plaudit-session=v1:AAAA"}});
  ASSERT_TRUE(who);
  EXPECT_EQ(who->status, 401);
}

TEST(CookieValue, FindsOneCookieOfAHeader) {
  EXPECT_EQ(CookieValue("a=1; plaudit-session=v1:x=; b=2", "plaudit-session"), "v1:x=");
  EXPECT_EQ(CookieValue("xplaudit-session=1", "plaudit-session"), std::nullopt);
  EXPECT_EQ(CookieValue("", "a"), std::nullopt);
}

}  // namespace
}  // namespace plaudit::web

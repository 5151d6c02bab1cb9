// The "certificate" fulfilment plugin: renders a one-page PDF certificate of recognition (A4
// landscape) for the award's agent, issues an Open Badges 3.0 credential for it as a VC-JWT
// signed with the issuer's Ed25519 key (see open_badge.h), prints a QR code of the credential's
// verification URL on the PDF, and returns the PDF's absolute path as the artifact.
//
// Config keys (any other key refuses Init):
//   output_dir       where certificates are written (optional; default <data_dir>/artifacts; a
//                    relative path is taken relative to the data dir).
//   issuer_key_file  PEM Ed25519 private key that signs credentials (optional; relative to the
//                    data dir). Without it the plugin keeps its own key in
//                    <data_dir>/certificate/issuer-ed25519.pem, generated at first start (0600).
//   issuer_id        the issuer's URI (optional; default urn:plaudit:issuer:<key id>).
//   issuer_name      the issuer's name (optional; default "Plaudit").
//   verify_url_base  http(s) URL prefix; the credential's verification URL is this followed by
//                    its UUID, and the QR code holds it (optional; without it the QR code holds
//                    the credential id).
//   language         the language of certificates for agents without a locale, or whose locale
//                    is not one of en, ms, pt, sv, fa (optional; default en). An agent's own
//                    locale, when it is one of those, chooses their certificate's language.
//
// Safe to repeat: file names and the credential id are derived from the idempotency key, a
// finished certificate or credential is never rewritten, and each file is written to a hidden
// temporary file that is synced and then moved into place, so a crash never leaves half a file
// under the final name. The credential is recorded in host state (credential/<id>) last; the
// reward is fulfilled only once it is.
//
// Queries: verify {credential}, revoke {id, reason} (needs an actor), public_key; and, for the
// certificate's recipient (the host keeps rows of other agents from them by the `agent` column),
// credential {idempotency_key} (the credential id, its verification URL and the VC-JWT) and pdf
// {idempotency_key} (the PDF, base64).
#include <cairo-pdf.h>
#include <cairo.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pango/pangocairo.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fulfilment/certificate/certificate_layout.h"
#include "fulfilment/certificate/certificate_words.h"
#include "fulfilment/certificate/issuer_key.h"
#include "fulfilment/certificate/open_badge.h"
#include "fulfilment/certificate/qr_code.h"
#include "fulfilment/common/period_days.h"
#include "plaudit/errno_message.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/state_transaction.h"
#include "plaudit/trim.h"

namespace plaudit::fulfilment {
namespace {

namespace pb = ::plaudit::plugin::v1;
using ::plaudit::sdk::kInvalidArgument;
using ::plaudit::sdk::kNotFound;
using ::plaudit::sdk::kUnauthenticated;
using ::plaudit::sdk::kUnavailable;
using ::plaudit::sdk::QueryError;
namespace fs = std::filesystem;

constexpr char kPluginName[] = "certificate";
constexpr char kVersion[] = "1.1.0";
constexpr char kFontFamily[] = "DejaVu Sans";

// Text never comes closer to the page edge than this; long names are shrunk to fit.
constexpr double kTextMargin = 90.0;

// Longest part of an idempotency key kept verbatim in a file name.
constexpr size_t kMaxKeyChars = 80;

constexpr char kKnownConfig[] =
    "output_dir, issuer_key_file, issuer_id, issuer_name, verify_url_base, language";
// The generated issuer key, below the data dir, when issuer_key_file is not set.
constexpr char kGeneratedKeyPath[] = "certificate/issuer-ed25519.pem";
constexpr char kDefaultIssuerName[] = "Plaudit";

// Host state keys.
constexpr char kCredentialPrefix[] = "credential/";  // + credential id: CredentialRecord JSON
constexpr char kRevocationPrefix[] = "revocation/";  // + credential id: Revocation JSON

using ::plaudit::sdk::Outcome;

// How the period reads on the certificate, from its days in the program's time zone and in the
// certificate's language: a day is "5 October 2026", a calendar month "October 2026"; any other
// period (a week, a quarter, a year) and a request without the period's instants show the label
// as it is.
std::string DescribePeriod(const pb::FulfilRequest& request, const CertificateWords& words) {
  const std::string label(Trim(request.period()));
  const std::optional<PeriodDays> days = PeriodDaysOf(request);
  if (!days) return label;
  if (days->first == days->last) return PhraseDay(words, days->first);
  const absl::CivilMonth month(days->first);
  if (days->first == absl::CivilDay(month) && days->last == absl::CivilDay(month + 1) - 1) {
    return PhraseMonth(words, month);
  }
  return label;
}

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// "certificate-<key>" (the PDF adds ".pdf", the credential ".jwt") with the key restricted to
// [A-Za-z0-9_-]. When that changed or shortened the key, a hash of the whole key is appended so
// that distinct keys never share a file.
std::string CertificateFileStem(std::string_view key) {
  std::string safe;
  bool altered = key.size() > kMaxKeyChars;
  for (char c : key.substr(0, kMaxKeyChars)) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-';
    safe.push_back(allowed ? c : '_');
    altered = altered || !allowed;
  }
  if (altered) {
    char hash[17];
    std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(Fnv1a64(key)));
    safe += "-";
    safe += hash;
  }
  return "certificate-" + safe;
}

// Draws `text` centred on x = centre_x with its first baseline at y, shrinking the font size as
// needed so that it stays within max_width. Pango shapes the text (Persian's joined letters) and
// lays it out in its own direction, right to left where the script is.
void DrawCentred(cairo_t* cr, const std::string& text, double centre_x, double baseline,
                 double size, PangoWeight weight, double max_width) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  PangoFontDescription* font = pango_font_description_new();
  pango_font_description_set_family(font, kFontFamily);
  pango_font_description_set_weight(font, weight);
  pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
  pango_layout_set_font_description(layout, font);
  pango_layout_set_text(layout, text.c_str(), -1);
  PangoRectangle ink;
  PangoRectangle logical;
  pango_layout_get_extents(layout, &ink, &logical);
  const double width = static_cast<double>(logical.width) / PANGO_SCALE;
  if (width > max_width) {
    pango_font_description_set_absolute_size(font, size * max_width / width * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    pango_layout_get_extents(layout, &ink, &logical);
  }
  pango_font_description_free(font);
  const double x = centre_x - static_cast<double>(logical.x + logical.width / 2) / PANGO_SCALE;
  const double top =
      baseline - static_cast<double>(pango_layout_get_baseline(layout)) / PANGO_SCALE;
  cairo_move_to(cr, x, top);
  pango_cairo_show_layout(cr, layout);
  g_object_unref(layout);
}

// Centred on the page, within the text margins.
void DrawLine(cairo_t* cr, const std::string& text, double baseline, double size,
              PangoWeight weight) {
  DrawCentred(cr, text, kPageWidth / 2, baseline, size, weight, kPageWidth - 2 * kTextMargin);
}

struct CertificateText {
  const CertificateWords* words = &EnglishWords();
  std::string name;
  std::string program;
  std::string period;  // already phrased in the words' language, e.g. "October 2026"
  std::string award_id;
  std::string credential_id;
  QrMatrix qr;  // the credential's verification URL (or id)
};

void DrawCertificate(cairo_t* cr, const CertificateText& text) {
  const CertificateWords& words = *text.words;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  // A heavy outer frame and a thin inner rule.
  cairo_set_source_rgb(cr, 0.10, 0.20, 0.42);
  cairo_set_line_width(cr, 6);
  cairo_rectangle(cr, 24, 24, kPageWidth - 48, kPageHeight - 48);
  cairo_stroke(cr);
  cairo_set_line_width(cr, 1.5);
  cairo_rectangle(cr, 38, 38, kPageWidth - 76, kPageHeight - 76);
  cairo_stroke(cr);

  DrawLine(cr, words.title, 150, 40, PANGO_WEIGHT_BOLD);

  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  DrawLine(cr, words.presented_to, 210, 16, PANGO_WEIGHT_NORMAL);

  cairo_set_source_rgb(cr, 0, 0, 0);
  DrawLine(cr, text.name, 290, 52, PANGO_WEIGHT_BOLD);

  cairo_set_source_rgb(cr, 0.10, 0.20, 0.42);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, kPageWidth / 2 - 180, 315);
  cairo_line_to(cr, kPageWidth / 2 + 180, 315);
  cairo_stroke(cr);

  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  if (!text.program.empty()) DrawLine(cr, text.program, 370, 24, PANGO_WEIGHT_NORMAL);
  if (!text.period.empty()) {
    DrawLine(cr, Fill(words.for_period, text.period), 410, 18, PANGO_WEIGHT_NORMAL);
  }

  std::string footer;
  if (!text.award_id.empty()) footer = Fill(words.award, text.award_id);
  if (!text.credential_id.empty()) {
    footer += (footer.empty() ? "" : "  \u00b7  ") + Fill(words.credential, text.credential_id);
  }
  if (!footer.empty()) {
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    DrawLine(cr, footer, kPageHeight - 56, 9, PANGO_WEIGHT_NORMAL);
  }

  if (text.qr.size > 0) {
    DrawQr(cr, text.qr, kQrX, kQrY, kQrSide);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    const double quiet = kQrQuietZoneModules * kQrSide / text.qr.size;
    DrawCentred(cr, words.scan, kQrX + kQrSide / 2, kQrY + kQrSide + quiet + 6, 8,
                PANGO_WEIGHT_NORMAL, kQrSide + 2 * quiet);
  }
}

// Renders the certificate into the file at `path`. Returns cairo's reason on failure, else "".
std::string RenderCertificate(const std::string& path, const CertificateText& text) {
  cairo_surface_t* surface = cairo_pdf_surface_create(path.c_str(), kPageWidth, kPageHeight);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
  const std::string title = std::string(text.words->title) + ": " + text.name;
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Plaudit");
#endif
  cairo_t* cr = cairo_create(surface);
  DrawCertificate(cr, text);
  cairo_show_page(cr);
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  return status == CAIRO_STATUS_SUCCESS ? std::string() : cairo_status_to_string(status);
}

// Flushes a file's (or directory's) contents to disk. Returns "" or the reason it failed.
std::string SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoMessage(errno);
  std::string error;
  if (::fsync(fd) != 0) error = ErrnoMessage(errno);
  ::close(fd);
  return error;
}

// A hidden, world-readable temporary file next to `final_path`; "" with *error on failure.
std::string MakeTempFile(const fs::path& final_path, std::string* error) {
  std::string temp_path =
      (final_path.parent_path() / ("." + final_path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temp_path.data());
  if (fd < 0) {
    *error = "cannot create a temporary file in " + final_path.parent_path().string() + ": " +
             ErrnoMessage(errno);
    return {};
  }
  // mkstemp's 0600 would keep the file from whoever hands it out; make it a normal file.
  ::fchmod(fd, 0644);
  ::close(fd);
  return temp_path;
}

int64_t UnixSecondsNow(sdk::Host& host) {
  const int64_t micros = host.NowMicros();
  if (micros > 0) return micros / 1000000;
  // A host without a clock (or one that failed): the system's.
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void AddRow(pb::QueryResponse* response, const std::vector<std::string>& cells) {
  auto* row = response->add_rows();
  for (const std::string& cell : cells) row->add_cells(cell);
}

// The revocation record kept under revocation/<credential id>.
struct Revocation {
  std::string at;  // RFC 3339 UTC
  std::string by;
  std::string reason;

  std::string ToJson() const {
    json::Json record = json::Json::object();
    record["at"] = at;
    record["by"] = by;
    record["reason"] = reason;
    return json::Serialize(record);
  }
  static Revocation FromJson(const std::string& text) {
    std::string error;
    Revocation revocation;
    if (std::optional<json::Json> json = json::ParseStrict(text, &error)) {
      revocation.at = json::StringMember(*json, "at");
      revocation.by = json::StringMember(*json, "by");
      revocation.reason = json::StringMember(*json, "reason");
    }
    return revocation;
  }
  std::string Describe() const { return "revoked (" + at + ", by " + by + ": " + reason + ")"; }
};

bool IsHttpUrl(std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) return false;
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ') return false;
  }
  return true;
}

class CertificatePlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("certificate");

    const auto& config = request.config();
    for (const auto& [key, value] : config) {
      if (key != "output_dir" && key != "issuer_key_file" && key != "issuer_id" &&
          key != "issuer_name" && key != "verify_url_base" && key != "language") {
        return "unknown config key \"" + key + "\" (known: " + kKnownConfig + ")";
      }
    }
    auto setting = [&](const char* key) -> std::optional<std::string> {
      auto it = config.find(key);
      if (it == config.end()) return std::nullopt;
      return it->second;
    };

    std::string error;
    const std::optional<std::string> output_dir = setting("output_dir");
    if (output_dir && output_dir->empty()) return "config output_dir is empty";
    if (!ResolvePath(request.data_dir(), output_dir.value_or("artifacts"), &output_dir_, &error)) {
      return error;
    }

    const std::optional<std::string> key_file = setting("issuer_key_file");
    if (key_file && key_file->empty()) return "config issuer_key_file is empty";
    fs::path key_path;
    if (!ResolvePath(request.data_dir(), key_file.value_or(kGeneratedKeyPath), &key_path, &error)) {
      return error;
    }
    if (key_file) {
      key_ = IssuerKey::Load(key_path.string(), &error);
      if (!key_) return error;
    } else {
      bool created = false;
      key_ = IssuerKey::LoadOrCreate(key_path.string(), &created, &error);
      if (!key_) return error;
      if (created) {
        host().Info("certificate: generated issuer key " + key_path.string() + " (kid " +
                    key_->kid() + "); back it up: credentials verify only against it");
      }
    }
    struct stat key_stat;
    if (::stat(key_path.c_str(), &key_stat) == 0 && (key_stat.st_mode & 077) != 0) {
      host().Warning("certificate: issuer key " + key_path.string() +
                     " is readable by other users; chmod 600 it");
    }

    issuer_.id = setting("issuer_id").value_or("urn:plaudit:issuer:" + key_->kid());
    if (!IsUri(issuer_.id)) {
      return "config issuer_id \"" + issuer_.id + "\" is not a URI (e.g. https://example.com/)";
    }
    issuer_.name = setting("issuer_name").value_or(kDefaultIssuerName);
    if (issuer_.name.empty()) return "config issuer_name is empty";
    verify_url_base_ = setting("verify_url_base").value_or("");
    if (!verify_url_base_.empty() && !IsHttpUrl(verify_url_base_)) {
      return "config verify_url_base \"" + verify_url_base_ + "\" is not an http(s) URL";
    }
    if (!EncodeQr(VerificationUrl(CredentialIdForKey("probe")))) {
      return "config verify_url_base is too long to fit a QR code";
    }
    if (const std::optional<std::string> language = setting("language")) {
      default_words_ = WordsFor(*language);
      if (default_words_ == nullptr) {
        return "config language \"" + *language + "\" is not one of en, ms, pt, sv, fa";
      }
    }
    host().Info("certificate: signing credentials as " + issuer_.id + " with key " +
                key_path.string() + " (kid " + key_->kid() + ")");
    return {};
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    if (request.idempotency_key().empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    }
    CertificateText text;
    text.name = std::string(Trim(request.agent().display_name()));
    if (text.name.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                     "agent " + request.agent().id() + " has no display_name to print");
    }
    if (request.agent().id().empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "agent id is empty");
    }
    text.program = std::string(Trim(request.program_name()));
    const CertificateWords* own = WordsFor(request.agent().locale());
    text.words = own != nullptr ? own : default_words_;
    text.period = DescribePeriod(request, *text.words);
    text.award_id = request.award_id();
    text.credential_id = CredentialIdForKey(request.idempotency_key());
    std::optional<QrMatrix> qr = EncodeQr(VerificationUrl(text.credential_id));
    if (!qr) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "cannot encode the QR code");
    text.qr = std::move(*qr);

    std::error_code ec;
    fs::create_directories(output_dir_, ec);
    if (ec) {
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                     "cannot create " + output_dir_.string() + ": " + ec.message());
    }
    const std::string stem = CertificateFileStem(request.idempotency_key());
    const fs::path pdf_path = output_dir_ / (stem + ".pdf");
    const fs::path jwt_path = output_dir_ / (stem + ".jwt");

    std::string error;
    if (!WriteCredential(request, text, jwt_path, &error) || !WritePdf(text, pdf_path, &error)) {
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, error);
    }
    if (!RecordCredential(request, text.credential_id, pdf_path, jwt_path, &error)) {
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, error);
    }
    return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, pdf_path.string());
  }

  pb::FulfilResponse Lookup(const pb::FulfilRequest& request) override {
    if (request.idempotency_key().empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    }
    const StateRead record =
        host().ReadState(kCredentialPrefix + CredentialIdForKey(request.idempotency_key()));
    if (!record.ok) {
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "cannot read plugin state: " + record.error);
    }
    const std::string stem = CertificateFileStem(request.idempotency_key());
    const fs::path pdf_path = output_dir_ / (stem + ".pdf");
    std::error_code ec;
    if (record.value && fs::is_regular_file(pdf_path, ec) &&
        fs::is_regular_file(output_dir_ / (stem + ".jwt"), ec)) {
      return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, pdf_path.string());
    }
    // Anything less is finished by fulfilling again, which never duplicates a certificate.
    return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, {});
  }

  pb::QueryResponse Query(const pb::QueryRequest& request) override {
    if (request.method() == "verify") return Verify(request);
    if (request.method() == "revoke") return Revoke(request);
    if (request.method() == "public_key") return PublicKey();
    if (request.method() == "credential") return Credential(request, /*with_pdf=*/false);
    if (request.method() == "pdf") return Credential(request, /*with_pdf=*/true);
    return QueryError(kNotFound, "unknown query \"" + request.method() +
                                     "\" (known: verify, revoke, public_key, credential, pdf)");
  }

 private:
  using StateRead = sdk::StateRead;

  static bool ResolvePath(const std::string& data_dir, const fs::path& configured, fs::path* out,
                          std::string* error) {
    fs::path path = configured;
    if (path.is_relative()) {
      if (data_dir.empty()) {
        *error = "no data dir to place " + path.string() + " in; configure an absolute path";
        return false;
      }
      path = fs::path(data_dir) / path;
    }
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    if (ec) {
      *error = "cannot resolve " + path.string() + ": " + ec.message();
      return false;
    }
    *out = absolute.lexically_normal();
    return true;
  }

  // What the QR code holds and credentialStatus points at.
  std::string VerificationUrl(const std::string& credential_id) const {
    if (verify_url_base_.empty()) return credential_id;
    return verify_url_base_ + std::string(UuidOf(credential_id));
  }

  // Signs and writes the credential unless it already exists: a retry keeps the first one (and
  // its validFrom), so the credential a reward issues never changes.
  bool WriteCredential(const pb::FulfilRequest& request, const CertificateText& text,
                       const fs::path& jwt_path, std::string* error) {
    std::error_code ec;
    if (fs::is_regular_file(jwt_path, ec)) return true;

    BadgeAward award;
    award.credential_id = text.credential_id;
    award.agent_id = request.agent().id();
    award.agent_email = std::string(Trim(request.agent().email()));
    award.program_id = request.program_id();
    award.program_name = text.program;
    award.period = std::string(Trim(request.period()));
    award.period_words = text.period;
    award.award_id = request.award_id();
    award.valid_from = UnixSecondsNow(host());
    if (!verify_url_base_.empty()) award.verification_url = VerificationUrl(text.credential_id);
    const std::string jwt = SignVcJwt(BuildOpenBadge(award, issuer_), *key_);
    if (jwt.empty()) {
      *error = "cannot sign the credential (OpenSSL failed)";
      return false;
    }

    const std::string temp_path = MakeTempFile(jwt_path, error);
    if (temp_path.empty()) return false;
    {
      std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
      out << jwt << '\n';
      out.close();
      if (!out) *error = "cannot write " + temp_path;
    }
    if (error->empty()) {
      if (std::string sync_error = SyncPath(temp_path, O_RDONLY); !sync_error.empty()) {
        *error = "cannot sync " + temp_path + ": " + sync_error;
        // link(), not rename(): a credential written meanwhile by another attempt is kept.
      } else if (::link(temp_path.c_str(), jwt_path.c_str()) != 0 && errno != EEXIST) {
        *error = "cannot create " + jwt_path.string() + ": " + ErrnoMessage(errno);
      }
    }
    ::unlink(temp_path.c_str());
    if (!error->empty()) return false;
    SyncPath(output_dir_.string(), O_RDONLY | O_DIRECTORY);
    return true;
  }

  bool WritePdf(const CertificateText& text, const fs::path& pdf_path, std::string* error) {
    std::error_code ec;
    // A finished certificate only ever appears by rename, so its presence means a complete file.
    if (fs::is_regular_file(pdf_path, ec)) return true;
    const std::string temp_path = MakeTempFile(pdf_path, error);
    if (temp_path.empty()) return false;
    if (std::string cairo_error = RenderCertificate(temp_path, text); !cairo_error.empty()) {
      *error = "cairo: " + cairo_error;
    } else if (std::string sync_error = SyncPath(temp_path, O_RDONLY); !sync_error.empty()) {
      *error = "cannot sync " + temp_path + ": " + sync_error;
    } else if (::rename(temp_path.c_str(), pdf_path.c_str()) != 0) {
      *error = "cannot rename to " + pdf_path.string() + ": " + ErrnoMessage(errno);
    }
    if (!error->empty()) {
      ::unlink(temp_path.c_str());
      return false;
    }
    // Make the rename itself durable; the certificate is complete either way.
    SyncPath(output_dir_.string(), O_RDONLY | O_DIRECTORY);
    return true;
  }

  // Records credential/<id> → {key, agent, award, program, pdf, jwt} once.
  bool RecordCredential(const pb::FulfilRequest& request, const std::string& credential_id,
                        const fs::path& pdf_path, const fs::path& jwt_path, std::string* error) {
    const std::string state_key = kCredentialPrefix + credential_id;
    const StateRead existing = host().ReadState(state_key);
    if (!existing.ok) {
      *error = "cannot read plugin state: " + existing.error;
      return false;
    }
    if (existing.value) return true;
    json::Json fields = json::Json::object();
    fields["key"] = request.idempotency_key();
    fields["agent"] = request.agent().id();
    fields["award"] = request.award_id();
    fields["program"] = request.program_id();
    fields["pdf"] = pdf_path.string();
    fields["jwt"] = jwt_path.string();
    const std::string record = json::Serialize(fields);
    // A concurrent attempt may have recorded it first; that is as good.
    const StateRead stored = sdk::InsertOrRead(host(), state_key, record);
    if (stored.ok) return true;
    *error = "cannot record credential " + credential_id + ": " + stored.error;
    return false;
  }

  // The certificate of the reward with this idempotency key, as recorded: its agent, credential
  // id and verification URL, and the VC-JWT text, or (with_pdf) the PDF in base64.
  pb::QueryResponse Credential(const pb::QueryRequest& request, bool with_pdf) {
    for (const auto& [key, value] : request.args()) {
      if (key != "idempotency_key") {
        return QueryError(kInvalidArgument, "unknown arg \"" + key + "\" (known: idempotency_key)");
      }
    }
    const auto arg = request.args().find("idempotency_key");
    const std::string key = arg == request.args().end() ? "" : std::string(Trim(arg->second));
    if (key.empty()) return QueryError(kInvalidArgument, "arg idempotency_key is required");
    const std::string credential_id = CredentialIdForKey(key);
    const StateRead record = host().ReadState(kCredentialPrefix + credential_id);
    if (!record.ok) return QueryError(kUnavailable, "cannot read plugin state: " + record.error);
    if (!record.value) return QueryError(kNotFound, "no certificate for key " + key);
    std::string error;
    const std::optional<json::Json> fields = json::ParseStrict(*record.value, &error);
    if (!fields) return QueryError(0, "stored credential " + credential_id + " is unreadable");
    const std::string file = json::StringMember(*fields, with_pdf ? "pdf" : "jwt");
    std::ifstream in(file, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return QueryError(kUnavailable, "cannot read " + file);
    if (content.empty())
      return QueryError(kNotFound, "the certificate's file " + file + " is gone");
    pb::QueryResponse response;
    if (with_pdf) {
      for (const char* column : {"agent", "file", "pdf_base64"}) response.add_columns(column);
      std::string encoded(4 * ((content.size() + 2) / 3) + 1, '\0');
      const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                         reinterpret_cast<const unsigned char*>(content.data()),
                                         static_cast<int>(content.size()));
      encoded.resize(length < 0 ? 0 : static_cast<size_t>(length));
      AddRow(&response,
             {json::StringMember(*fields, "agent"), fs::path(file).filename().string(), encoded});
      return response;
    }
    for (const char* column : {"agent", "credential_id", "verification_url", "credential"}) {
      response.add_columns(column);
    }
    AddRow(&response, {json::StringMember(*fields, "agent"), credential_id,
                       verify_url_base_.empty() ? "" : VerificationUrl(credential_id),
                       std::string(Trim(content))});
    return response;
  }

  pb::QueryResponse Verify(const pb::QueryRequest& request) {
    auto arg = request.args().find("credential");
    const std::string token =
        arg == request.args().end() ? std::string() : std::string(Trim(arg->second));
    if (token.empty()) {
      return QueryError(kInvalidArgument, "args.credential: required (the VC-JWT text)");
    }

    std::vector<std::string> lines;
    bool invalid = false;
    auto fail = [&](const std::string& line) {
      lines.push_back(line);
      invalid = true;
    };
    std::string credential_id = "-";
    std::string signature_cell = "not checked";
    std::string issuer_cell = "-";
    std::string subject_cell = "-";
    std::string achievement_cell = "-";
    std::string status_cell = "-";

    std::string parse_error;
    std::optional<ParsedVcJwt> jwt = ParseVcJwt(token, &parse_error);
    if (!jwt) {
      fail("structure: INVALID (" + parse_error + ")");
      lines.push_back("signature: not checked");
    } else {
      const std::string alg = json::StringMember(jwt->header, "alg");
      const std::string typ = json::StringMember(jwt->header, "typ");
      if (alg != "EdDSA") {
        fail("structure: INVALID (header alg is \"" + alg + "\", expected EdDSA)");
      } else if (!typ.empty() && typ != kVcJwtType && typ != "JWT") {
        fail("structure: INVALID (header typ is \"" + typ + "\", expected vc+jwt)");
      } else {
        lines.push_back("structure: valid (VC-JWT, EdDSA)");
      }

      const std::string kid = json::StringMember(jwt->header, "kid");
      if (alg == "EdDSA" && key_->Verify(jwt->signing_input, jwt->signature)) {
        signature_cell = "valid";
        lines.push_back("signature: valid (Ed25519, key " + key_->kid() + ")");
      } else {
        signature_cell = "INVALID";
        std::string why = kid.empty() || kid == key_->kid()
                              ? "does not match the issuer key " + key_->kid()
                              : "signed with key " + kid + ", not the issuer key " + key_->kid();
        fail("signature: INVALID (" + why + ")");
      }

      const json::Json& payload = jwt->payload;
      credential_id = json::StringMember(payload, "id");
      const json::Json* issuer = json::Find(payload, "issuer");
      const std::string issuer_id = issuer != nullptr ? json::StringMember(*issuer, "id") : "";
      const std::string issuer_name = issuer != nullptr ? json::StringMember(*issuer, "name") : "";
      issuer_cell = issuer_id;
      if (issuer_id == issuer_.id) {
        lines.push_back("issuer: " + issuer_id + " (" + issuer_name + ")");
      } else {
        fail("issuer: INVALID (" + (issuer_id.empty() ? "none" : issuer_id) + ", expected " +
             issuer_.id + ")");
      }

      const std::vector<std::string> problems = OpenBadgeProblems(payload);
      if (problems.empty()) {
        lines.push_back("credential: " + credential_id + " (OpenBadgeCredential, valid from " +
                        json::StringMember(payload, "validFrom") + ")");
      } else {
        std::string joined;
        for (const std::string& problem : problems)
          joined += (joined.empty() ? "" : "; ") + problem;
        fail("credential: INVALID (" + joined + ")");
      }

      const json::Json* subject = json::Find(payload, "credentialSubject");
      if (subject != nullptr) {
        subject_cell = json::StringMember(*subject, "id");
        if (const json::Json* achievement = json::Find(*subject, "achievement")) {
          achievement_cell = json::StringMember(*achievement, "name");
        }
      }
      lines.push_back("subject: " + subject_cell);
      lines.push_back("achievement: " + achievement_cell);
    }

    bool revoked = false;
    if (jwt && credential_id.starts_with("urn:uuid:")) {
      const StateRead revocation = host().ReadState(kRevocationPrefix + credential_id);
      const StateRead record = host().ReadState(kCredentialPrefix + credential_id);
      if (!revocation.ok || !record.ok) {
        return QueryError(kUnavailable, "cannot read the revocation status: " +
                                            (revocation.ok ? record.error : revocation.error));
      }
      if (revocation.value) {
        revoked = true;
        status_cell = Revocation::FromJson(*revocation.value).Describe();
      } else if (record.value) {
        status_cell = "active";
      } else {
        status_cell = "active (not in this server's records)";
      }
      lines.push_back("status: " + status_cell);
    } else {
      lines.push_back("status: unknown");
    }

    const std::string verdict = invalid ? "invalid" : (revoked ? "revoked" : "valid");
    lines.push_back("verdict: " + verdict);

    pb::QueryResponse response;
    for (const char* column :
         {"credential", "verdict", "signature", "issuer", "subject", "achievement", "status"}) {
      response.add_columns(column);
    }
    AddRow(&response, {credential_id, verdict, signature_cell, issuer_cell, subject_cell,
                       achievement_cell, status_cell});
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    response.set_text(text);
    return response;
  }

  pb::QueryResponse Revoke(const pb::QueryRequest& request) {
    if (request.actor().empty()) {
      return QueryError(kUnauthenticated,
                        "revoking a certificate needs to know who revokes it (plaudit --as USER)");
    }
    auto arg = [&](const char* key) {
      auto it = request.args().find(key);
      return it == request.args().end() ? std::string() : std::string(Trim(it->second));
    };
    std::string credential_id = arg("id");
    const std::string reason = arg("reason");
    if (credential_id.empty()) return QueryError(kInvalidArgument, "args.id: required");
    if (reason.empty()) return QueryError(kInvalidArgument, "args.reason: required");
    if (!credential_id.starts_with("urn:uuid:")) credential_id = "urn:uuid:" + credential_id;

    const std::string revocation_key = kRevocationPrefix + credential_id;
    const StateRead record = host().ReadState(kCredentialPrefix + credential_id);
    const StateRead existing = host().ReadState(revocation_key);
    if (!record.ok || !existing.ok) {
      return QueryError(kUnavailable,
                        "cannot read plugin state: " + (record.ok ? existing.error : record.error));
    }
    if (!record.value) {
      return QueryError(kNotFound, "no certificate credential " + credential_id);
    }

    Revocation revocation;
    bool already = existing.value.has_value();
    if (already) {
      revocation = Revocation::FromJson(*existing.value);
    } else {
      revocation = {FormatUtc(UnixSecondsNow(host())), request.actor(), reason};
      const std::string ours = revocation.ToJson();
      const StateRead stored = sdk::InsertOrRead(host(), revocation_key, ours);
      if (!stored.ok) {
        return QueryError(kUnavailable, "cannot record the revocation: " + stored.error);
      }
      if (*stored.value != ours) {
        // Someone revoked it meanwhile: theirs stands.
        revocation = Revocation::FromJson(*stored.value);
        already = true;
      } else {
        host().Info("certificate: " + credential_id + " " + revocation.Describe());
      }
    }

    pb::QueryResponse response;
    for (const char* column : {"credential", "status", "revoked_at", "revoked_by", "reason"}) {
      response.add_columns(column);
    }
    AddRow(&response, {credential_id, "revoked", revocation.at, revocation.by, revocation.reason});
    response.set_text(credential_id + (already ? " was already " : " is now ") +
                      revocation.Describe() + "\n");
    return response;
  }

  pb::QueryResponse PublicKey() const {
    pb::QueryResponse response;
    for (const char* column : {"issuer", "name", "kid", "alg", "jwk"}) response.add_columns(column);
    AddRow(&response, {issuer_.id, issuer_.name, key_->kid(), "EdDSA", key_->PublicJwk()});
    response.set_text(key_->public_key_pem());
    return response;
  }

  fs::path output_dir_;
  std::unique_ptr<IssuerKey> key_;
  BadgeIssuer issuer_;
  std::string verify_url_base_;
  // The certificate's language for an agent without one of ours.
  const CertificateWords* default_words_ = &EnglishWords();
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::CertificatePlugin)

// The "certificate" fulfilment plugin: renders a one-page PDF certificate of recognition (A4
// landscape) for the award's agent and returns the file's absolute path as the artifact.
//
// Config keys:
//   output_dir  where certificates are written (optional; default <data_dir>/artifacts; a
//               relative path is taken relative to the data dir).
//
// Safe to repeat: the file name is derived from the idempotency key, a finished certificate is
// never rewritten, and each one is rendered to a hidden temporary file that is synced and then
// renamed into place, so a crash never leaves half a PDF under the final name.
#include <cairo-pdf.h>
#include <cairo.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "plaudit/plugin_sdk.h"

namespace plaudit::fulfilment {
namespace {

namespace pb = ::plaudit::plugin::v1;
namespace fs = std::filesystem;

constexpr char kPluginName[] = "certificate";
constexpr char kVersion[] = "1.0.0";
constexpr char kTitle[] = "Certificate of Recognition";
constexpr char kFontFamily[] = "DejaVu Sans";

// A4 landscape in PDF points.
constexpr double kPageWidth = 841.89;
constexpr double kPageHeight = 595.28;
// Text never comes closer to the page edge than this; long names are shrunk to fit.
constexpr double kTextMargin = 90.0;

// Longest part of an idempotency key kept verbatim in a file name.
constexpr size_t kMaxKeyChars = 80;

using ::plaudit::sdk::Outcome;

std::string ErrnoMessage(int err) {
  return std::error_code(err, std::generic_category()).message();
}

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool ParseNumber(std::string_view digits, int* out) {
  if (digits.empty()) return false;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

// How a period label reads on the certificate: "2026-10" is "October 2026", "2026-10-05" is
// "5 October 2026"; any other label (a year, a quarter) is shown as it is.
std::string DescribePeriod(std::string_view period) {
  static constexpr std::array<const char*, 12> kMonths = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  int year = 0;
  int month = 0;
  int day = 0;
  if (period.size() >= 7 && period[4] == '-' && ParseNumber(period.substr(0, 4), &year) &&
      ParseNumber(period.substr(5, 2), &month) && month >= 1 && month <= 12) {
    const std::string month_year = std::string(kMonths[month - 1]) + " " + std::to_string(year);
    if (period.size() == 7) return month_year;
    if (period.size() == 10 && period[7] == '-' && ParseNumber(period.substr(8, 2), &day) &&
        day >= 1 && day <= 31) {
      return std::to_string(day) + " " + month_year;
    }
  }
  return std::string(period);
}

uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// "certificate-<key>.pdf" with the key restricted to [A-Za-z0-9_-]. When that changed or
// shortened the key, a hash of the whole key is appended so that distinct keys never share a file.
std::string CertificateFileName(std::string_view key) {
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
  return "certificate-" + safe + ".pdf";
}

// Draws `text` centred on the page with its baseline at y, shrinking the font size as needed so
// that it stays within the text margins.
void DrawCentred(cairo_t* cr, const std::string& text, double baseline, double size,
                 cairo_font_weight_t weight) {
  cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL, weight);
  cairo_set_font_size(cr, size);
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text.c_str(), &extents);
  const double max_width = kPageWidth - 2 * kTextMargin;
  if (extents.width > max_width) {
    cairo_set_font_size(cr, size * max_width / extents.width);
    cairo_text_extents(cr, text.c_str(), &extents);
  }
  cairo_move_to(cr, (kPageWidth - extents.width) / 2 - extents.x_bearing, baseline);
  cairo_show_text(cr, text.c_str());
}

struct CertificateText {
  std::string name;
  std::string program;
  std::string period;  // already phrased, e.g. "October 2026"
  std::string award_id;
};

void DrawCertificate(cairo_t* cr, const CertificateText& text) {
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

  DrawCentred(cr, kTitle, 150, 40, CAIRO_FONT_WEIGHT_BOLD);

  cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
  DrawCentred(cr, "is presented to", 210, 16, CAIRO_FONT_WEIGHT_NORMAL);

  cairo_set_source_rgb(cr, 0, 0, 0);
  DrawCentred(cr, text.name, 290, 52, CAIRO_FONT_WEIGHT_BOLD);

  cairo_set_source_rgb(cr, 0.10, 0.20, 0.42);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, kPageWidth / 2 - 180, 315);
  cairo_line_to(cr, kPageWidth / 2 + 180, 315);
  cairo_stroke(cr);

  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  if (!text.program.empty()) DrawCentred(cr, text.program, 370, 24, CAIRO_FONT_WEIGHT_NORMAL);
  if (!text.period.empty()) {
    DrawCentred(cr, "for " + text.period, 410, 18, CAIRO_FONT_WEIGHT_NORMAL);
  }

  if (!text.award_id.empty()) {
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    DrawCentred(cr, "Award " + text.award_id, kPageHeight - 56, 9, CAIRO_FONT_WEIGHT_NORMAL);
  }
}

// Renders the certificate into the file at `path`. Returns cairo's reason on failure, else "".
std::string RenderCertificate(const std::string& path, const CertificateText& text) {
  cairo_surface_t* surface = cairo_pdf_surface_create(path.c_str(), kPageWidth, kPageHeight);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
  const std::string title = std::string(kTitle) + ": " + text.name;
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

class CertificatePlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("certificate");

    for (const auto& [key, value] : request.config()) {
      if (key != "output_dir") return "unknown config key \"" + key + "\" (known: output_dir)";
    }
    fs::path dir;
    if (auto it = request.config().find("output_dir"); it != request.config().end()) {
      if (it->second.empty()) return "config output_dir is empty";
      dir = it->second;
    } else {
      dir = "artifacts";
    }
    if (dir.is_relative()) {
      if (request.data_dir().empty()) {
        return "no data dir to place " + dir.string() + " in; set an absolute output_dir";
      }
      dir = fs::path(request.data_dir()) / dir;
    }
    std::error_code ec;
    const fs::path absolute = fs::absolute(dir, ec);
    if (ec) return "cannot resolve output dir " + dir.string() + ": " + ec.message();
    output_dir_ = absolute.lexically_normal();
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
    text.program = std::string(Trim(request.program_name()));
    text.period = DescribePeriod(Trim(request.period()));
    text.award_id = request.award_id();

    std::error_code ec;
    fs::create_directories(output_dir_, ec);
    if (ec) {
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE,
                     "cannot create " + output_dir_.string() + ": " + ec.message());
    }
    const std::string file_name = CertificateFileName(request.idempotency_key());
    const fs::path final_path = output_dir_ / file_name;
    // A finished certificate only ever appears by rename, so its presence means a complete file.
    if (fs::is_regular_file(final_path, ec)) {
      return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, final_path.string());
    }

    std::string temp_path = (output_dir_ / ("." + file_name + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp_path.data());
    if (fd < 0) {
      return Outcome(
          pb::FULFIL_OUTCOME_RETRYABLE,
          "cannot create a temporary file in " + output_dir_.string() + ": " + ErrnoMessage(errno));
    }
    // mkstemp's 0600 would keep the certificate from whoever hands it out; make it a normal file.
    ::fchmod(fd, 0644);
    ::close(fd);

    std::string error = RenderCertificate(temp_path, text);
    if (!error.empty()) {
      error = "cairo: " + error;
    } else if (std::string sync_error = SyncPath(temp_path, O_RDONLY); !sync_error.empty()) {
      error = "cannot sync " + temp_path + ": " + sync_error;
    } else if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      error = "cannot rename to " + final_path.string() + ": " + ErrnoMessage(errno);
    }
    if (!error.empty()) {
      ::unlink(temp_path.c_str());
      return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, error);
    }
    // Make the rename itself durable; the certificate is complete either way.
    SyncPath(output_dir_.string(), O_RDONLY | O_DIRECTORY);
    return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, final_path.string());
  }

 private:
  fs::path output_dir_;
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::CertificatePlugin)

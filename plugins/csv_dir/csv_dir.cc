// The "csv_dir" metric-source plugin: imports CSV event files dropped into an inbox folder.
//
// Config keys:
//   inbox             the folder to watch (optional; default <data_dir>/inbox; a relative path is
//                     taken relative to the data dir). Finished files go to <data_dir>/processed/,
//                     files that cannot be imported at all to <data_dir>/failed/.
//   poll_interval_ms  the least time between two scans of the inbox by the host clock (optional;
//                     default 0: every Poll() scans). A Poll() that comes sooner does nothing.
//
// Each Poll() takes the inbox's *.csv files in name order. A file's first record is its header;
// its rows go to the host's "ingest.csv" in chunks of at most 5000, and the host validates and
// stores them (a row whose event id is already stored counts as a duplicate, never twice). A row
// the CSV reader cannot parse (an unterminated quote) is rejected here, without a host call. Only
// once every chunk of a file is stored are its rejected rows written to
// processed/<name>.rejected.csv (the header plus a `reason` column) and the file moved to
// processed/<name>, with "-1", "-2", ... added before ".csv" if that name is taken. So a crash or
// a host failure mid-file leaves the file in the inbox; the next poll sends it again and the rows
// already stored count as duplicates. A host failure also ends the poll, since the next file
// would most likely fail the same way.
//
// A file that can never be imported is set aside instead of being tried at every poll: one that
// cannot be opened for a reason of its own (its permissions), that is not text (a NUL byte),
// whose header record is malformed, or whose header the host refuses
// (IngestCsvResponse.header_error: a required column is missing; nothing was stored). It moves to
// failed/<name> beside failed/<name>.error, a line saying why, with the same numbering as
// processed/ when the name is taken, and one warning is logged; the files after it go on. Rows that
// are bad one by one are not this: they are rejected as above while the rest of the file is
// imported; a line not valid in the file's encoding (setting `encoding`: utf-8, the default,
// latin1 or windows-1252) is such a row.
//
// Ignored: names not ending in ".csv", names starting with '.' (temporary files), and files
// modified less than a second ago by the filesystem's clock, which are probably still being
// written. Writers should nevertheless write elsewhere and rename into the inbox.
//
// Thread-safety: polls are serialised; a Poll() that finds another one running returns at once.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/csv/csv_reader.h"
#include "plaudit/errno_message.h"
#include "plaudit/plugin_sdk.h"
#include "plugins/common/inbox_files.h"

namespace plaudit::plugins {
namespace {

namespace pb = ::plaudit::plugin::v1;
namespace fs = std::filesystem;

constexpr char kPluginName[] = "csv_dir";
constexpr char kVersion[] = "1.0.0";
constexpr char kCsvExtension[] = ".csv";
constexpr char kRejectedSuffix[] = ".rejected.csv";
constexpr char kErrorSuffix[] = ".error";
constexpr size_t kCheckBlockBytes = 64 * 1024;
constexpr int kMaxRowsPerChunk = 5000;

// Why `in` cannot be CSV text: "" when it has no NUL byte. Reads it to the end; *read_failed
// says the stream failed on the way (the answer then means nothing). Encoding errors are not
// checked here: the reader rejects each line that is not valid in the file's encoding, and the
// rest of the file is imported.
std::string NotText(std::istream& in, bool* read_failed) {
  int64_t line = 1;
  std::vector<char> block(kCheckBlockBytes);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const std::streamsize got = in.gcount();
    for (std::streamsize i = 0; i < got; ++i) {
      if (block[i] == '\0') {
        return "line " + std::to_string(line) +
               ": a NUL byte: not a text file (a spreadsheet, or text saved as UTF-16?)";
      }
      if (block[i] == '\n') ++line;
    }
  }
  *read_failed = in.bad();
  return {};
}

struct RejectedRow {
  int64_t line = 0;
  std::vector<std::string> fields;
  std::string reason;
};

// One file's rejected rows: the original header plus a `reason` column, then each row's fields
// (padded to the header's width, so that reasons line up) and its reason. Streamed to a hidden
// temporary file, which Commit() syncs and renames into place; dropped if never committed.
class RejectedRowsFile {
 public:
  RejectedRowsFile(fs::path temp_path, std::vector<std::string> header)
      : temp_path_(std::move(temp_path)), header_(std::move(header)) {}
  RejectedRowsFile(const RejectedRowsFile&) = delete;
  RejectedRowsFile& operator=(const RejectedRowsFile&) = delete;
  ~RejectedRowsFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
      std::error_code ec;
      fs::remove(temp_path_, ec);
    }
  }

  bool Append(const RejectedRow& row, std::string* error) {
    if (file_ == nullptr) {
      file_ = std::fopen(temp_path_.c_str(), "wb");
      if (file_ == nullptr) {
        *error = "cannot create " + temp_path_.string() + ": " + ErrnoMessage(errno);
        return false;
      }
      std::vector<std::string> header = header_;
      header.push_back("reason");
      if (!WriteRecord(header, error)) return false;
    }
    std::vector<std::string> record = row.fields;
    if (record.size() < header_.size()) record.resize(header_.size());
    record.push_back(row.reason);
    return WriteRecord(record, error);
  }

  bool Commit(const fs::path& path, std::string* error) {
    if (file_ == nullptr) return true;
    int err = 0;
    if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) err = errno;
    if (std::fclose(file_) != 0 && err == 0) err = errno;
    file_ = nullptr;
    if (err == 0 && ::rename(temp_path_.c_str(), path.c_str()) != 0) err = errno;
    if (err == 0) return true;
    *error = "cannot write " + path.string() + ": " + ErrnoMessage(err);
    std::error_code ec;
    fs::remove(temp_path_, ec);
    return false;
  }

 private:
  bool WriteRecord(const std::vector<std::string>& fields, std::string* error) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) line.push_back(',');
      line += CsvEscape(fields[i]);
    }
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
      *error = "cannot write " + temp_path_.string() + ": " + ErrnoMessage(errno);
      return false;
    }
    return true;
  }

  fs::path temp_path_;
  std::vector<std::string> header_;
  std::FILE* file_ = nullptr;
};

struct ImportTally {
  int64_t imported = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
};

enum class ImportStatus {
  kDone,        // stored and moved to processed/
  kSetAside,    // can never be imported: moved to failed/ with the reason beside it
  kFileFailed,  // this file could not be read or moved; it stays in the inbox
  kHostFailed,  // the host did not store a chunk; the file stays in the inbox
};

struct ImportResult {
  ImportStatus status = ImportStatus::kDone;
  std::string error;
};

class CsvDirPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    for (const auto& [key, value] : request.config()) {
      if (key != "inbox" && key != "poll_interval_ms" && key != "encoding") {
        return "unknown config key \"" + key + "\" (known: inbox, poll_interval_ms, encoding)";
      }
    }
    if (auto it = request.config().find("encoding"); it != request.config().end()) {
      std::optional<CsvEncoding> encoding = ParseCsvEncoding(it->second);
      if (!encoding.has_value()) {
        return "config encoding must be utf-8, latin1 or windows-1252; got \"" + it->second + "\"";
      }
      encoding_ = *encoding;
    }
    if (auto it = request.config().find("poll_interval_ms"); it != request.config().end()) {
      if (std::string problem = scans_.Parse(it->second); !problem.empty()) return problem;
    }
    if (request.data_dir().empty()) return "no data dir to keep processed files in";
    std::error_code ec;
    const fs::path data_dir = fs::absolute(request.data_dir(), ec);
    if (ec) return "cannot resolve data dir " + request.data_dir() + ": " + ec.message();
    fs::path inbox = "inbox";
    if (auto it = request.config().find("inbox"); it != request.config().end()) {
      if (it->second.empty()) return "config inbox is empty";
      inbox = it->second;
    }
    inbox_ = (data_dir / inbox).lexically_normal();  // an absolute `inbox` replaces data_dir
    processed_ = (data_dir / "processed").lexically_normal();
    failed_ = (data_dir / "failed").lexically_normal();

    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_METRIC_SOURCE);
    info->set_version(kVersion);
    info->add_sources((inbox_ / (std::string("*") + kCsvExtension)).string());

    // Polls create the folders too; a failure here may be temporary, so it does not stop start-up.
    if (std::string error = CreateFolders(); !error.empty()) host().Warning(error);
    return {};
  }

  pb::PollResponse Poll(const pb::PollRequest&) override {
    pb::PollResponse resp;
    std::unique_lock<std::mutex> lock(poll_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return resp;
    if (!scans_.Due(host().NowMicros())) return resp;

    if (std::string error = CreateFolders(); !error.empty()) {
      host().Warning(error);
      resp.set_error(error);
      return resp;
    }
    std::string list_error;
    for (const std::string& name : ReadyFiles(&list_error)) {
      const ImportResult result = ImportFile(name);
      // A file set aside was logged once, as it moved; it is no failure of this poll.
      if (result.status == ImportStatus::kDone || result.status == ImportStatus::kSetAside) {
        resp.set_files_processed(resp.files_processed() + 1);
        continue;
      }
      host().Warning(result.error);
      if (resp.error().empty()) resp.set_error(result.error);
      if (result.status == ImportStatus::kHostFailed) break;
    }
    if (!list_error.empty()) {
      host().Warning(list_error);
      if (resp.error().empty()) resp.set_error(list_error);
    }
    return resp;
  }

 private:
  std::string CreateFolders() {
    for (const fs::path& dir : {inbox_, processed_, failed_}) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return "csv_dir: cannot create " + dir.string() + ": " + ec.message();
    }
    return {};
  }

  // The inbox's CSV files that are ready to import, in name order.
  std::vector<std::string> ReadyFiles(std::string* error) {
    std::string list_error;
    std::vector<std::string> names = inbox::ReadyFiles(inbox_, kCsvExtension, &list_error);
    if (!list_error.empty()) *error = "csv_dir: " + list_error;
    return names;
  }

  ImportResult ImportFile(const std::string& name) {
    const fs::path path = inbox_ / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int err = errno;
      const std::string why = "cannot open: " + ErrnoMessage(err);
      // Out of descriptors or memory, or gone since the listing: not the file's fault.
      if (err == EMFILE || err == ENFILE || err == ENOMEM || err == EINTR || err == ENOENT) {
        return {ImportStatus::kFileFailed, "csv_dir: " + name + ": " + why};
      }
      return SetAside(name, why);
    }
    bool read_failed = false;
    const std::string not_text = NotText(in, &read_failed);
    if (read_failed) return {ImportStatus::kFileFailed, "csv_dir: " + name + ": read error"};
    if (!not_text.empty()) return SetAside(name, not_text);
    in.clear();
    in.seekg(0);

    CsvReader reader(in, encoding_);
    CsvRecord record;
    std::vector<std::string> header;
    if (reader.Next(&record)) {
      if (!record.error.empty()) {
        // The rest of the file belongs to the broken header: there are no rows to import.
        return SetAside(name, "line " + std::to_string(record.line) + ": header: " + record.error);
      }
      header = std::move(record.fields);
    }

    RejectedRowsFile rejected_file(processed_ / ("." + name + ".rejected.tmp"), header);
    ImportTally tally;
    pb::IngestCsvRequest chunk;
    chunk.set_source(name);
    for (const std::string& field : header) chunk.add_header(field);
    std::vector<RejectedRow> rejected;  // of the rows read since the last chunk was sent
    std::string error;
    bool more = !header.empty();
    while (more) {
      more = reader.Next(&record);
      if (more && !record.error.empty()) {
        rejected.push_back({record.line, std::move(record.fields), record.error});
        ++tally.rejected;
      } else if (more) {
        pb::CsvRow* row = chunk.add_rows();
        row->set_line(record.line);
        for (std::string& field : record.fields) row->add_fields(std::move(field));
      }
      const bool send = chunk.rows_size() == kMaxRowsPerChunk || (!more && chunk.rows_size() > 0);
      if (send) {
        pb::IngestCsvResponse resp;
        if (!host().IngestCsv(chunk, &resp, &error) || !resp.error().empty()) {
          if (error.empty()) error = resp.error();
          return {ImportStatus::kHostFailed, "csv_dir: " + name + ": host did not store rows: " +
                                                 error + "; will retry at the next poll"};
        }
        // Only the first chunk can meet this (the header is the same for all), so nothing of
        // the file is stored.
        if (!resp.header_error().empty()) return SetAside(name, resp.header_error());
        tally.imported += resp.imported();
        tally.duplicates += resp.duplicates();
        tally.rejected += resp.rejected();
        for (const auto& row_error : resp.errors()) {
          rejected.push_back(
              {row_error.line(), FieldsOfLine(chunk, row_error.line()), row_error.reason()});
        }
        chunk.clear_rows();
      }
      if (send || !more) {
        std::stable_sort(
            rejected.begin(), rejected.end(),
            [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
        for (const RejectedRow& row : rejected) {
          if (!rejected_file.Append(row, &error)) {
            return {ImportStatus::kFileFailed, "csv_dir: " + name + ": " + error};
          }
        }
        rejected.clear();
      }
    }
    if (in.bad()) return {ImportStatus::kFileFailed, "csv_dir: " + name + ": read error"};

    const std::string destination =
        inbox::UnusedName(processed_, name, kCsvExtension, kRejectedSuffix);
    if (!rejected_file.Commit(processed_ / (destination + kRejectedSuffix), &error)) {
      return {ImportStatus::kFileFailed, "csv_dir: " + name + ": " + error};
    }
    if (!inbox::MoveFile(path, processed_ / destination, &error)) {
      return {ImportStatus::kFileFailed, "csv_dir: " + name + ": " + error};
    }
    host().Info("csv_dir: " + name + ": imported " + std::to_string(tally.imported) +
                ", duplicates " + std::to_string(tally.duplicates) + ", rejected " +
                std::to_string(tally.rejected));
    return {};
  }

  // The fields of the chunk's row on `line` (rows are in line order), or none.
  static std::vector<std::string> FieldsOfLine(const pb::IngestCsvRequest& chunk, int64_t line) {
    const auto it =
        std::lower_bound(chunk.rows().begin(), chunk.rows().end(), line,
                         [](const pb::CsvRow& row, int64_t wanted) { return row.line() < wanted; });
    if (it == chunk.rows().end() || it->line() != line) return {};
    return {it->fields().begin(), it->fields().end()};
  }

  // Moves a file that can never be imported to failed/, with `why` in <name>.error beside it
  // (written first, so a file in failed/ always has its reason), and logs it once. When that
  // cannot be done the file stays in the inbox, to be set aside at a later poll.
  ImportResult SetAside(const std::string& name, const std::string& why) {
    const std::string destination = inbox::UnusedName(failed_, name, kCsvExtension, kErrorSuffix);
    const fs::path reason_path = failed_ / (destination + kErrorSuffix);
    std::string error;
    if (!inbox::WriteWhole(reason_path, why + "\n", &error)) {
      return {ImportStatus::kFileFailed,
              "csv_dir: " + name + ": cannot be imported (" + why + ") nor set aside: " + error};
    }
    if (!inbox::MoveFile(inbox_ / name, failed_ / destination, &error)) {
      std::error_code ec;
      fs::remove(reason_path, ec);
      return {ImportStatus::kFileFailed,
              "csv_dir: " + name + ": cannot be imported (" + why + ") nor set aside: " + error};
    }
    host().Warning("csv_dir: " + name + ": cannot be imported: " + why + "; moved to " +
                   (failed_ / destination).string());
    return {ImportStatus::kSetAside, why};
  }

  fs::path inbox_;
  fs::path processed_;
  fs::path failed_;
  inbox::ScanInterval scans_;  // guarded by poll_mu_
  CsvEncoding encoding_ = CsvEncoding::kUtf8;
  std::mutex poll_mu_;
};

}  // namespace
}  // namespace plaudit::plugins

PLAUDIT_PLUGIN(plaudit::plugins::CsvDirPlugin)

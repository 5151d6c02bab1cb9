#include "core/store/audit_trail.h"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace plaudit {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kMacBytes = 32;
// Starts every sealed encoding, so that a MAC under this key means nothing anywhere else.
constexpr char kDomain[] = "plaudit.audit.v1";
constexpr char kCheckpointHeader[] = "plaudit audit checkpoint";

using Checkpoint = std::optional<std::pair<int64_t, std::string>>;

std::string ErrnoText() { return std::strerror(errno); }

void PutNumber(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

void PutField(std::string& out, const std::string& field) {
  PutNumber(out, field.size());
  out += field;
}

// Writes all of `bytes` to `fd`.
bool WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// A rename or a new file lasts only once its directory is synced.
void SyncDirectoryOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::filesystem::path dir = parent.empty() ? std::filesystem::path(".") : parent;
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

absl::StatusOr<std::string> CreateKey(const std::string& path) {
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("audit key: no random bytes from OpenSSL");
  }
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit key file ", path, ": cannot create: ", ErrnoText()));
  }
  const bool written = WriteAll(fd, key) && fsync(fd) == 0;
  const std::string error = ErrnoText();
  close(fd);
  if (!written) {
    unlink(path.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("audit key file ", path, ": cannot write: ", error));
  }
  SyncDirectoryOf(path);
  return key;
}

absl::StatusOr<std::string> LoadOrCreateKey(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return CreateKey(path);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit key file ", path, ": cannot open: ", ErrnoText()));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const std::string error = ErrnoText();
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat("audit key file ", path, ": ", error));
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrFormat(
        "audit key file %s has mode %04o: group and others must have no access (chmod 600 %s)",
        path, st.st_mode & 07777, path));
  }
  std::string key(kKeyBytes + 1, '\0');
  size_t got = 0;
  while (got < key.size()) {
    const ssize_t n = read(fd, key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  if (got != kKeyBytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit key file ", path, ": expected ", kKeyBytes, " bytes, found ",
                     got > kKeyBytes ? "more" : absl::StrCat(got)));
  }
  key.resize(kKeyBytes);
  return key;
}

// The checkpoint's seq and MAC; nullopt when the file does not exist.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit checkpoint file ", path, ": cannot open: ", ErrnoText()));
  }
  std::string text;
  char buffer[512];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0 && text.size() < 4096) text.append(buffer, n);
  close(fd);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  int64_t seq = -1;
  std::string mac;
  if (!lines.empty() && lines[0] == kCheckpointHeader) {
    for (absl::string_view line : lines) {
      if (absl::ConsumePrefix(&line, "seq ") && !absl::SimpleAtoi(line, &seq)) seq = -1;
      if (absl::ConsumePrefix(&line, "mac ")) mac = std::string(line);
    }
  }
  if (seq < 0 || (seq > 0 && mac.size() != 2 * kMacBytes)) {
    return absl::DataLossError(absl::StrCat("audit checkpoint file ", path, " is malformed"));
  }
  return std::make_pair(seq, mac);
}

std::string Records(int64_t n) { return n == 1 ? "1 record" : absl::StrCat(n, " records"); }

}  // namespace

std::string AuditVerdict::Summary() const {
  if (!intact) return problem;
  return absl::StrCat(Records(records), ", chain intact, checkpoint at seq ", checkpoint_seq);
}

absl::StatusOr<std::unique_ptr<AuditTrail>> AuditTrail::Open(AuditStore* store,
                                                             std::string key_file,
                                                             std::string checkpoint_file) {
  auto key = LoadOrCreateKey(key_file);
  if (!key.ok()) return key.status();
  std::unique_ptr<AuditTrail> trail(
      new AuditTrail(store, *std::move(key), std::move(key_file), std::move(checkpoint_file)));
  auto checkpoint = ReadCheckpoint(trail->checkpoint_file_);
  if (!checkpoint.ok()) return checkpoint.status();
  if (!checkpoint->has_value()) {
    AuditFilter first;
    first.limit = 1;
    auto records = store->ListAuditRecords(first);
    if (!records.ok()) return records.status();
    // Only for an empty trail: a missing checkpoint over records is for Verify() to report.
    if (records->empty()) {
      absl::MutexLock lock(&trail->mu_);
      if (absl::Status written = trail->WriteCheckpoint(0, ""); !written.ok()) return written;
    }
  }
  return trail;
}

std::string AuditTrail::Seal(const AuditEntry& record, int64_t seq,
                             const std::string& previous_mac_hex) const {
  std::string message(kDomain);
  PutNumber(message, static_cast<uint64_t>(seq));
  PutNumber(message, static_cast<uint64_t>(absl::ToUnixMicros(record.time)));
  PutField(message, record.subject);
  PutNumber(message, record.roles.size());
  for (const std::string& role : record.roles) PutField(message, role);
  PutField(message, record.method);
  PutField(message, record.resource);
  PutField(message, record.outcome);
  PutField(message, record.request_id);
  PutField(message, record.detail);
  message += previous_mac_hex.empty() ? std::string(kMacBytes, '\0')
                                      : absl::HexStringToBytes(previous_mac_hex);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size);
  return std::string(reinterpret_cast<const char*>(mac), mac_size);
}

bool AuditTrail::Chains(const AuditRecord& record, int64_t seq,
                        const std::string& previous_mac_hex) const {
  return absl::BytesToHexString(Seal(record, seq, previous_mac_hex)) == record.mac_hex;
}

absl::Status AuditTrail::WriteCheckpoint(int64_t seq, const std::string& mac_hex) {
  const std::string temp = checkpoint_file_ + ".tmp";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("audit checkpoint file ", temp, ": cannot create: ", ErrnoText()));
  }
  const std::string text = absl::StrCat(kCheckpointHeader, "\nseq ", seq, "\nmac ", mac_hex, "\n");
  const bool written = fchmod(fd, 0600) == 0 && WriteAll(fd, text) && fsync(fd) == 0;
  const std::string error = ErrnoText();
  close(fd);
  if (!written || rename(temp.c_str(), checkpoint_file_.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("audit checkpoint file ", checkpoint_file_,
                                               ": cannot write: ", written ? ErrnoText() : error));
  }
  SyncDirectoryOf(checkpoint_file_);
  return absl::OkStatus();
}

absl::Status AuditTrail::Append(const AuditEntry& entry) {
  for (const std::string& role : entry.roles) {
    // The store keeps roles as one text: each must read back as it was sealed.
    if (role.empty() || role.find('\x1f') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("roles: \"", absl::CHexEscape(role), "\" is not a role name"));
    }
  }
  absl::MutexLock lock(&mu_);
  auto record = store_->AppendAuditRecord(
      entry, [this](const AuditRecord& r, const std::string& previous_mac_hex) {
        return absl::BytesToHexString(Seal(r, r.seq, previous_mac_hex));
      });
  if (!record.ok()) return record.status();
  absl::Status written = WriteCheckpoint(record->seq, record->mac_hex);
  if (!written.ok()) {
    return absl::Status(written.code(), absl::StrCat("audit record ", record->seq,
                                                     " was stored but ", written.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditRecord>> AuditTrail::List(const AuditFilter& filter) {
  return store_->ListAuditRecords(filter);
}

AuditVerdict AuditTrail::Verify() {
  AuditVerdict verdict;
  absl::StatusOr<std::vector<AuditRecord>> records;
  absl::StatusOr<Checkpoint> checkpoint;
  {
    // The records and the checkpoint as one append left them: read between an append's commit
    // and its checkpoint, the checkpoint would be ahead of the records.
    absl::MutexLock lock(&mu_);
    records = store_->ListAuditRecords(AuditFilter());
    checkpoint = ReadCheckpoint(checkpoint_file_);
  }
  if (!records.ok()) {
    verdict.problem = absl::StrCat("cannot read the audit log: ", records.status().message());
    return verdict;
  }
  verdict.records = static_cast<int64_t>(records->size());
  if (!checkpoint.ok()) {
    verdict.problem = std::string(checkpoint.status().message());
    return verdict;
  }
  if (checkpoint->has_value()) verdict.checkpoint_seq = (*checkpoint)->first;

  std::string previous_mac;
  int64_t previous_seq = 0;
  for (size_t i = 0; i < records->size(); ++i) {
    const AuditRecord& record = (*records)[i];
    if (record.seq <= previous_seq) {
      verdict.first_bad_seq = record.seq;
      verdict.problem = absl::StrCat("a record was inserted at seq ", record.seq,
                                     ", before record ", previous_seq + 1);
      return verdict;
    }
    if (record.seq > previous_seq + 1) {
      verdict.first_bad_seq = previous_seq + 1;
      verdict.problem = record.seq == previous_seq + 2
                            ? absl::StrCat("record ", previous_seq + 1, " is missing (deleted)")
                            : absl::StrCat("records ", previous_seq + 1, " to ", record.seq - 1,
                                           " are missing (deleted)");
      return verdict;
    }
    if (!Chains(record, record.seq, previous_mac)) {
      Diagnose(*records, i, *checkpoint, verdict);
      return verdict;
    }
    if (checkpoint->has_value() && (*checkpoint)->first == record.seq &&
        (*checkpoint)->second != record.mac_hex) {
      verdict.first_bad_seq = record.seq;
      verdict.problem = absl::StrCat("the checkpoint does not match record ", record.seq,
                                     ": its MAC differs (checkpoint file ", checkpoint_file_, ")");
      return verdict;
    }
    previous_mac = record.mac_hex;
    previous_seq = record.seq;
  }
  if (!checkpoint->has_value()) {
    if (!records->empty()) {
      verdict.problem = absl::StrCat("the checkpoint file ", checkpoint_file_,
                                     " is missing: records cut off the end would go unseen");
      return verdict;
    }
  } else if ((*checkpoint)->first > previous_seq) {
    const int64_t lost = (*checkpoint)->first - previous_seq;
    verdict.first_bad_seq = previous_seq + 1;
    verdict.problem = absl::StrCat(
        lost == 1 ? "the last record is" : absl::StrCat("the last ", lost, " records are"),
        " missing (truncated; checkpoint at seq ", (*checkpoint)->first, ")");
    return verdict;
  }
  verdict.intact = true;
  return verdict;
}

void AuditTrail::Diagnose(const std::vector<AuditRecord>& records, size_t i,
                          const Checkpoint& checkpoint, AuditVerdict& verdict) const {
  const AuditRecord& record = records[i];
  const int64_t seq = record.seq;
  const std::string previous_mac = i == 0 ? "" : records[i - 1].mac_hex;
  const bool last = i + 1 == records.size();
  const bool next_follows = !last && records[i + 1].seq == seq + 1;
  verdict.first_bad_seq = seq;

  // The MAC is authentic (the next record chains on it, or the checkpoint holds it) but the
  // content it seals is not.
  if ((next_follows && Chains(records[i + 1], seq + 1, record.mac_hex)) ||
      (last && checkpoint.has_value() && checkpoint->first == seq &&
       checkpoint->second == record.mac_hex)) {
    verdict.problem = absl::StrCat("record ", seq, " was edited");
    return;
  }

  // A later record belongs here: it was swapped with this one, with or without its MAC. Swapped
  // back, the chain must hold through the record after it.
  for (size_t j = i + 1; j < records.size(); ++j) {
    const std::string sealed_here = absl::BytesToHexString(Seal(records[j], seq, previous_mac));
    const bool with_mac = sealed_here == records[j].mac_hex;
    if (!with_mac && sealed_here != record.mac_hex) continue;
    std::vector<AuditRecord> restored(
        records.begin() + static_cast<ptrdiff_t>(i),
        records.begin() + static_cast<ptrdiff_t>(std::min(records.size(), j + 2)));
    AuditRecord& here = restored.front();
    AuditRecord& there = restored[j - i];
    std::swap(static_cast<AuditEntry&>(here), static_cast<AuditEntry&>(there));
    if (with_mac) std::swap(here.mac_hex, there.mac_hex);
    std::string chained = previous_mac;
    bool holds = true;
    for (const AuditRecord& r : restored) {
      if (!Chains(r, r.seq, chained)) {
        holds = false;
        break;
      }
      chained = r.mac_hex;
    }
    if (holds) {
      verdict.problem = absl::StrCat("records ", seq, " and ", records[j].seq, " are out of order");
      return;
    }
  }

  // The records from here on chain one seq lower: this one was put in, the rest renumbered.
  if (next_follows && Chains(records[i + 1], seq, previous_mac) &&
      (i + 2 >= records.size() ||
       Chains(records[i + 2], records[i + 2].seq - 1, records[i + 1].mac_hex))) {
    verdict.problem =
        absl::StrCat("a record was inserted at seq ", seq, ", before the record now at ", seq + 1);
    return;
  }

  if (last && (!checkpoint.has_value() || checkpoint->first < seq)) {
    verdict.problem =
        checkpoint.has_value()
            ? absl::StrCat("record ", seq,
                           " is not in the chain: inserted after the checkpoint at seq ",
                           checkpoint->first)
            : absl::StrCat("record ", seq, " is not in the chain: inserted at the end");
    return;
  }
  verdict.problem = absl::StrCat("record ", seq,
                                 " does not match its MAC (edited or forged, or records before it "
                                 "were deleted)");
}

}  // namespace plaudit

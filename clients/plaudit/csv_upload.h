// Reads CSV files the way the import RPCs take them: the header, then data rows tagged with the
// line each starts on. The server validates the rows (one set of rules and wording for every
// client); this only decodes the file to UTF-8 and splits it. A line the reader cannot parse (a
// quote left open, bytes not valid in the file's encoding) is not sent: it becomes a local
// RowError naming the line and counts as rejected, in every import alike, and every other row
// still goes.
//
// Neither class is thread-safe; each reads one stream.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_CSV_UPLOAD_H_
#define PLAUDIT_CLIENTS_PLAUDIT_CSV_UPLOAD_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/csv/csv_reader.h"
#include "plaudit/v1/agents.pb.h"
#include "plaudit/v1/common.pb.h"
#include "plaudit/v1/metrics.pb.h"

namespace plaudit::cli {

class CsvUpload {
 public:
  explicit CsvUpload(std::istream& in, CsvEncoding encoding = CsvEncoding::kUtf8)
      : in_(in), reader_(in, encoding) {}

  // Reads the first record as the header. False when there is none, it is malformed, or the
  // input cannot be read; error() says why.
  bool ReadHeader(google::protobuf::RepeatedPtrField<std::string>* header);

  // Appends up to `max_rows` data rows to `rows` and returns how many it appended: fewer than
  // `max_rows` only at the end of the input or on a read error (see error()).
  int64_t ReadRows(int64_t max_rows, google::protobuf::RepeatedPtrField<v1::CsvRow>* rows);

  // Records that were read but not sent, and why.
  const std::vector<v1::RowError>& local_errors() const { return local_errors_; }

  // Empty unless reading failed: an empty file, a malformed header, or an I/O error.
  const std::string& error() const { return error_; }

 private:
  std::istream& in_;
  CsvReader reader_;
  CsvRecord record_;
  std::vector<v1::RowError> local_errors_;
  std::string error_;
};

// Rows per ImportEvents message: big enough to amortise per-message costs, small enough that a
// message stays far below the server's 4 MiB limit on a message.
inline constexpr int64_t kEventRowsPerMessage = 2000;
// Rows per ImportAgents request, well under the server's 10,000.
inline constexpr int64_t kAgentRowsPerRequest = 2000;
// A message is closed early once its rows reach this many bytes, so files with long rows stay
// under the server's 4 MiB limit too.
inline constexpr size_t kMaxRowBytesPerMessage = size_t{1} << 20;

// Appends data rows to `rows` until `max_rows` or `max_bytes` (of encoded rows) is reached, or the
// input ends; returns how many it appended. One row larger than `max_bytes` is still appended,
// alone: the server then names its own limit.
int64_t ReadRowChunk(CsvUpload& upload, int64_t max_rows, size_t max_bytes,
                     google::protobuf::RepeatedPtrField<v1::CsvRow>* rows);

// The data rows of a CSV file in chunks of up to `max_rows` rows or `max_bytes` of encoded rows,
// whichever comes first, with what has been read so far. The base of the import chunkers below.
class RowChunks {
 public:
  RowChunks(std::istream& in, CsvEncoding encoding, int64_t max_rows, size_t max_bytes)
      : upload_(in, encoding), max_rows_(max_rows), max_bytes_(max_bytes) {}

  CsvUpload& upload() { return upload_; }
  // Appends the next chunk to `rows` (cleared by the caller) and returns how many rows it holds;
  // 0 once the input is done or reading failed (see error()).
  int64_t Next(google::protobuf::RepeatedPtrField<v1::CsvRow>* rows);

  // Data rows put into chunks so far.
  int64_t rows_read() const { return rows_read_; }
  // The file line the last row put into a chunk started on; 1 (the header) before any.
  int64_t last_line() const { return last_line_; }
  const std::vector<v1::RowError>& local_errors() const { return upload_.local_errors(); }
  const std::string& error() const { return upload_.error(); }

 private:
  CsvUpload upload_;
  const int64_t max_rows_;
  const size_t max_bytes_;
  bool done_ = false;
  int64_t rows_read_ = 0;
  int64_t last_line_ = 1;
};

// Splits an events CSV into the messages of the streaming MetricService.StreamEvents (and
// ImportEvents): the first message carries only the header, each following one up to
// `rows_per_message` rows. Holds one message's rows at a time, so files of any size stream in
// constant memory.
class EventImportChunker : public RowChunks {
 public:
  explicit EventImportChunker(std::istream& in, CsvEncoding encoding = CsvEncoding::kUtf8,
                              int64_t rows_per_message = kEventRowsPerMessage,
                              size_t max_bytes = kMaxRowBytesPerMessage)
      : RowChunks(in, encoding, rows_per_message, max_bytes) {}

  // Replaces `message` with the next one to send. False when nothing is left to send, or when
  // reading failed (error() is then set).
  bool Next(v1::ImportEventsRequest* message);

 private:
  bool header_sent_ = false;
  bool header_failed_ = false;
};

// Splits an agents CSV into ImportAgents requests, each with the header and up to
// `rows_per_request` rows: the server takes at most 10,000 rows and 4 MiB per request. The first
// request is sent even when the file has no rows, so the server checks the header.
class AgentImportChunker : public RowChunks {
 public:
  explicit AgentImportChunker(std::istream& in, CsvEncoding encoding = CsvEncoding::kUtf8,
                              int64_t rows_per_request = kAgentRowsPerRequest,
                              size_t max_bytes = kMaxRowBytesPerMessage)
      : RowChunks(in, encoding, rows_per_request, max_bytes) {}

  // Reads the header. False when there is none or it is malformed (error() says why).
  bool ReadHeader();
  // Replaces `request` with the next one to send. False when nothing is left to send, or when
  // reading failed (error() is then set).
  bool Next(v1::ImportAgentsRequest* request);

 private:
  google::protobuf::RepeatedPtrField<std::string> header_;
  bool first_sent_ = false;
};

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_CSV_UPLOAD_H_

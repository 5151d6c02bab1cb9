#include "clients/plaudit/csv_upload.h"

namespace plaudit::cli {

bool CsvUpload::ReadHeader(google::protobuf::RepeatedPtrField<std::string>* header) {
  if (!reader_.Next(&record_)) {
    error_ = in_.bad() ? "I/O error" : "the file is empty (expected a header line)";
    return false;
  }
  if (!record_.error.empty()) {
    error_ = "line " + std::to_string(record_.line) + ": " + record_.error;
    return false;
  }
  header->Clear();
  for (std::string& field : record_.fields) header->Add(std::move(field));
  return true;
}

int64_t CsvUpload::ReadRows(int64_t max_rows,
                            google::protobuf::RepeatedPtrField<v1::CsvRow>* rows) {
  int64_t appended = 0;
  while (appended < max_rows) {
    if (!reader_.Next(&record_)) {
      if (in_.bad()) error_ = "I/O error";
      break;
    }
    if (!record_.error.empty()) {
      v1::RowError& local = local_errors_.emplace_back();
      local.set_line(record_.line);
      local.set_reason(record_.error);
      continue;
    }
    v1::CsvRow* row = rows->Add();
    row->set_line(record_.line);
    for (std::string& field : record_.fields) row->add_fields(std::move(field));
    ++appended;
  }
  return appended;
}

int64_t ReadRowChunk(CsvUpload& upload, int64_t max_rows, size_t max_bytes,
                     google::protobuf::RepeatedPtrField<v1::CsvRow>* rows) {
  int64_t appended = 0;
  size_t bytes = 0;
  // One row at a time, so the size is known before the next row is read.
  while (appended < max_rows && bytes < max_bytes && upload.ReadRows(1, rows) == 1) {
    bytes += rows->Get(rows->size() - 1).ByteSizeLong();
    ++appended;
  }
  return appended;
}

int64_t RowChunks::Next(google::protobuf::RepeatedPtrField<v1::CsvRow>* rows) {
  if (done_) return 0;
  const int64_t appended = ReadRowChunk(upload_, max_rows_, max_bytes_, rows);
  rows_read_ += appended;
  if (appended > 0) last_line_ = rows->Get(rows->size() - 1).line();
  size_t bytes = 0;
  for (const v1::CsvRow& row : *rows) bytes += row.ByteSizeLong();
  // A chunk closed early by its size is not the end of the file.
  if (appended == 0 || (appended < max_rows_ && bytes < max_bytes_)) done_ = true;
  if (!upload_.error().empty()) return 0;
  return appended;
}

bool EventImportChunker::Next(v1::ImportEventsRequest* message) {
  message->Clear();
  if (header_failed_) return false;
  if (!header_sent_) {
    header_sent_ = true;
    header_failed_ = !upload().ReadHeader(message->mutable_header());
    return !header_failed_;
  }
  return RowChunks::Next(message->mutable_rows()) > 0;
}

bool AgentImportChunker::ReadHeader() { return upload().ReadHeader(&header_); }

bool AgentImportChunker::Next(v1::ImportAgentsRequest* request) {
  request->Clear();
  *request->mutable_header() = header_;
  const int64_t appended = RowChunks::Next(request->mutable_rows());
  if (!error().empty()) return false;
  const bool first = !first_sent_;
  first_sent_ = true;
  return appended > 0 || first;
}

}  // namespace plaudit::cli

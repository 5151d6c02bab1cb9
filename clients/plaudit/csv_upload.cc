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

bool EventImportChunker::Next(v1::ImportEventsRequest* message) {
  message->Clear();
  if (done_) return false;
  if (!header_sent_) {
    header_sent_ = true;
    if (!upload_.ReadHeader(message->mutable_header())) {
      done_ = true;
      return false;
    }
    return true;
  }
  int64_t appended = ReadRowChunk(upload_, rows_per_message_, max_bytes_, message->mutable_rows());
  rows_read_ += appended;
  if (appended > 0) last_line_ = message->rows(message->rows_size() - 1).line();
  // A chunk closed early by its size is not the end of the file.
  if (appended == 0 || (appended < rows_per_message_ && message->ByteSizeLong() < max_bytes_)) {
    done_ = true;
  }
  if (!upload_.error().empty()) return false;
  return appended > 0;
}

bool AgentImportChunker::ReadHeader() { return upload_.ReadHeader(&header_); }

bool AgentImportChunker::Next(v1::ImportAgentsRequest* request) {
  request->Clear();
  if (done_) return false;
  *request->mutable_header() = header_;
  int64_t appended = ReadRowChunk(upload_, rows_per_request_, max_bytes_, request->mutable_rows());
  rows_read_ += appended;
  if (appended > 0) last_line_ = request->rows(request->rows_size() - 1).line();
  if (appended == 0 || (appended < rows_per_request_ && request->ByteSizeLong() < max_bytes_)) {
    done_ = true;
  }
  if (!upload_.error().empty()) return false;
  const bool first = !first_sent_;
  first_sent_ = true;
  return appended > 0 || first;
}

}  // namespace plaudit::cli
